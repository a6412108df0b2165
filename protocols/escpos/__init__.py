"""ESC/POS, sans-I/O: command encoder, stream decoder (for the printer simulator), status bytes, pages."""

from protocols.escpos.cells import CellFont, cell_units, wrap_cells
from protocols.escpos.decoder import EscposDecoder
from protocols.escpos.encoder import UnprintableText, check_charset
from protocols.escpos.events import (
    NEED_DATA,
    CharacterSize,
    ChineseMode,
    Cut,
    EscposError,
    Event,
    Feed,
    Initialize,
    Justify,
    QrErrorCorrection,
    QrModuleSize,
    QrPrint,
    QrStore,
    RasterImage,
    Reverse,
    StatusRequest,
    Text,
    Unknown,
)
from protocols.escpos.page import PageBuilder, raster_to_image
from protocols.escpos.status import (
    STATUS_QUERIES,
    PrinterStatus,
    StatusByteError,
    combine_status,
    parse_status,
    status_byte,
)

__all__ = [
    "NEED_DATA",
    "STATUS_QUERIES",
    "CellFont",
    "CharacterSize",
    "ChineseMode",
    "Cut",
    "EscposDecoder",
    "EscposError",
    "Event",
    "Feed",
    "Initialize",
    "Justify",
    "PageBuilder",
    "PrinterStatus",
    "QrErrorCorrection",
    "QrModuleSize",
    "QrPrint",
    "QrStore",
    "RasterImage",
    "Reverse",
    "StatusByteError",
    "StatusRequest",
    "Text",
    "Unknown",
    "UnprintableText",
    "cell_units",
    "check_charset",
    "combine_status",
    "parse_status",
    "raster_to_image",
    "status_byte",
    "wrap_cells",
]
