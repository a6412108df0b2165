"""HJ 1276-2022 hazardous-waste labels: content, layouts as data, composing, rendering, printer encodings."""

from protocols.label.compose import CellMetrics, Drawing, LabelDoesNotFit, compose, qr_modules
from protocols.label.escpos import (
    STATUS_QUERIES,
    PrinterStatus,
    combine_status,
    label_to_escpos,
    label_to_escpos_native,
    parse_status,
)
from protocols.label.job import EncodedLabel, LabelEncoder, printed_pages
from protocols.label.layout import (
    HJ1276_ROLL_80MM,
    LAYOUTS,
    Cell,
    LabelLayout,
    layout_from_mapping,
    load_layout,
    required_text_mm,
    template_names,
)
from protocols.label.model import HAZARD_NAMES, LabelContent, LabelError, format_kg, trace_url
from protocols.label.profile import PrinterProfile, ProfileError, profile_from_mapping
from protocols.label.render import LabelRenderer
from protocols.label.symbols import symbol_image
from protocols.label.tspl import label_to_tspl_native, label_to_tspl_raster

__all__ = [
    "HAZARD_NAMES",
    "HJ1276_ROLL_80MM",
    "LAYOUTS",
    "STATUS_QUERIES",
    "Cell",
    "CellMetrics",
    "Drawing",
    "EncodedLabel",
    "LabelContent",
    "LabelDoesNotFit",
    "LabelEncoder",
    "LabelError",
    "LabelLayout",
    "LabelRenderer",
    "PrinterProfile",
    "PrinterStatus",
    "ProfileError",
    "combine_status",
    "compose",
    "format_kg",
    "label_to_escpos",
    "label_to_escpos_native",
    "label_to_tspl_native",
    "label_to_tspl_raster",
    "layout_from_mapping",
    "load_layout",
    "parse_status",
    "printed_pages",
    "profile_from_mapping",
    "qr_modules",
    "required_text_mm",
    "symbol_image",
    "template_names",
    "trace_url",
]
