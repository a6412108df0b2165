"""HJ 1276-2022 hazardous-waste labels: content, layout as data, rendering, and ESC/POS encoding."""

from protocols.label.escpos import (
    STATUS_QUERIES,
    PrinterStatus,
    combine_status,
    label_to_escpos,
    parse_status,
)
from protocols.label.layout import HJ1276_ROLL_80MM, LAYOUTS, Cell, LabelLayout, layout_from_mapping
from protocols.label.model import HAZARD_NAMES, LabelContent, LabelError, format_kg, trace_url
from protocols.label.render import LabelRenderer

__all__ = [
    "HAZARD_NAMES",
    "HJ1276_ROLL_80MM",
    "LAYOUTS",
    "STATUS_QUERIES",
    "Cell",
    "LabelContent",
    "LabelError",
    "LabelLayout",
    "LabelRenderer",
    "PrinterStatus",
    "combine_status",
    "format_kg",
    "label_to_escpos",
    "layout_from_mapping",
    "parse_status",
    "trace_url",
]
