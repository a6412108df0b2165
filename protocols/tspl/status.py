"""The TSPL status byte, the answer to `<ESC>!?` (1B 21 3F), and what it means for a label.

    b0 print head open      b4 paused
    b1 paper jam            b5 printing (not a fault)
    b2 out of paper         b6 cover open
    b3 out of ribbon        b7 environment temperature out of range

`00` is ready. Source: TSC TSPL/TSPL2 manual and the Gprinter GP-2120T manual (device-protocols.md §2).
The status is mapped onto the same `PrinterStatus` the ESC/POS side uses, so the edge tells the operator
the same words whichever printer language the site uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from protocols.escpos.status import PrinterStatus
from protocols.tspl.events import TsplError

STATUS_QUERY = b"\x1b!?"
HEAD_OPEN, JAM, NO_PAPER, NO_RIBBON, PAUSED, PRINTING, COVER_OPEN, TEMPERATURE = (1 << i for i in range(8))


class TsplStatusError(TsplError):
    """Not a status byte (the peer answered with nothing or with several bytes)."""


@dataclass(frozen=True, slots=True)
class TsplStatus:
    head_open: bool = False
    jammed: bool = False
    paper_out: bool = False
    ribbon_out: bool = False
    paused: bool = False
    printing: bool = False
    cover_open: bool = False
    temperature: bool = False

    @property
    def ready(self) -> bool:
        return self.to_printer_status().ready

    def to_printer_status(self) -> PrinterStatus:
        return PrinterStatus(
            online=True,
            cover_open=self.cover_open or self.head_open,
            paper_end=self.paper_out,
            error=self.temperature,
            paused=self.paused,
            jammed=self.jammed,
            ribbon_end=self.ribbon_out,
        )


def parse_status_byte(byte: int) -> TsplStatus:
    if not isinstance(byte, int) or not 0 <= byte <= 255:
        raise TsplStatusError(f"a TSPL status is one byte, got {byte!r}")
    return TsplStatus(
        head_open=bool(byte & HEAD_OPEN),
        jammed=bool(byte & JAM),
        paper_out=bool(byte & NO_PAPER),
        ribbon_out=bool(byte & NO_RIBBON),
        paused=bool(byte & PAUSED),
        printing=bool(byte & PRINTING),
        cover_open=bool(byte & COVER_OPEN),
        temperature=bool(byte & TEMPERATURE),
    )


def status_byte(status: TsplStatus) -> int:
    """The byte a printer in `status` answers (the simulator's side of parse_status_byte)."""
    flags = (
        (status.head_open, HEAD_OPEN),
        (status.jammed, JAM),
        (status.paper_out, NO_PAPER),
        (status.ribbon_out, NO_RIBBON),
        (status.paused, PAUSED),
        (status.printing, PRINTING),
        (status.cover_open, COVER_OPEN),
        (status.temperature, TEMPERATURE),
    )
    return sum(bit for on, bit in flags if on)


def from_printer_status(status: PrinterStatus) -> TsplStatus:
    """The TSPL flags for a printer state (an offline TSPL printer is one that is paused)."""
    return TsplStatus(
        jammed=status.jammed,
        paper_out=status.paper_end,
        ribbon_out=status.ribbon_end,
        paused=status.paused or not status.online,
        cover_open=status.cover_open,
        temperature=status.error,
    )
