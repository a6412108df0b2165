"""ESC/POS, sans-I/O: a stream decoder (for the printer simulator), status bytes, and page rebuilding."""

from protocols.escpos.decoder import EscposDecoder
from protocols.escpos.events import (
    NEED_DATA,
    Cut,
    EscposError,
    Event,
    Feed,
    Initialize,
    QrPrint,
    QrStore,
    RasterImage,
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
    "Cut",
    "EscposDecoder",
    "EscposError",
    "Event",
    "Feed",
    "Initialize",
    "PageBuilder",
    "PrinterStatus",
    "QrPrint",
    "QrStore",
    "RasterImage",
    "StatusByteError",
    "StatusRequest",
    "Text",
    "Unknown",
    "combine_status",
    "parse_status",
    "raster_to_image",
    "status_byte",
]
