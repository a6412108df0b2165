"""A simulated ESC/POS network printer: TCP 9100 in, one PNG per cut label out.

It answers `DLE EOT n` at once with the status bytes of a real printer and can be put into a fault
(paper out, cover open, offline) through a small HTTP control API, so the edge's error paths can be driven
over the real transport:

    wastetrace sim printer --out /tmp/labels            # tcp://127.0.0.1:9100, control on :9101
    curl -X POST localhost:9101/fault -d '{"fault": "paper_out"}'
    curl localhost:9101/labels
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.resources
import json
import logging
import os
import re
import signal
import sys
from pathlib import Path

from aiohttp import web
from PIL import Image

from protocols.escpos import (
    NEED_DATA,
    EscposDecoder,
    PageBuilder,
    PrinterStatus,
    StatusRequest,
    status_byte,
)
from protocols.label.fonts import FONT_ENV, FONT_PACKAGE, FONT_PACKAGE_PATH, SYSTEM_FONT_PATHS

log = logging.getLogger(__name__)

FAULTS: dict[str, PrinterStatus] = {
    "none": PrinterStatus(),
    "paper_out": PrinterStatus(paper_end=True, paper_near_end=True),
    "cover_open": PrinterStatus(cover_open=True),
    "offline": PrinterStatus(online=False),
}
_LABEL_NAME = re.compile(r"^label-(\d+)\.png$")
_READ_CHUNK = 65536


class UnknownFault(ValueError):
    """A fault name the simulator does not have."""


class PrinterSimulator:
    """The printer, usable in-process: `async with PrinterSimulator(out_dir, port=0) as sim: …`."""

    def __init__(
        self,
        out_dir: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 9100,
        control_port: int | None = 9101,
        font_bytes: bytes | None = None,
        width_px: int = 576,
    ) -> None:
        self.out_dir = Path(out_dir)
        self.host = host
        self.port = port
        self.control_port = control_port
        self._font_bytes = font_bytes
        self._width_px = width_px
        self._fault = "none"
        self._server: asyncio.Server | None = None
        self._runner: web.AppRunner | None = None
        self._connections: dict[asyncio.Task[None], asyncio.StreamWriter] = {}
        self.dropped_events = 0

    @property
    def fault(self) -> str:
        return self._fault

    def set_fault(self, fault: str) -> None:
        if fault not in FAULTS:
            raise UnknownFault(f"unknown fault {fault!r}; one of {', '.join(FAULTS)}")
        self._fault = fault
        log.info("printer fault: %s", fault)

    @property
    def status(self) -> PrinterStatus:
        return FAULTS[self._fault]

    def labels(self) -> list[Path]:
        return sorted(p for p in self.out_dir.glob("label-*.png") if _LABEL_NAME.match(p.name))

    async def start(self) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        if self.control_port is not None:
            self._runner = web.AppRunner(self._control_app(), access_log=None)
            await self._runner.setup()
            await web.TCPSite(self._runner, self.host, self.control_port).start()
            self.control_port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            # Closing the sockets ends each handler's read loop; cancelling the handlers instead makes
            # asyncio 3.11 log a spurious CancelledError from its stream callback.
            for writer in self._connections.values():
                writer.close()
            if self._connections:
                await asyncio.wait(list(self._connections), timeout=5)
            await self._server.wait_closed()
            self._server = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> PrinterSimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections[task] = writer
        peer = writer.get_extra_info("peername")
        decoder = EscposDecoder()
        pages = PageBuilder(self._font_bytes, width_px=self._width_px)
        try:
            while chunk := await reader.read(_READ_CHUNK):
                decoder.receive_data(chunk)
                while (event := decoder.next_event()) is not NEED_DATA:
                    if isinstance(event, StatusRequest):
                        if 1 <= event.n <= 4:
                            writer.write(bytes([status_byte(event.n, self.status)]))
                        continue
                    if self._fault != "none":
                        # A printer without paper (or with its cover open) prints nothing of this job.
                        self.dropped_events += 1
                        pages.reset()
                        continue
                    page = pages.add(event)
                    if page is not None:
                        self._save(page)
                await writer.drain()
        except ConnectionError as exc:
            log.info("printer connection from %s lost: %s", peer, exc)
        finally:
            self._connections.pop(task, None)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    def _save(self, page: Image.Image) -> Path:
        numbers = [int(m.group(1)) for p in self.labels() if (m := _LABEL_NAME.match(p.name))]
        path = self.out_dir / f"label-{max(numbers, default=0) + 1:04d}.png"
        page.save(path, "PNG")
        log.info("printed %s (%dx%d)", path.name, page.width, page.height)
        return path

    def _control_app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/fault", self._get_fault)
        app.router.add_post("/fault", self._post_fault)
        app.router.add_get("/labels", self._get_labels)
        return app

    async def _get_fault(self, request: web.Request) -> web.Response:
        return web.json_response({"fault": self._fault})

    async def _post_fault(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
            self.set_fault(body["fault"])
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            return web.json_response({"error": f'expected {{"fault": NAME}}: {exc}'}, status=400)
        except UnknownFault as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response({"fault": self._fault})

    async def _get_labels(self, request: web.Request) -> web.Response:
        return web.json_response({"labels": [p.name for p in self.labels()]})


def find_font_bytes(explicit: str | None = None) -> bytes | None:
    """The CJK font to draw text lines with: --font, $WASTETRACE_FONT, the Noto wheel, a system font."""
    for candidate in (explicit, os.environ.get(FONT_ENV)):
        if candidate:
            return Path(candidate).read_bytes()
    with contextlib.suppress(ModuleNotFoundError):
        resource = importlib.resources.files(FONT_PACKAGE).joinpath(FONT_PACKAGE_PATH)
        if resource.is_file():
            return resource.read_bytes()
    for path in map(Path, SYSTEM_FONT_PATHS):
        if path.is_file():
            return path.read_bytes()
    return None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wastetrace sim printer", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100, help="ESC/POS raw TCP port (default 9100)")
    parser.add_argument("--out", type=Path, default=Path("labels"), help="directory for label-NNNN.png")
    parser.add_argument("--control-port", type=int, default=9101, help="HTTP fault control (default 9101)")
    parser.add_argument("--font", help="CJK font for text lines (default: Noto Sans SC or a system font)")
    parser.add_argument("--width", type=int, default=576, help="printable width in dots (default 576)")
    return parser


async def _run(args: argparse.Namespace) -> None:
    font = find_font_bytes(args.font)
    if font is None:
        print("printer simulator: no CJK font found, Chinese text lines will not render", file=sys.stderr)
    sim = PrinterSimulator(
        args.out,
        host=args.host,
        port=args.port,
        control_port=args.control_port,
        font_bytes=font,
        width_px=args.width,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with sim:
        print(f"printer simulator: tcp://{sim.host}:{sim.port} -> {sim.out_dir}", flush=True)
        print(f"printer simulator control: http://{sim.host}:{sim.control_port}", file=sys.stderr, flush=True)
        await stop.wait()


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        asyncio.run(_run(args))
    except OSError as exc:
        print(f"printer simulator: cannot start: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
