"""A simulated ESC/POS receipt printer: TCP 9100 (and optionally a serial line) in, one PNG per label out.

It decodes text (GB18030 in the printer's cell font), raster images and native QR codes (`GS ( k`) back
into the paper they would print, answers `DLE EOT n` at once with the status bytes of a real printer, and
can be put into a fault through a small HTTP control API (simulators/printer_base.py), so the edge's error
paths can be driven over the real transport:

    wastetrace sim printer --out /tmp/labels            # tcp://127.0.0.1:9100, control on :9101
    wastetrace sim printer --serial /tmp/p.tty --port -1 --out /tmp/labels   # a serial printer on a pty
    curl -X POST localhost:9101/fault -d '{"fault": "paper_out"}'
    curl localhost:9101/labels
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from protocols.escpos import NEED_DATA, EscposDecoder, PageBuilder, StatusRequest, status_byte
from simulators.lifecycle import run_until_stopped, stop_on_signals
from simulators.printer_base import (
    FAULTS,
    Session,
    SimulatedPrinter,
    UnknownFault,
    add_common_arguments,
    find_font_bytes,
)

__all__ = ["FAULTS", "PrinterSimulator", "UnknownFault", "find_font_bytes", "main"]

log = logging.getLogger(__name__)


class EscposSession(Session):
    def __init__(self, printer: PrinterSimulator) -> None:
        self.printer = printer
        self.decoder = EscposDecoder()
        self.pages = PageBuilder(printer.font_bytes, width_px=printer.width_px)

    def receive(self, data: bytes) -> bytes:
        answers = bytearray()
        self.decoder.receive_data(data)
        while (event := self.decoder.next_event()) is not NEED_DATA:
            if isinstance(event, StatusRequest):
                if 1 <= event.n <= 4:
                    answers.append(status_byte(event.n, self.printer.status))
                continue
            if not self.printer.accepts_print_data():
                # A printer without paper (or with its cover open) prints nothing of this job.
                self.pages.reset()
                continue
            page = self.pages.add(event)
            if page is not None:
                self.printer.page_done(page)
        return bytes(answers)

    def drop_page(self) -> None:
        self.pages.reset()
        self.decoder = EscposDecoder()

    def finish(self) -> None:
        page = self.pages.finish()
        if page is not None and self.printer.accepts_print_data():
            self.printer.page_done(page)

    @property
    def printing(self) -> bool:
        return self.pages.printing


class PrinterSimulator(SimulatedPrinter):
    """The ESC/POS printer, usable in-process: `async with PrinterSimulator(out_dir, port=0) as sim: …`."""

    language = "ESC/POS"

    def __init__(
        self,
        out_dir: Path,
        *,
        host: str = "127.0.0.1",
        port: int | None = 9100,
        control_port: int | None = 9101,
        serial_link: str | Path | None = None,
        font_bytes: bytes | None = None,
        width_px: int = 576,
    ) -> None:
        super().__init__(
            out_dir,
            host=host,
            port=port,
            control_port=control_port,
            serial_link=serial_link,
            font_bytes=font_bytes,
        )
        self.font_bytes = font_bytes
        self.width_px = width_px

    def new_session(self) -> Session:
        return EscposSession(self)

    async def __aenter__(self) -> PrinterSimulator:
        await self.start()
        return self


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wastetrace sim printer", description=__doc__.splitlines()[0])
    add_common_arguments(parser, default_port=9100, default_control=9101)
    parser.add_argument(
        "--width", type=int, default=576, help="printable width in dots (576: 80 mm, 384: 58 mm)"
    )
    return parser


async def _run(args: argparse.Namespace) -> None:
    font = find_font_bytes(args.font)
    if font is None:
        print("printer simulator: no CJK font found, Chinese text will not render", file=sys.stderr)
    sim = PrinterSimulator(
        args.out,
        host=args.host,
        port=None if args.port < 0 else args.port,
        control_port=args.control_port,
        serial_link=args.serial,
        font_bytes=font,
        width_px=args.width,
    )
    stop = stop_on_signals()
    async with sim:
        if sim.port is not None:
            print(f"printer simulator: tcp://{sim.host}:{sim.port} -> {sim.out_dir}", flush=True)
        if sim.serial_link is not None:
            print(f"printer simulator: serial://{sim.serial_link} -> {sim.out_dir}", flush=True)
        print(f"printer simulator control: http://{sim.host}:{sim.control_port}", file=sys.stderr, flush=True)
        await stop.wait()


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if args.port < 0 and args.serial is None:
        print("printer simulator: give --serial when there is no TCP port", file=sys.stderr)
        return 2
    return run_until_stopped(_run(args), "printer simulator")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
