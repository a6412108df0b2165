"""`wastetrace edge scale-read --profile NAME --port DEV [--json]`: the installer's tool.

It opens the port as the edge would (same profile, same reader: reopening after an unplug, polling in
command mode) and prints every decoded frame as it arrives, garbage included, until interrupted. With
--json, one object a line:

    {"time_ms": 1763870400123, "grams": 12340, "stable": true, "kind": "gross", "status": "ok",
     "flag": true, "tare_grams": null, "raw": "ST,GS,+0012.34kg"}

`stable` is the edge's own verdict under the profile's stability rule (the one a weighing waits for);
`flag` is the indicator's motion flag, null for formats without one. `status` is ok, overload,
underload, hold, garbled (with "reason") or no-data (nothing heard for the profile's no_data_ms, or the
port is not open: "connected" says which). Replies without weight (in motion, busy) are ok with
"grams": null and "reply".
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from edge.scales.profiles import load_profile, profile_names
from edge.scales.reader import ScaleReader
from edge.scales.state import ScaleState
from protocols.scale import Garbled, ProfileError, Reading, Reply, ScaleEvent, ScaleProfile


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


def describe(event: ScaleEvent, *, judged_stable: bool, has_flag: bool, at_ms: int) -> dict[str, Any]:
    """One event as the JSON line prints it."""
    raw = event.raw.decode("latin-1").encode("unicode_escape").decode("ascii")
    if isinstance(event, Reading):
        return {
            "time_ms": at_ms,
            "grams": event.grams,
            "stable": judged_stable,
            "kind": event.kind,
            "status": event.status,
            "flag": event.stable if has_flag else None,
            "tare_grams": event.tare_grams,
            "raw": raw,
        }
    if isinstance(event, Reply):
        status = "garbled" if event.what == "command-error" else "ok"
        out = {"time_ms": at_ms, "grams": None, "stable": False, "kind": "gross", "status": status}
        return out | {"reply": event.what, "detail": event.detail, "raw": raw}
    assert isinstance(event, Garbled)
    out = {"time_ms": at_ms, "grams": None, "stable": False, "kind": "gross", "status": "garbled"}
    return out | {"reason": event.reason, "raw": raw}


def silence(state: ScaleState, at_ms: int) -> dict[str, Any]:
    return {
        "time_ms": at_ms,
        "grams": None,
        "stable": False,
        "kind": "gross",
        "status": "no-data",
        "connected": state.connected,
        "message": state.message_zh,
    }


def human(line: dict[str, Any]) -> str:
    clock = (
        time.strftime("%H:%M:%S", time.localtime(line["time_ms"] / 1000)) + f".{line['time_ms'] % 1000:03d}"
    )
    if line["status"] == "no-data":
        return f"{clock}  --  {line['message']}"
    grams = line["grams"]
    weight = (
        "--"
        if grams is None
        else f"{'-' if grams < 0 else ''}{abs(grams) // 1000}.{abs(grams) % 1000:03d} kg"
    )
    verdict = "稳定" if line["stable"] else "不稳定"
    extra = line.get("reason") or line.get("reply") or ""
    fields = f"{line['kind']:<5} {line['status']:<9} {extra}"
    return f"{clock}  {weight:>14}  {verdict}  {fields}  {line['raw']}".rstrip()


class Printer:
    """Writes lines and counts them; stops the run once `count` lines were written (0: never)."""

    def __init__(self, out: TextIO, as_json: bool, count: int, done: Callable[[], None]) -> None:
        self.out, self.as_json, self.count, self.done, self.written = out, as_json, count, done, 0

    def __call__(self, line: dict[str, Any]) -> None:
        if self.count and self.written >= self.count:
            return
        text = json.dumps(line, ensure_ascii=False) if self.as_json else human(line)
        self.out.write(text + "\n")
        self.out.flush()
        self.written += 1
        if self.count and self.written >= self.count:
            self.done()


async def read(profile: ScaleProfile, port: str, write: Printer, stop: asyncio.Event) -> None:
    reader = ScaleReader.from_profile(port, profile, name=profile.name)
    has_flag = profile.spec.has_stable_flag

    def on_event(event: ScaleEvent, _now: int) -> None:
        write(
            describe(
                event, judged_stable=reader.judge.stable_grams is not None, has_flag=has_flag, at_ms=wall_ms()
            )
        )

    reader.add_listener(on_event)
    await reader.start()
    try:
        while not stop.is_set():
            # Silence is reported too, once per no_data_ms, so a dead line is never mistaken for a hang.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), profile.no_data_ms / 1000)
            state = reader.state()
            if not stop.is_set() and state.status in ("no-data", "disconnected"):
                write(silence(state, wall_ms()))
    finally:
        await reader.stop()


async def _run(profile: ScaleProfile, port: str, as_json: bool, count: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await read(profile, port, Printer(sys.stdout, as_json, count, stop.set), stop)


def add_parser(sub: Any) -> None:
    """`scale-read` under `wastetrace edge`."""
    p = sub.add_parser("scale-read", help="print each reading from a scale as it arrives (installer's tool)")
    p.add_argument("--profile", required=True, help="a profile name (firmware-config/scales) or file")
    p.add_argument("--port", required=True, help="the serial port, e.g. /dev/serial/by-id/usb-…")
    p.add_argument("--json", action="store_true", help="one JSON object a line")
    p.add_argument("--count", type=int, default=0, help="stop after this many lines (default: never)")


def run(args: argparse.Namespace) -> int:
    try:
        profile = load_profile(args.profile)
    except ProfileError as exc:
        print(f"wastetrace edge scale-read: {exc}", file=sys.stderr)
        print(f"profiles: {', '.join(profile_names())}", file=sys.stderr)
        return 2
    if not args.json:
        print(
            f"{profile.model} · {profile.protocol} ({profile.mode}) · {args.port} · Ctrl-C 结束", flush=True
        )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run(profile, args.port, args.json, args.count))
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="wastetrace edge")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return run(parser.parse_args(["scale-read", *argv]))
