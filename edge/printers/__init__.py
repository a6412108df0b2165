"""The label printer of one box: links, status, the printer itself, the durable print queue, labels.

`links` reaches a printer (TCP, serial, USB, device file); `status` asks it how it is, in its language
(ESC/POS or TSPL), and keeps the last known `PrinterState`; `errors` say why a label did not print, in
words for the operator; `printer.LabelPrinter` sends a label between two status checks; `profiles` finds
printer profiles (firmware-config/printers); `wiring` opens the printer a configuration names; `labels`
composes and encodes a bag's label for that profile; `queue` prints waiting labels when the printer is
back; `report` is the printer's entry in the heartbeat; `cli` is the installer's `wastetrace edge print-test`.
"""
