"""A simulated TSPL label printer: TCP (and optionally a serial line) in, one PNG per printed label out.

It decodes SIZE, CLS, TEXT (TSS24.BF2 with GB18030/GBK bytes), QRCODE, BITMAP, BAR, BOX, REVERSE and
PRINT into the label image, answers `<ESC>!?` with the status byte of a real printer, and takes the same
faults through the same HTTP control API as the ESC/POS simulator (simulators/printer_base.py):

    wastetrace sim tspl-printer --out /tmp/labels       # tcp://127.0.0.1:9102, control on :9103
    wastetrace sim tspl-printer --serial /tmp/l.tty --port -1 --out /tmp/labels
    curl -X POST localhost:9103/fault -d '{"fault": "ribbon_out"}'
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from protocols.tspl import (
    NEED_DATA,
    StatusQuery,
    TsplDecoder,
    TsplPageBuilder,
    from_printer_status,
    status_byte,
)
from simulators.lifecycle import run_until_stopped, stop_on_signals
from simulators.printer_base import Session, SimulatedPrinter, add_common_arguments, find_font_bytes

log = logging.getLogger(__name__)


class TsplSession(Session):
    def __init__(self, printer: TsplPrinterSimulator) -> None:
        self.printer = printer
        self.decoder = TsplDecoder()
        self.pages = TsplPageBuilder(printer.font_bytes, dpi=printer.dpi)

    def receive(self, data: bytes) -> bytes:
        answers = bytearray()
        self.decoder.receive_data(data)
        while (event := self.decoder.next_event()) is not NEED_DATA:
            if isinstance(event, StatusQuery):
                if event.kind == "?":
                    answers.append(status_byte(from_printer_status(self.printer.status)))
                continue
            if not self.printer.accepts_print_data():
                self.pages.reset()
                continue
            for page in self.pages.add(event):
                self.printer.page_done(page)
        return bytes(answers)

    def drop_page(self) -> None:
        self.pages.reset()
        self.decoder = TsplDecoder()


class TsplPrinterSimulator(SimulatedPrinter):
    """The TSPL printer, usable in-process: `async with TsplPrinterSimulator(out_dir, port=0) as sim: …`."""

    language = "TSPL"

    def __init__(
        self,
        out_dir: Path,
        *,
        host: str = "127.0.0.1",
        port: int | None = 9102,
        control_port: int | None = 9103,
        serial_link: str | Path | None = None,
        font_bytes: bytes | None = None,
        dpi: int = 203,
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
        self.dpi = dpi

    def new_session(self) -> Session:
        return TsplSession(self)

    async def __aenter__(self) -> TsplPrinterSimulator:
        await self.start()
        return self


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wastetrace sim tspl-printer", description=__doc__.splitlines()[0])
    add_common_arguments(parser, default_port=9102, default_control=9103)
    parser.add_argument("--dpi", type=int, default=203, choices=(203, 300), help="resolution (default 203)")
    return parser


async def _run(args: argparse.Namespace) -> None:
    font = find_font_bytes(args.font)
    if font is None:
        print("tspl printer simulator: no CJK font found, Chinese text will not render", file=sys.stderr)
    sim = TsplPrinterSimulator(
        args.out,
        host=args.host,
        port=None if args.port < 0 else args.port,
        control_port=args.control_port,
        serial_link=args.serial,
        font_bytes=font,
        dpi=args.dpi,
    )
    stop = stop_on_signals()
    async with sim:
        if sim.port is not None:
            print(f"tspl printer simulator: tcp://{sim.host}:{sim.port} -> {sim.out_dir}", flush=True)
        if sim.serial_link is not None:
            print(f"tspl printer simulator: serial://{sim.serial_link} -> {sim.out_dir}", flush=True)
        print(
            f"tspl printer simulator control: http://{sim.host}:{sim.control_port}",
            file=sys.stderr,
            flush=True,
        )
        await stop.wait()


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if args.port < 0 and args.serial is None:
        print("tspl printer simulator: give --serial when there is no TCP port", file=sys.stderr)
        return 2
    return run_until_stopped(_run(args), "tspl printer simulator")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
