"""A rendered label as ESC/POS bytes, and the printer's real-time status.

The label goes as one raster image (`GS v 0`), so it prints the same on any ESC/POS printer whatever fonts
it has. That costs about 50 KB a label: nothing over TCP or USB, but about a minute at 9600 baud
(device-protocols.md §7); a serial printer will want a native-command encoder (text + `GS ( k` QR).
"""

from __future__ import annotations

from escpos.printer import Dummy
from PIL import Image

from protocols.escpos.status import STATUS_QUERIES, PrinterStatus, combine_status, parse_status

__all__ = ["STATUS_QUERIES", "PrinterStatus", "combine_status", "label_to_escpos", "parse_status"]


def label_to_escpos(image: Image.Image) -> bytes:
    """Initialise, print `image` as a raster (black = dots), feed and cut: the bytes for the printer."""
    printer = Dummy()
    # python-escpos prints a warning to stdout unless the profile knows the paper width; the label is
    # already as wide as the paper, so tell this printer object (not the shared profile) its own width.
    printer.profile.profile_data = {
        **printer.profile.profile_data,
        "media": {"width": {"mm": "Unknown", "pixels": image.width}},
    }
    printer.hw("INIT")
    printer.image(image, impl="bitImageRaster")
    printer.cut()
    return bytes(printer.output)
