"""The scales of one box: a supervised serial reader per scale, judged stable on the event loop.

`reader.ScaleReader` keeps one scale's port, parser and stability judge; `state` holds what it reports
(`ScaleStatus`, `ScaleState`); `errors` why it gave no weight; `service.ScaleSet` is every scale of the box
by name; `wiring` builds them from the configuration; `profiles` finds indicator profiles
(firmware-config/scales); `report` is a scale's entry in the heartbeat; `cli` is the installer's
`wastetrace edge scale-read`.
"""
