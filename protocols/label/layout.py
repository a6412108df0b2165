"""Label layouts as data: which fields go in which row, and sizes in millimetres.

A renderer turns millimetres into dots for the printer's resolution, so one layout serves 203 and 300 dpi,
and a new size (100/150/200 mm labels, 58 mm paper) is a new `LabelLayout` value, or a mapping read from a
device profile by the edge and passed through `layout_from_mapping`.

HJ 1276-2022 minimums (regulatory.md §1): text at least 3 mm high on labels for containers up to 50 L (5 mm
up to 450 L, 6 mm above), border at least 1 mm.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from protocols.label.model import LabelContent, LabelError

_CONTENT_FIELDS = frozenset(f.name for f in fields(LabelContent))
MIN_QR_MM = 20.0
MIN_TEXT_MM = 3.0


@dataclass(frozen=True, slots=True)
class Cell:
    """One field in a table row: its printed label, the LabelContent field, and its share of the row width."""

    label: str
    field: str
    share: int = 1

    def __post_init__(self) -> None:
        if self.field not in _CONTENT_FIELDS:
            raise LabelError(f"layout names unknown field {self.field!r}")
        if self.share < 1:
            raise LabelError(f"cell share must be >= 1, got {self.share}")


@dataclass(frozen=True, slots=True)
class LabelLayout:
    name: str
    rows: tuple[tuple[Cell, ...], ...]
    heading: str = "危险废物"
    heading_mm: float = 9.0
    text_mm: float = 3.2
    # Outer border; the standard asks for at least 1 mm. Inner rules are thinner.
    border_mm: float = 1.0
    rule_mm: float = 0.25
    # The printer's unprintable edge (4 mm each side on 80 mm paper) already gives the blank margin.
    margin_mm: float = 0.5
    padding_mm: float = 0.75
    hazard_heading: str = "危险特性"
    hazard_mm: float = 9.5
    qr_mm: float = 22.0
    qr_quiet_modules: int = 4
    reprint_text: str = "补打"
    separator: str = "："

    def __post_init__(self) -> None:
        if not self.rows or any(not row for row in self.rows):
            raise LabelError(f"layout {self.name!r} needs rows, each with at least one cell")
        if self.text_mm < MIN_TEXT_MM:
            raise LabelError(
                f"layout {self.name!r}: text must be at least {MIN_TEXT_MM} mm, got {self.text_mm}"
            )
        if self.qr_mm < MIN_QR_MM:
            raise LabelError(f"layout {self.name!r}: QR must be at least {MIN_QR_MM} mm, got {self.qr_mm}")
        if self.border_mm < 1.0:
            raise LabelError(f"layout {self.name!r}: border must be at least 1 mm, got {self.border_mm}")


def _row(*cells: tuple[str, str] | tuple[str, str, int]) -> tuple[Cell, ...]:
    return tuple(Cell(*cell) for cell in cells)


# 80 mm roll (576 dots printable at 203 dpi): one field per row. Paired cells (e.g. 废物代码 | 废物形态)
# are for wider labels: at 3.2 mm text a code and its label do not fit in half of 72 mm.
HJ1276_ROLL_80MM = LabelLayout(
    name="hj1276-roll-80mm",
    rows=(
        _row(("废物名称", "waste_name")),
        _row(("废物类别", "category")),
        _row(("废物代码", "waste_code")),
        _row(("废物形态", "form")),
        _row(("主要成分", "main_components")),
        _row(("有害成分", "harmful_components")),
        _row(("注意事项", "precautions")),
        _row(("数字识别码", "code")),
        _row(("产生/收集单位", "producer")),
        _row(("联系人和联系方式", "contact")),
        _row(("产生日期", "production_date")),
        _row(("废物重量", "grams")),
        _row(("备注", "remark")),
    ),
)

LAYOUTS: dict[str, LabelLayout] = {HJ1276_ROLL_80MM.name: HJ1276_ROLL_80MM}


def layout_from_mapping(data: Mapping[str, Any]) -> LabelLayout:
    """A layout from plain data (a parsed TOML or JSON table): rows are lists of [label, field, share?]."""
    try:
        rows = tuple(tuple(Cell(*cell) for cell in row) for row in data["rows"])
        options = {k: v for k, v in data.items() if k != "rows"}
        return LabelLayout(rows=rows, **options)
    except (KeyError, TypeError) as exc:
        raise LabelError(f"layout data is malformed: {exc}") from exc
