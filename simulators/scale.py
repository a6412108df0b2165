"""A weighing indicator on a pseudo-terminal, sending A&D `ST,GS,+0012.34kg` frames continuously.

The edge opens the symlinked pty with pyserial exactly as it opens a real USB-serial adapter. A small HTTP
API sets the weight on the platform and injects line faults:

    GET  /weight   {"target_grams", "shown_grams", "stable", "fault", ...}
    POST /weight   {"grams": int}          put a load on the scale (0 … capacity)
    POST /fault    {"fault": "garbage"|"torn"|"silent"|"overload"|"none"}

Run it with `wastetrace sim scale --link /tmp/x/scale.tty --control-port 8601`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import random
import signal
import sys
import time
import tty
from pathlib import Path
from typing import Any, Final

from aiohttp import web

from protocols.scale import encode_and_st

log = logging.getLogger(__name__)

FAULTS: Final = ("none", "garbage", "torn", "silent", "overload")

# About one frame in four is spoilt: a noisy line, not a dead one, so weighing stays possible.
_FAULT_RATE: Final = 0.25
# Invalid on purpose, each its own line: the reader must refuse them all, never read a weight from them.
_BAD_FRAMES: Final = (
    b"ST,GS,+00A2.34kg\r\n",
    b"XX,GS,+0012.34kg\r\n",
    b"ST,GS,+0012.3kg\r\n",
    b"ST,GS,+0012.34oz\r\n",
    b"ST,GS,+00.12.3kg\r\n",
    b"\x02+002000213B\x03",
)


def now_ms() -> int:
    return time.monotonic_ns() // 1_000_000


def round_to_division(grams: int, division_g: int) -> int:
    """Round half-to-even to a whole number of divisions, as the display shows it."""
    quotient, rest = divmod(grams, division_g)
    if 2 * rest > division_g or (2 * rest == division_g and quotient % 2):
        quotient += 1
    return quotient * division_g


def division_for(unit: str, decimals: int) -> int:
    """The smallest step the display can show, in whole grams; refuse settings finer than a gram."""
    exponent = {"g": 0, "kg": 3, "t": 6}.get(unit)
    if exponent is None:
        raise ValueError(f"the simulator shows g, kg or t, not {unit!r}")
    if not 0 <= decimals <= exponent:
        raise ValueError(f"{unit} with {decimals} decimals is not a whole number of grams per division")
    return 10 ** (exponent - decimals)


class IndicatorDisplay:
    """What the indicator shows: after a load change the number swings towards the new load with a
    division of jitter, then settles exactly on it (rounded to the division)."""

    def __init__(self, *, division_g: int, settle_ms: int, rng: random.Random, grams: int = 0) -> None:
        self.division_g = division_g
        self.settle_ms = settle_ms
        self._rng = rng
        self.target_grams = grams
        self._from = round_to_division(grams, division_g)
        self._since_ms: int | None = None

    def set_target(self, grams: int, at_ms: int) -> None:
        self._from = self.show(at_ms)[0]
        self.target_grams = grams
        self._since_ms = at_ms

    def show(self, at_ms: int) -> tuple[int, bool]:
        """(grams shown, settled) at `at_ms`."""
        target = round_to_division(self.target_grams, self.division_g)
        if self._since_ms is None or at_ms - self._since_ms >= self.settle_ms:
            return target, True
        s, e = self.settle_ms, max(0, at_ms - self._since_ms)
        eased = self._from + (target - self._from) * (s * s - (s - e) ** 2) // (s * s)
        jitter = self._rng.choice((-1, 0, 1)) * self.division_g
        return round_to_division(eased, self.division_g) + jitter, False


class ScaleSimulator:
    """The indicator, usable in-process: `await start()`, then `set_target`/`set_fault`, `await stop()`."""

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
    ) -> None:
        if not 0 < hz <= 1000:
            raise ValueError(f"hz must be in (0, 1000], got {hz}")
        if settle_ms < 0:
            raise ValueError(f"settle_ms must be ≥ 0, got {settle_ms}")
        self.division_g = division_for(unit, decimals)
        encode_and_st(capacity_grams, stable=True, unit=unit, decimals=decimals)  # refuses what cannot fit
        self.link = Path(link)
        self.hz = hz
        self.capacity_grams = capacity_grams
        self.unit = unit
        self.decimals = decimals
        self._check_grams(initial_grams)
        self._rng = random.Random(seed)
        self.display = IndicatorDisplay(
            division_g=self.division_g, settle_ms=settle_ms, rng=self._rng, grams=initial_grams
        )
        self._control_host = control_host
        self._control_port = control_port
        self.fault = "none"
        self.shown_grams = round_to_division(initial_grams, self.division_g)
        self.stable = True
        self.frames_sent = 0
        self.frames_dropped = 0
        self._torn_head = False
        self.device: str | None = None
        self.control_url: str | None = None
        self._master: int | None = None
        self._slave: int | None = None
        self._task: asyncio.Task[None] | None = None
        self._runner: web.AppRunner | None = None

    def set_target(self, grams: int) -> None:
        self._check_grams(grams)
        self.display.set_target(grams, now_ms())
        log.info("scale load set to %d g", grams)

    def set_fault(self, fault: str) -> None:
        if fault not in FAULTS:
            raise ValueError(f"fault must be one of {', '.join(FAULTS)}; got {fault!r}")
        self.fault = fault
        log.info("scale fault: %s", fault)

    def snapshot(self) -> dict[str, Any]:
        return {
            "target_grams": self.display.target_grams,
            "shown_grams": self.shown_grams,
            "stable": self.stable,
            "fault": self.fault,
            "capacity_grams": self.capacity_grams,
            "division_grams": self.division_g,
            "link": str(self.link),
            "device": self.device,
        }

    async def start(self) -> None:
        self._open_pty()
        loop = asyncio.get_running_loop()
        assert self._master is not None
        loop.add_reader(self._master, self._drain)
        self._task = asyncio.create_task(self._emit_forever(), name=f"scale-sim {self.link}")
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
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._master is not None:
            asyncio.get_running_loop().remove_reader(self._master)
        self._close_pty()

    async def __aenter__(self) -> ScaleSimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _check_grams(self, grams: object) -> None:
        if not isinstance(grams, int) or isinstance(grams, bool) or not 0 <= grams <= self.capacity_grams:
            raise ValueError(f"grams must be an integer from 0 to {self.capacity_grams}, got {grams!r}")

    def _open_pty(self) -> None:
        master, slave = os.openpty()
        # Raw, so the line discipline neither echoes our frames back nor rewrites CR and LF.
        tty.setraw(slave)
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

    def _drain(self) -> None:
        """Read and ignore what the host sends, so its writes never block."""
        assert self._master is not None
        with contextlib.suppress(BlockingIOError, OSError):
            os.read(self._master, 1024)

    async def _emit_forever(self) -> None:
        loop = asyncio.get_running_loop()
        start, period, tick = loop.time(), 1.0 / self.hz, 0
        while True:
            self._emit()
            tick += 1
            await asyncio.sleep(max(0.0, start + tick * period - loop.time()))

    def _emit(self) -> None:
        self.shown_grams, self.stable = self.display.show(now_ms())
        if self.fault == "silent":
            return
        if self.fault == "overload":
            frame = encode_and_st(None, stable=False, status="overload", unit=self.unit)
        else:
            frame = encode_and_st(
                self.shown_grams, stable=self.stable, unit=self.unit, decimals=self.decimals
            )
        torn_head = False
        if self.fault == "garbage" and self._rng.random() < _FAULT_RATE:
            frame = self._junk() + frame
        elif self.fault == "torn" and not self._torn_head and self._rng.random() < _FAULT_RATE:
            # A head is always followed by a whole frame: head + next tail would splice two readings,
            # which no checksum-less protocol can catch and no flaky line produces at that rate.
            cut = self._rng.randrange(2, len(frame) - 2)
            torn_head = self._rng.random() < 0.5
            frame = frame[:cut] if torn_head else frame[cut:]
        self._torn_head = torn_head
        self._write(frame)

    def _junk(self) -> bytes:
        if self._rng.random() < 0.3:
            return self._rng.choice(_BAD_FRAMES)
        return self._rng.randbytes(self._rng.randrange(1, 13))

    def _write(self, data: bytes) -> None:
        assert self._master is not None
        try:
            written = os.write(self._master, data)
        except BlockingIOError:
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

    app = web.Application(middlewares=[_cors])
    app.router.add_get("/weight", get_weight)
    app.router.add_post("/weight", post_weight)
    app.router.add_post("/fault", post_fault)
    return app


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="wastetrace sim scale", description=__doc__.split("\n\n")[0])
    p.add_argument("--link", required=True, help="symlink to create for the pty, e.g. /tmp/x/scale.tty")
    p.add_argument("--hz", type=float, default=10.0, help="frames per second (default 10)")
    p.add_argument("--capacity-grams", type=int, default=300_000, help="maximum load (default 300000)")
    p.add_argument("--unit", choices=("kg", "g", "t"), default="kg")
    p.add_argument("--decimals", type=int, default=2, help="decimals shown in the unit (default 2)")
    p.add_argument("--settle-ms", type=int, default=800, help="time the display takes to settle")
    p.add_argument("--initial-grams", type=int, default=0)
    p.add_argument("--control-host", default="127.0.0.1")
    p.add_argument("--control-port", type=int, default=0, help="HTTP control port (0: any free port)")
    p.add_argument("--seed", type=int, default=None, help="seed the jitter and faults, for replays")
    return p


async def _serve(sim: ScaleSimulator) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
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
    try:
        sim = ScaleSimulator(
            args.link,
            hz=args.hz,
            capacity_grams=args.capacity_grams,
            unit=args.unit,
            decimals=args.decimals,
            settle_ms=args.settle_ms,
            initial_grams=args.initial_grams,
            control_host=args.control_host,
            control_port=args.control_port,
            seed=args.seed,
        )
    except ValueError as exc:
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
