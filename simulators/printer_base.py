"""What the ESC/POS and the TSPL printer simulators share: transports, faults, paper, saved labels.

A simulated printer listens on TCP (raw port 9100 style) and, if asked, on a pseudo-terminal linked at a
path (a serial printer, opened by the edge with pyserial exactly like /dev/ttyUSB0). Each TCP connection,
and the serial line, is a `Session` of the language's decoder; the subclass turns its events into status
answers and printed pages. Faults are switched through a small HTTP control API:

    GET  /fault                      {"fault": NAME}
    POST /fault  {"fault": NAME}     none, paper_out, cover_open, offline, jammed, ribbon_out, power_off
    POST /paper  {"labels": N|null}  load a roll that holds N more labels (null: endless); after N the
                                     next label is cut short by the paper end and lost
    POST /drop                       drop the connection in the middle of the next label (TCP)
    GET  /labels                     {"labels": ["label-0001.png", …]}
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
import tty
from pathlib import Path

from aiohttp import web
from PIL import Image

from protocols.escpos import PrinterStatus
from protocols.label.fonts import FONT_ENV, FONT_PACKAGE, FONT_PACKAGE_PATH, SYSTEM_FONT_PATHS

log = logging.getLogger(__name__)

FAULTS: dict[str, PrinterStatus] = {
    "none": PrinterStatus(),
    "paper_out": PrinterStatus(paper_end=True, paper_near_end=True),
    "cover_open": PrinterStatus(cover_open=True),
    "offline": PrinterStatus(online=False),
    "jammed": PrinterStatus(jammed=True),
    "ribbon_out": PrinterStatus(ribbon_end=True),
    # Switched off: TCP connections are closed at once and nothing answers on the serial line.
    "power_off": PrinterStatus(online=False),
}
_LABEL_NAME = re.compile(r"^label-(\d+)\.png$")
_READ_CHUNK = 65536


class UnknownFault(ValueError):
    """A fault name the simulator does not have."""


class Session:
    """One stream of bytes from the host: a TCP connection or the serial line. Subclasses decode it."""

    def receive(self, data: bytes) -> bytes:
        """Feed bytes; return the answers to send back (status bytes)."""
        raise NotImplementedError

    def drop_page(self) -> None:
        """Forget the label in progress (the connection dropped, or the printer faulted)."""
        raise NotImplementedError

    def finish(self) -> None:
        """The host stopped sending: a printer without a cutter has finished its label."""

    @property
    def printing(self) -> bool:
        return False


class SimulatedPrinter:
    """Base of the simulators: `async with Sub(out_dir, port=0, serial_link=…) as sim: …`."""

    language = ""
    # A tear-off printer (no cut command) has finished a label when the host has been quiet this long.
    idle_finish_s = 0.4

    def __init__(
        self,
        out_dir: Path,
        *,
        host: str = "127.0.0.1",
        port: int | None = 9100,
        control_port: int | None = 9101,
        serial_link: str | Path | None = None,
        font_bytes: bytes | None = None,
    ) -> None:
        self.out_dir = Path(out_dir)
        self.host = host
        self.port = port
        self.control_port = control_port
        self.serial_link = Path(serial_link) if serial_link is not None else None
        self.serial_device: str | None = None
        self._font_bytes = font_bytes
        self._fault = "none"
        self.paper_labels: int | None = None
        self._drop_armed = False
        self._server: asyncio.Server | None = None
        self._runner: web.AppRunner | None = None
        self._connections: dict[asyncio.Task[None], asyncio.StreamWriter] = {}
        self._master: int | None = None
        self._slave: int | None = None
        self._serial_session: Session | None = None
        self._idle: dict[Session, asyncio.TimerHandle] = {}
        self.dropped_events = 0
        self.torn_labels = 0
        self.dropped_connections = 0

    # -- the printer's state ------------------------------------------------------------------------

    @property
    def fault(self) -> str:
        return self._fault

    def set_fault(self, fault: str) -> None:
        if fault not in FAULTS:
            raise UnknownFault(f"unknown fault {fault!r}; one of {', '.join(FAULTS)}")
        self._fault = fault
        log.info("%s printer fault: %s", self.language, fault)
        if fault == "power_off":
            # Switched off: open connections die; new ones are closed at once (see _serve).
            for writer in self._connections.values():
                writer.close()

    def load_paper(self, labels: int | None) -> None:
        """A new roll holding `labels` more labels (None: endless); clears a paper-out fault."""
        if labels is not None and labels < 0:
            raise ValueError(f"labels must be >= 0 or null, got {labels}")
        self.paper_labels = labels
        if self._fault == "paper_out":
            self._fault = "none"

    def drop_next_label(self) -> None:
        """Close the connection in the middle of the next label that arrives (TCP only)."""
        self._drop_armed = True

    @property
    def status(self) -> PrinterStatus:
        return FAULTS[self._fault]

    @property
    def powered(self) -> bool:
        return self._fault != "power_off"

    def labels(self) -> list[Path]:
        return sorted(p for p in self.out_dir.glob("label-*.png") if _LABEL_NAME.match(p.name))

    # -- what subclasses call -----------------------------------------------------------------------

    def accepts_print_data(self) -> bool:
        """Whether print data is printed now; if not it is dropped, as a faulted printer drops a job."""
        if self._fault != "none":
            self.dropped_events += 1
            return False
        return True

    def page_done(self, page: Image.Image) -> Path | None:
        """A label came out of the printer, unless the paper ran out under it."""
        if self.paper_labels is not None:
            if self.paper_labels == 0:
                # The roll ends in the middle of this label: it is torn and useless, and the printer
                # now reports paper out.
                self.torn_labels += 1
                self._fault = "paper_out"
                log.info("%s printer: paper ran out in the middle of a label", self.language)
                return None
            self.paper_labels -= 1
        return self._save(page)

    def _save(self, page: Image.Image) -> Path:
        numbers = [int(m.group(1)) for p in self.labels() if (m := _LABEL_NAME.match(p.name))]
        path = self.out_dir / f"label-{max(numbers, default=0) + 1:04d}.png"
        page.save(path, "PNG")
        log.info("%s printer: printed %s (%dx%d)", self.language, path.name, page.width, page.height)
        return path

    def new_session(self) -> Session:
        raise NotImplementedError

    # -- lifecycle ------------------------------------------------------------------------------------

    async def start(self) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        if self.port is not None:
            await self._open_tcp()
        if self.serial_link is not None:
            self._open_pty()
        if self.control_port is not None:
            self._runner = web.AppRunner(self._control_app(), access_log=None)
            await self._runner.setup()
            await web.TCPSite(self._runner, self.host, self.control_port).start()
            self.control_port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        await self._close_tcp()
        self._close_pty()
        for handle in self._idle.values():
            handle.cancel()
        self._idle.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SimulatedPrinter:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- TCP -------------------------------------------------------------------------------------------

    async def _open_tcp(self) -> None:
        if self._server is not None or self.port is None:
            return
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close_tcp(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        # Closing the sockets ends each handler's read loop; cancelling the handlers instead makes
        # asyncio 3.11 log a spurious CancelledError from its stream callback.
        for writer in list(self._connections.values()):
            writer.close()
        if self._connections:
            await asyncio.wait(list(self._connections), timeout=5)
        await server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections[task] = writer
        peer = writer.get_extra_info("peername")
        session = self.new_session()
        if not self.powered:
            self._connections.pop(task, None)
            writer.close()
            return
        try:
            while chunk := await reader.read(_READ_CHUNK):
                if self._drop_armed and self._has_print_data(chunk):
                    self._drop_armed = False
                    self.dropped_connections += 1
                    session.receive(chunk[: len(chunk) // 2])
                    session.drop_page()
                    log.info("%s printer: dropping the connection mid-label", self.language)
                    break
                answer = session.receive(chunk)
                if answer:
                    writer.write(answer)
                    await writer.drain()
                self._schedule_finish(session)
        except ConnectionError as exc:
            log.info("printer connection from %s lost: %s", peer, exc)
        finally:
            self._finish_now(session)
            self._connections.pop(task, None)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    def _has_print_data(self, chunk: bytes) -> bool:
        """Whether a chunk is more than status queries (3 bytes each in both languages)."""
        return len(chunk) > 3

    # -- tear-off printers ----------------------------------------------------------------------------

    def _schedule_finish(self, session: Session) -> None:
        if (handle := self._idle.pop(session, None)) is not None:
            handle.cancel()
        if session.printing:
            loop = asyncio.get_running_loop()
            self._idle[session] = loop.call_later(self.idle_finish_s, self._finish_now, session)

    def _finish_now(self, session: Session) -> None:
        if (handle := self._idle.pop(session, None)) is not None:
            handle.cancel()
        if session.printing:
            session.finish()

    # -- serial (a pseudo-terminal) --------------------------------------------------------------------

    def _open_pty(self) -> None:
        assert self.serial_link is not None
        master, slave = os.openpty()
        # Raw, so the line discipline neither echoes the host's bytes back nor rewrites CR and LF.
        tty.setraw(slave)
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        self.serial_device = os.ttyname(slave)
        self.serial_link.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.serial_link.with_name(f".{self.serial_link.name}.{os.getpid()}.tmp")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        os.symlink(self.serial_device, tmp)
        os.replace(tmp, self.serial_link)
        self._serial_session = self.new_session()
        asyncio.get_running_loop().add_reader(master, self._serial_readable)

    def _close_pty(self) -> None:
        if self._master is None:
            return
        asyncio.get_running_loop().remove_reader(self._master)
        if self.serial_link is not None and self.serial_link.is_symlink():
            if os.readlink(self.serial_link) == self.serial_device:
                self.serial_link.unlink()
        for fd in (self._master, self._slave):
            if fd is not None:
                os.close(fd)
        self._master = self._slave = None

    def _serial_readable(self) -> None:
        assert self._master is not None and self._serial_session is not None
        try:
            data = os.read(self._master, _READ_CHUNK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            log.info("serial printer: read failed: %s", exc)
            return
        if not data or not self.powered:
            return  # a printer that is off hears nothing
        answer = self._serial_session.receive(data)
        if answer:
            with contextlib.suppress(BlockingIOError, OSError):
                os.write(self._master, answer)
        self._schedule_finish(self._serial_session)

    # -- control API ----------------------------------------------------------------------------------

    def _control_app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/fault", self._get_fault)
        app.router.add_post("/fault", self._post_fault)
        app.router.add_post("/paper", self._post_paper)
        app.router.add_post("/drop", self._post_drop)
        app.router.add_get("/labels", self._get_labels)
        return app

    async def _get_fault(self, request: web.Request) -> web.Response:
        return web.json_response({"fault": self._fault, "paper_labels": self.paper_labels})

    async def _body(self, request: web.Request, key: str) -> tuple[object, web.Response | None]:
        try:
            body = await request.json()
            return body[key], None
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            return None, web.json_response({"error": f'expected {{"{key}": …}}: {exc}'}, status=400)

    async def _post_fault(self, request: web.Request) -> web.Response:
        fault, error = await self._body(request, "fault")
        if error is not None:
            return error
        try:
            self.set_fault(str(fault))
        except UnknownFault as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response({"fault": self._fault})

    async def _post_paper(self, request: web.Request) -> web.Response:
        labels, error = await self._body(request, "labels")
        if error is not None:
            return error
        if labels is not None and (not isinstance(labels, int) or isinstance(labels, bool) or labels < 0):
            return web.json_response({"error": "labels must be a whole number >= 0, or null"}, status=400)
        self.load_paper(labels)
        return web.json_response({"fault": self._fault, "paper_labels": self.paper_labels})

    async def _post_drop(self, request: web.Request) -> web.Response:
        self.drop_next_label()
        return web.json_response({"drop": "armed"})

    async def _get_labels(self, request: web.Request) -> web.Response:
        return web.json_response({"labels": [p.name for p in self.labels()]})


def find_font_bytes(explicit: str | None = None) -> bytes | None:
    """The CJK font to draw text with: --font, $WASTETRACE_FONT, the Noto wheel, a system font."""
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


def add_common_arguments(parser: argparse.ArgumentParser, *, default_port: int, default_control: int) -> None:
    """The command-line options both simulators take."""
    add = parser.add_argument
    add("--host", default="127.0.0.1")
    add("--port", type=int, default=default_port, help=f"raw TCP port (default {default_port}); -1: no TCP")
    add("--serial", type=Path, help="also listen on a pseudo-terminal linked at this path (a serial printer)")
    add("--out", type=Path, default=Path("labels"), help="directory for label-NNNN.png")
    add("--control-port", type=int, default=default_control, help=f"HTTP control (default {default_control})")
    add("--font", help="CJK font for text (default: Noto Sans SC or a system font)")
