"""Label layouts as data: which fields go in which row, sizes in millimetres, read from TOML templates.

The templates live in `protocols/label/templates/*.toml` (one per size: 100×100, 150×150 and 200×200 mm
labels, 58 and 80 mm receipt rolls); a site can add its own with `layout_from_mapping`. A composer turns
millimetres into dots for the printer's resolution, so one template serves 203 and 300 dpi.

HJ 1276-2022 minimums (regulatory.md §1), checked here so no template can go below them: text at least
3 mm high on labels for containers up to 50 L (100×100 mm), 5 mm up to 450 L (150×150 mm), 6 mm above
(200×200 mm); border at least 1 mm; a blank margin of at least 3 mm outside the border of a cut label.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from importlib import resources
from typing import Any

from protocols.label.model import LabelContent, LabelError

_CONTENT_FIELDS = frozenset(f.name for f in fields(LabelContent))
MIN_QR_MM = 20.0
MIN_TEXT_MM = 3.0
MIN_BORDER_MM = 1.0
MIN_CUT_MARGIN_MM = 3.0
TEMPLATE_PACKAGE = "protocols.label.templates"


def required_text_mm(width_mm: float | None, height_mm: float | None) -> float:
    """The smallest text HJ 1276 allows on a label of this size (the size stands for the container)."""
    if width_mm is None or height_mm is None:
        return MIN_TEXT_MM
    side = min(width_mm, height_mm)
    if side >= 200:
        return 6.0
    if side >= 150:
        return 5.0
    return MIN_TEXT_MM


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
    description: str = ""
    # A cut label has both; a receipt roll has neither (paper width, as long as the content needs).
    width_mm: float | None = None
    height_mm: float | None = None
    heading: str = "危险废物"
    heading_mm: float = 9.0
    # The composer starts at text_mm and may go down to min_text_mm to fit a cut label.
    text_mm: float = 3.2
    min_text_mm: float = MIN_TEXT_MM
    line_spacing: float = 1.3
    # Outer border; the standard asks for at least 1 mm. Inner rules are thinner.
    border_mm: float = 1.0
    rule_mm: float = 0.25
    # On a roll the printer's unprintable edge (4 mm each side on 80 mm paper) already gives the margin.
    margin_mm: float = 0.5
    padding_mm: float = 0.75
    # > 0: a right-hand column this wide holds 危险特性 and the QR; 0: they share a band under the rows.
    side_mm: float = 0.0
    hazard_heading: str = "危险特性"
    hazard_mm: float = 9.5
    qr_mm: float = 22.0
    qr_quiet_modules: int = 4
    reprint_text: str = "补打"
    separator: str = "："

    def __post_init__(self) -> None:
        if not self.rows or any(not row for row in self.rows):
            raise LabelError(f"layout {self.name!r} needs rows, each with at least one cell")
        if (self.height_mm is not None) and self.width_mm is None:
            raise LabelError(f"layout {self.name!r}: a fixed height needs a fixed width")
        floor = required_text_mm(self.width_mm, self.height_mm)
        if self.min_text_mm < floor:
            raise LabelError(
                f"layout {self.name!r}: text must be at least {floor} mm on this label size "
                f"(HJ 1276-2022), got {self.min_text_mm}"
            )
        if self.text_mm < self.min_text_mm:
            raise LabelError(
                f"layout {self.name!r}: text must be at least {self.min_text_mm} mm, got {self.text_mm}"
            )
        if self.qr_mm < MIN_QR_MM:
            raise LabelError(f"layout {self.name!r}: QR must be at least {MIN_QR_MM} mm, got {self.qr_mm}")
        if self.border_mm < MIN_BORDER_MM:
            raise LabelError(f"layout {self.name!r}: border must be at least 1 mm, got {self.border_mm}")
        if self.height_mm is not None and self.margin_mm < MIN_CUT_MARGIN_MM:
            raise LabelError(
                f"layout {self.name!r}: a cut label needs a blank margin of at least {MIN_CUT_MARGIN_MM} mm "
                f"outside its border, got {self.margin_mm}"
            )
        if self.line_spacing < 1.0:
            raise LabelError(f"layout {self.name!r}: line spacing below 1.0 makes lines overlap")
        if self.qr_quiet_modules < 1:
            raise LabelError(f"layout {self.name!r}: the QR needs a quiet zone of at least 1 module")

    @property
    def field_names(self) -> tuple[str, ...]:
        """The content fields this layout prints in its rows (hazards and the QR are always printed)."""
        return tuple(cell.field for row in self.rows for cell in row)


def layout_from_mapping(data: Mapping[str, Any]) -> LabelLayout:
    """A layout from plain data (a parsed TOML or JSON table): rows are lists of [label, field, share?]."""
    try:
        rows = tuple(tuple(Cell(*cell) for cell in row) for row in data["rows"])
        options = {k: v for k, v in data.items() if k != "rows"}
        return LabelLayout(rows=rows, **options)
    except (KeyError, TypeError) as exc:
        raise LabelError(f"layout data is malformed: {exc}") from exc


@functools.cache
def template_names() -> tuple[str, ...]:
    """The names of the packaged templates (file names without .toml)."""
    files = resources.files(TEMPLATE_PACKAGE).iterdir()
    return tuple(sorted(f.name[:-5] for f in files if f.name.endswith(".toml")))


@functools.cache
def load_layout(name: str) -> LabelLayout:
    """A packaged template by name, e.g. "hj1276-100x100" or "hj1276-roll-80mm"."""
    if name not in template_names():
        raise LabelError(f"no label template {name!r}; packaged: {', '.join(template_names())}")
    text = resources.files(TEMPLATE_PACKAGE).joinpath(f"{name}.toml").read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LabelError(f"label template {name}.toml is not valid TOML: {exc}") from exc
    layout = layout_from_mapping(data)
    if layout.name != name:
        raise LabelError(f"label template {name}.toml names itself {layout.name!r}")
    return layout


HJ1276_ROLL_80MM = load_layout("hj1276-roll-80mm")
LAYOUTS: dict[str, LabelLayout] = {name: load_layout(name) for name in template_names()}
