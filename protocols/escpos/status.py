"""Real-time status, `DLE EOT n`: the query bytes, and the one-byte answers in both directions.

Every answer has the fixed pattern `0xx1xx10` (bits 1 and 4 set, bits 0 and 7 clear); the x bits mean:

    n=1 printer:  b3 offline, b5 waiting for online recovery, b6 feed button pressed
    n=2 offline:  b2 cover open, b3 paper fed by button, b5 stopped at paper end, b6 error
    n=3 error:    b3 autocutter error, b5 unrecoverable error, b6 auto-recoverable error (head heat)
    n=4 paper:    b2+b3 roll near end, b5+b6 roll end (paper out)

So an idle printer answers 0x12 to all four; out of paper it answers 0x1A (n=1), 0x32 (n=2) and
0x7E (n=4). Sources: Epson TM-L60II and Citizen command references (see device-protocols.md §2).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from protocols.escpos.events import EscposError

STATUS_QUERIES: dict[int, bytes] = {n: bytes([0x10, 0x04, n]) for n in (1, 2, 3, 4)}
STATUS_BASE = 0x12
_PATTERN_MASK = 0x93  # bits 0, 1, 4, 7 are fixed


class StatusByteError(EscposError):
    """A status answer that does not have the `0xx1xx10` pattern: the peer is not an ESC/POS printer."""


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    """What any label printer reports, ESC/POS or TSPL (protocols/tspl/status.py maps its byte here).

    `paused`, `jammed` and `ribbon_end` come from label printers; an ESC/POS printer never sets them.
    """

    online: bool = True
    cover_open: bool = False
    paper_end: bool = False
    paper_near_end: bool = False
    error: bool = False
    paused: bool = False
    jammed: bool = False
    ribbon_end: bool = False

    @property
    def ready(self) -> bool:
        """Whether a label sent now would be printed (near end still prints)."""
        faults = (self.cover_open, self.paper_end, self.error, self.paused, self.jammed, self.ribbon_end)
        return self.online and not any(faults)

    def merged(self, other: PrinterStatus) -> PrinterStatus:
        """Both answers together: offline if either says so, a fault if either reports it."""
        return PrinterStatus(
            online=self.online and other.online,
            cover_open=self.cover_open or other.cover_open,
            paper_end=self.paper_end or other.paper_end,
            paper_near_end=self.paper_near_end or other.paper_near_end,
            error=self.error or other.error,
            paused=self.paused or other.paused,
            jammed=self.jammed or other.jammed,
            ribbon_end=self.ribbon_end or other.ribbon_end,
        )


def parse_status(n: int, byte: int) -> PrinterStatus:
    """What one answer to `DLE EOT n` says; fields the answer does not cover keep their healthy default."""
    if not 0 <= byte <= 255 or byte & _PATTERN_MASK != STATUS_BASE:
        raise StatusByteError(f"status byte for DLE EOT {n} must match 0xx1xx10, got {byte:#04x}")
    if n == 1:
        return PrinterStatus(online=not byte & 0x08)
    if n == 2:
        return PrinterStatus(
            cover_open=bool(byte & 0x04), paper_end=bool(byte & 0x20), error=bool(byte & 0x40)
        )
    if n == 3:
        return PrinterStatus(error=bool(byte & 0x68))
    if n == 4:
        return PrinterStatus(paper_near_end=bool(byte & 0x0C), paper_end=bool(byte & 0x60))
    raise EscposError(f"DLE EOT n must be 1-4, got {n}")


def combine_status(answers: Mapping[int, int]) -> PrinterStatus:
    """The printer's status from its answers to several `DLE EOT n` queries, keyed by n."""
    status = PrinterStatus()
    for n, byte in sorted(answers.items()):
        status = status.merged(parse_status(n, byte))
    return status


def status_byte(n: int, status: PrinterStatus) -> int:
    """The byte a printer in `status` answers to `DLE EOT n` (the simulator's side of parse_status)."""
    byte = STATUS_BASE
    # ESC/POS has no bits for a jam or a pause: a jam is an error, a paused printer is offline.
    error = status.error or status.jammed or status.ribbon_end
    if n == 1:
        # A printer goes offline while its cover is open or it is out of paper.
        if not status.online or status.cover_open or status.paper_end or status.paused or error:
            byte |= 0x08
    elif n == 2:
        byte |= (0x04 if status.cover_open else 0) | (0x20 if status.paper_end else 0)
        byte |= 0x40 if error else 0
    elif n == 3:
        byte |= 0x20 if error else 0
    elif n == 4:
        byte |= (0x0C if status.paper_near_end or status.paper_end else 0) | (0x60 if status.paper_end else 0)
    else:
        raise EscposError(f"DLE EOT n must be 1-4, got {n}")
    return byte
