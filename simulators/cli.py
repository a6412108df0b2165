"""`wastetrace sim DEVICE …`: start one simulated device in the foreground."""

from __future__ import annotations

import importlib
import sys

DEVICES = {
    "scale": ("simulators.scale", "a weighing indicator on a pseudo-terminal"),
    "printer": ("simulators.printer", "an ESC/POS printer on TCP or a serial pty, labels as PNG"),
    "tspl-printer": ("simulators.tspl_printer", "a TSPL label printer on TCP or a serial pty, labels as PNG"),
    "onvif-camera": ("simulators.onvif_camera", "an ONVIF camera: SOAP services, snapshot JPEG with auth"),
    "gb28181-camera": ("simulators.gb28181_camera", "a GB/T 28181 camera: register, keepalive, snapshots"),
    "province": ("simulators.province", "a provincial platform: 回流 pulls and pushes, with faults"),
    "traffic": ("simulators.traffic", "a traffic platform (交管): vehicle positions to pull, with faults"),
    "fault-proxy": ("simulators.fault_proxy", "a TCP proxy that drops, delays, doubles, reorders, cuts"),
    "fleet": (
        "simulators.fleet",
        "a city's sites against a hub: enrolled boxes, shifts, manifests, fast-forwarded",
    ),
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help"}:
        print(f"usage: wastetrace sim {{{','.join(DEVICES)}}} ...\n\ndevices:")
        for name, (_, help_) in DEVICES.items():
            print(f"  {name:<15} {help_}")
        return 0
    if argv[0] not in DEVICES:
        print(f"wastetrace sim: unknown device {argv[0]!r}", file=sys.stderr)
        return 2
    return int(importlib.import_module(DEVICES[argv[0]][0]).main(argv[1:]) or 0)
