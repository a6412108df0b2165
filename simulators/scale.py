"""A weighing indicator on a pseudo-terminal, speaking any protocol in `protocols.scale.registry`.

By default it sends A&D `ST,GS,+0012.34kg` frames continuously; with a profile (`--profile
yaohua-xk3190-a9`) it speaks that indicator's protocol, and in command mode answers the host's requests.
The edge opens the symlinked pty with pyserial exactly as it opens a real USB-serial adapter. A small HTTP
API sets the weight on the platform, injects faults and pulls the cable:

    GET  /weight   {"target_grams", "shown_grams", "stable", "fault", "plugged", ...}
    POST /weight   {"grams": int}          put a load on the scale (0 … capacity)
    POST /fault    {"fault": "garbage"|"torn"|"silent"|"overload"|"underload"|"noise"|"drift"|"motion"|"none"}
    POST /plug     {"plugged": false}      unplug: the pty closes and the link goes; true plugs it back in

Run it with `wastetrace sim scale --link /tmp/x/scale.tty --control-port 8601 [--profile NAME]`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import random
import sys
import termios
import time
import tty
from pathlib import Path
from typing import Any, Final

from aiohttp import web

from protocols.scale import NEED_DATA, Command, FrameOptions, ProfileError, ScaleProfile, Shown, protocol
from simulators.lifecycle import stop_on_signals
from simulators.scale_display import (
    LOAD_FAULTS,
    IndicatorDisplay,
    LoadFaults,
    division_for,
    round_to_division,
)
from simulators.scale_profiles import load_profile

log = logging.getLogger(__name__)

FAULTS: Final = ("none", "garbage", "torn", "silent", "overload", "underload", *LOAD_FAULTS)

# About one frame in four is spoilt: a noisy line, not a dead one, so weighing stays possible.
_FAULT_RATE: Final = 0.25
_LETTERS: Final = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"

__all__ = ["FAULTS", "IndicatorDisplay", "ScaleSimulator", "division_for", "main", "round_to_division"]


def now_ms() -> int:
    return time.monotonic_ns() // 1_000_000


class ScaleSimulator:
    """The indicator, usable in-process: `await start()`, then `set_target`/`set_fault`/`unplug`/`replug`,
    `await stop()`."""

    def __init__(
        self,
        link: str | Path,
        *,
        hz: float = 10.0,
        capacity_grams: int = 300_000,
        unit: str = "kg",
        decimals: int = 2,
        settle_ms: int = 800,
        initial_grams: int = 0,
        control_host: str = "127.0.0.1",
        control_port: int | None = 0,
        seed: int | None = None,
        protocol_name: str = "and_st",
        mode: str = "continuous",
        frame: FrameOptions | None = None,
    ) -> None:
        if not 0 < hz <= 1000:
            raise ValueError(f"hz must be in (0, 1000], got {hz}")
        if settle_ms < 0:
            raise ValueError(f"settle_ms must be ≥ 0, got {settle_ms}")
        self.spec = protocol(protocol_name)
        if mode not in self.spec.modes:
            raise ValueError(f"{protocol_name} has no {mode} mode")
        self.mode = mode
        self.frame = frame or FrameOptions(unit=unit)
        self.division_g = division_for(unit, decimals)
        self.link = Path(link)
        self.hz = hz
        self.capacity_grams = capacity_grams
        self.unit = unit
        self.decimals = decimals
        self._check_fits()
        self._check_grams(initial_grams)
        self._rng = random.Random(seed)
        self.display = IndicatorDisplay(
            division_g=self.division_g, settle_ms=settle_ms, rng=self._rng, grams=initial_grams
        )
        self._load_faults = LoadFaults(self._rng)
        self._control_host = control_host
        self._control_port = control_port
        self.fault = "none"
        self._fault_since_ms = now_ms()
        self.shown_grams = round_to_division(initial_grams, self.division_g)
        self.stable = True
        self.tare_grams = 0
        self.frames_sent = 0
        self.frames_dropped = 0
        self.requests_answered = 0
        self._torn_head = False
        self.device: str | None = None
        self.control_url: str | None = None
        self._master: int | None = None
        self._slave: int | None = None
        self._requests = self.spec.requests(self.frame) if self.spec.requests and mode == "command" else None
        self._task: asyncio.Task[None] | None = None
        self._termios_task: asyncio.Task[None] | None = None
        self._raw_termios: list[Any] | None = None
        self._runner: web.AppRunner | None = None

    @classmethod
    def from_profile(cls, link: str | Path, profile: ScaleProfile, **kwargs: Any) -> ScaleSimulator:
        """An indicator set up as `profile` describes (protocol, mode, frame options, display)."""
        kwargs.setdefault("capacity_grams", profile.capacity_grams)
        kwargs.setdefault("decimals", profile.decimals)
        kwargs.setdefault("unit", profile.frame.unit)
        return cls(link, protocol_name=profile.protocol, mode=profile.mode, frame=profile.frame, **kwargs)

    # -- control -----------------------------------------------------------------------------------------

    def set_target(self, grams: int) -> None:
        self._check_grams(grams)
        self.display.set_target(grams, now_ms())
        log.info("scale load set to %d g", grams)

    def set_fault(self, fault: str) -> None:
        if fault not in FAULTS:
            raise ValueError(f"fault must be one of {', '.join(FAULTS)}; got {fault!r}")
        self.fault = fault
        self._fault_since_ms = now_ms()
        log.info("scale fault: %s", fault)

    @property
    def plugged(self) -> bool:
        return self._master is not None

    def unplug(self) -> None:
        """Pull the cable: the pty closes under the reader and the link disappears."""
        if self._master is None:
            return
        asyncio.get_running_loop().remove_reader(self._master)
        self._close_pty()
        log.info("scale unplugged")

    def replug(self) -> None:
        """Plug it back in: a new pty at the same link path, as udev recreates /dev/serial/by-id/…."""
        if self._master is not None:
            return
        self._open_pty()
        assert self._master is not None
        asyncio.get_running_loop().add_reader(self._master, self._on_host_bytes)
        log.info("scale plugged in at %s", self.device)

    def snapshot(self) -> dict[str, Any]:
        return {
            "target_grams": self.display.target_grams,
            "shown_grams": self.shown_grams,
            "stable": self.stable,
            "fault": self.fault,
            "plugged": self.plugged,
            "protocol": self.spec.name,
            "mode": self.mode,
            "tare_grams": self.tare_grams,
            "capacity_grams": self.capacity_grams,
            "division_grams": self.division_g,
            "link": str(self.link),
            "device": self.device,
        }

    # -- lifecycle ---------------------------------------------------------------------------------------

    async def start(self) -> None:
        self._open_pty()
        loop = asyncio.get_running_loop()
        assert self._master is not None
        loop.add_reader(self._master, self._on_host_bytes)
        if self.mode == "continuous":
            self._task = asyncio.create_task(self._emit_forever(), name=f"scale-sim {self.link}")
        self._termios_task = asyncio.create_task(self._keep_termios(), name=f"scale-sim termios {self.link}")
        if self._control_port is not None:
            try:
                await self._start_control()
            except OSError:
                await self.stop()  # the port is taken: leave no pty or symlink behind
                raise

    async def _start_control(self) -> None:
        self._runner = web.AppRunner(build_control_app(self), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._control_host, self._control_port)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.control_url = f"http://{host}:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        for task in (self._task, self._termios_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._task = self._termios_task = None
        if self._master is not None:
            asyncio.get_running_loop().remove_reader(self._master)
        self._close_pty()

    async def __aenter__(self) -> ScaleSimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- what the display shows --------------------------------------------------------------------------

    def shown(self) -> Shown:
        """The display now, with the load faults applied; also what GET /weight reports."""
        at = now_ms()
        grams, settled = self.display.show(at)
        grams, stable = self._load_faults.apply(
            self.fault, grams, settled, self.division_g, self._fault_since_ms, at
        )
        self.shown_grams, self.stable = grams, stable
        if self.fault in ("overload", "underload"):
            return Shown(None, False, status=self.fault, decimals=self.decimals, unit=self.unit)
        kind = "net" if self.tare_grams else self.frame.kind
        return Shown(
            grams - self.tare_grams,
            stable,
            kind=kind,
            tare_grams=self.tare_grams,
            decimals=self.decimals,
            unit=self.unit,
        )

    def _check_fits(self) -> None:
        if self.spec.encode is not None:
            self.spec.encode(Shown(self.capacity_grams, decimals=self.decimals, unit=self.unit), self.frame)

    def _check_grams(self, grams: object) -> None:
        if not isinstance(grams, int) or isinstance(grams, bool) or not 0 <= grams <= self.capacity_grams:
            raise ValueError(f"grams must be an integer from 0 to {self.capacity_grams}, got {grams!r}")

    # -- the pty -----------------------------------------------------------------------------------------

    def _open_pty(self) -> None:
        master, slave = os.openpty()
        # Raw, so the line discipline neither echoes our frames back nor rewrites CR and LF.
        tty.setraw(slave)
        self._raw_termios = termios.tcgetattr(slave)
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        self.device = os.ttyname(slave)
        self.link.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.link.with_name(f".{self.link.name}.{os.getpid()}.tmp")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        os.symlink(self.device, tmp)
        os.replace(tmp, self.link)

    def _close_pty(self) -> None:
        if self.link.is_symlink() and os.readlink(self.link) == self.device:
            self.link.unlink()
        for fd in (self._master, self._slave):
            if fd is not None:
                os.close(fd)
        self._master = self._slave = None

    async def _keep_termios(self) -> None:
        """Put the pty's settings back as the reader found them.

        A Linux pty refuses (EINVAL) a second open with 7 data bits and parity once a reader has set
        them, which a real UART never does; so a 7E1 profile could connect once and never again.
        pyserial reads with select() and never looks at the settings again, so resetting them under an
        open reader changes nothing for it.
        """
        while True:
            await asyncio.sleep(0.2)
            if self._slave is not None and self._raw_termios is not None:
                with contextlib.suppress(termios.error):
                    if termios.tcgetattr(self._slave) != self._raw_termios:
                        termios.tcsetattr(self._slave, termios.TCSANOW, self._raw_termios)

    def _on_host_bytes(self) -> None:
        """What the host sends: answered in command mode, read and ignored otherwise (so its writes
        never block)."""
        assert self._master is not None
        try:
            data = os.read(self._master, 1024)
        except (BlockingIOError, OSError):
            return
        if self._requests is None:
            return
        self._requests.receive_data(data)
        while (command := self._requests.next_event()) is not NEED_DATA:
            if isinstance(command, Command):
                self._answer(command)

    def _answer(self, command: Command) -> None:
        shown = self.shown()
        if self.fault == "silent":
            return
        if command.name == "tare" and shown.stable and shown.grams is not None:
            self.tare_grams += shown.grams
        elif command.name == "clear":
            self.tare_grams = 0
        assert self.spec.answer is not None
        try:
            reply = self.spec.answer(command, self.shown(), self.frame)
        except ValueError as exc:  # the display cannot be sent in this protocol: the indicator says nothing
            log.debug("no reply to %r: %s", command.code, exc)
            return
        if reply:
            self.requests_answered += 1
            self._send(reply)

    # -- continuous output -------------------------------------------------------------------------------

    async def _emit_forever(self) -> None:
        loop = asyncio.get_running_loop()
        start, period, tick = loop.time(), 1.0 / self.hz, 0
        while True:
            if self._master is not None:
                self._emit()
            tick += 1
            await asyncio.sleep(max(0.0, start + tick * period - loop.time()))

    def _emit(self) -> None:
        shown = self.shown()
        if self.fault == "silent":
            return
        assert self.spec.encode is not None
        try:
            frame = self.spec.encode(shown, self.frame)
        except ValueError:
            # A format with no code for this state (the 12-byte frame has none for overload): the
            # indicator shows an error and its output stops.
            return
        self._send(frame)

    def _send(self, frame: bytes) -> None:
        torn_head = False
        if self.fault == "garbage" and self._rng.random() < _FAULT_RATE:
            frame = self._junk(frame) + frame
        elif self.fault == "torn" and not self._torn_head and self._rng.random() < _FAULT_RATE:
            # A head is always followed by a whole frame: head + next tail would splice two readings,
            # which no checksum-less protocol can catch and no flaky line produces at that rate.
            cut = self._rng.randrange(2, len(frame) - 2)
            torn_head = self._rng.random() < 0.5
            frame = frame[:cut] if torn_head else frame[cut:]
        self._torn_head = torn_head
        self._write(frame)

    def _junk(self, frame: bytes) -> bytes:
        """Random bytes, or the frame itself with a letter in place of one of its weight digits."""
        digits = [i for i in range(1, len(frame)) if chr(frame[i]).isdigit() and chr(frame[i - 1]).isdigit()]
        if digits and self._rng.random() < 0.3:
            i = self._rng.choice(digits)
            return frame[:i] + bytes([self._rng.choice(_LETTERS)]) + frame[i + 1 :]
        return self._rng.randbytes(self._rng.randrange(1, 13))

    def _write(self, data: bytes) -> None:
        if self._master is None:
            return
        try:
            written = os.write(self._master, data)
        except (BlockingIOError, OSError):
            # Nobody is reading and the pty buffer is full: a real indicator talks on regardless.
            self.frames_dropped += 1
            return
        if written < len(data):
            self.frames_dropped += 1
        self.frames_sent += 1


def _json_error(status: int, message: str, message_zh: str) -> web.Response:
    return web.json_response({"error": message, "error_zh": message_zh}, status=status)


@web.middleware
async def _cors(request: web.Request, handler: Any) -> web.StreamResponse:
    headers = {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type",
    }
    if request.method == "OPTIONS":
        return web.Response(status=204, headers=headers)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers.update(headers)
        raise
    response.headers.update(headers)
    return response


async def _read_json_object(request: web.Request) -> dict[str, Any] | None:
    try:
        body = await request.json()
    except json.JSONDecodeError:
        return None
    return body if isinstance(body, dict) else None


def build_control_app(sim: ScaleSimulator) -> web.Application:
    async def get_weight(request: web.Request) -> web.Response:
        if sim.plugged:
            sim.shown()
        return web.json_response(sim.snapshot())

    async def post_weight(request: web.Request) -> web.Response:
        body = await _read_json_object(request)
        if body is None:
            return _json_error(
                400, 'send a JSON object like {"grams": 12340}', "请求格式错误：需要 JSON 对象"
            )
        try:
            sim.set_target(body.get("grams"))
        except ValueError as exc:
            return _json_error(400, str(exc), f"重量必须是 0 到 {sim.capacity_grams} 之间的整数（克）")
        return web.json_response(sim.snapshot())

    async def post_fault(request: web.Request) -> web.Response:
        body = await _read_json_object(request)
        if body is None:
            return _json_error(
                400, 'send a JSON object like {"fault": "garbage"}', "请求格式错误：需要 JSON 对象"
            )
        try:
            sim.set_fault(body.get("fault"))
        except ValueError as exc:
            return _json_error(400, str(exc), f"故障类型必须是 {'、'.join(FAULTS)} 之一")
        return web.json_response(sim.snapshot())

    async def post_plug(request: web.Request) -> web.Response:
        body = await _read_json_object(request)
        if body is None or not isinstance(body.get("plugged"), bool):
            return _json_error(
                400, 'send a JSON object like {"plugged": false}', "请求格式错误：需要 plugged 布尔值"
            )
        if body["plugged"]:
            sim.replug()
        else:
            sim.unplug()
        return web.json_response(sim.snapshot())

    app = web.Application(middlewares=[_cors])
    app.router.add_get("/weight", get_weight)
    app.router.add_post("/weight", post_weight)
    app.router.add_post("/fault", post_fault)
    app.router.add_post("/plug", post_plug)
    return app


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="wastetrace sim scale", description=__doc__.split("\n\n")[0])
    p.add_argument("--link", required=True, help="symlink to create for the pty, e.g. /tmp/x/scale.tty")
    p.add_argument("--profile", help="speak as this indicator profile (firmware-config/scales/NAME.toml)")
    p.add_argument("--hz", type=float, default=10.0, help="frames per second (default 10)")
    p.add_argument("--capacity-grams", type=int, help="maximum load (default 300000, or the profile's)")
    p.add_argument("--unit", choices=("kg", "g", "t"), help="display unit (default kg, or the profile's)")
    p.add_argument("--decimals", type=int, help="decimals shown in the unit (default 2, or the profile's)")
    p.add_argument("--settle-ms", type=int, default=800, help="time the display takes to settle")
    p.add_argument("--initial-grams", type=int, default=0)
    p.add_argument("--control-host", default="127.0.0.1")
    p.add_argument("--control-port", type=int, default=0, help="HTTP control port (0: any free port)")
    p.add_argument("--seed", type=int, default=None, help="seed the jitter and faults, for replays")
    return p


async def _serve(sim: ScaleSimulator) -> None:
    stop = stop_on_signals()
    await sim.start()
    # Announced only once a SIGTERM would be handled, so whoever waits for this line can stop us cleanly.
    print(f"scale simulator: {sim.link} (control {sim.control_url})", flush=True)
    try:
        await stop.wait()
    finally:
        await sim.stop()


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    display = {
        key: value
        for key, value in (
            ("capacity_grams", args.capacity_grams),
            ("unit", args.unit),
            ("decimals", args.decimals),
        )
        if value is not None
    }
    common = {
        "hz": args.hz,
        "settle_ms": args.settle_ms,
        "initial_grams": args.initial_grams,
        "control_host": args.control_host,
        "control_port": args.control_port,
        "seed": args.seed,
        **display,
    }
    try:
        if args.profile:
            sim = ScaleSimulator.from_profile(args.link, load_profile(args.profile), **common)
        else:
            sim = ScaleSimulator(args.link, **common)
    except (ValueError, ProfileError) as exc:
        print(f"wastetrace sim scale: {exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(_serve(sim))
    except OSError as exc:
        print(f"wastetrace sim scale: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
