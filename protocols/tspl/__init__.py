"""TSPL (TSC, Gprinter and compatible label printers), sans-I/O: encoder, stream decoder, status, pages."""

from protocols.tspl import commands
from protocols.tspl.decoder import TsplDecoder, parse_line
from protocols.tspl.events import (
    NEED_DATA,
    Bar,
    Bitmap,
    Box,
    Cls,
    Direction,
    Event,
    Gap,
    Length,
    Print,
    QrCode,
    Reverse,
    Size,
    StatusQuery,
    Text,
    TsplError,
    Unknown,
)
from protocols.tspl.page import FONT_CELL_DOTS, TsplPageBuilder
from protocols.tspl.status import (
    STATUS_QUERY,
    TsplStatus,
    TsplStatusError,
    from_printer_status,
    parse_status_byte,
    status_byte,
)

__all__ = [
    "FONT_CELL_DOTS",
    "NEED_DATA",
    "STATUS_QUERY",
    "Bar",
    "Bitmap",
    "Box",
    "Cls",
    "Direction",
    "Event",
    "Gap",
    "Length",
    "Print",
    "QrCode",
    "Reverse",
    "Size",
    "StatusQuery",
    "Text",
    "TsplDecoder",
    "TsplError",
    "TsplPageBuilder",
    "TsplStatus",
    "TsplStatusError",
    "Unknown",
    "commands",
    "from_printer_status",
    "parse_line",
    "parse_status_byte",
    "status_byte",
]
