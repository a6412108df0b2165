"""A printer profile: what a model of printer understands, as plain data (firmware-config/printers/*.toml).

The edge reads the TOML file and hands the table to `profile_from_mapping`; everything about how a label
is encoded for that printer comes from here: command language, resolution, printable width, which
template, and whether text and QR go as the printer's own commands ("native") or as one image ("raster").

    name = "tspl-4in-203dpi-100x100"
    language = "tspl"          # "escpos" (receipt printers) or "tspl" (label printers)
    dpi = 203
    width_mm = 104             # printable width: 72 on 80 mm paper, 48 on 58 mm, the head on a label printer
    template = "hj1276-100x100"
    render = "native"          # text as printer commands ("native") or the whole label as an image ("raster")
    qr = "native"              # QR by GS ( k / QRCODE ("native") or as an image ("raster")
    charset = "gb2312"         # the printer's Chinese font set: gb2312, gbk or gb18030
    connection = "tcp://192.168.1.60:9100"
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from protocols.label.layout import LabelLayout, load_layout
from protocols.label.model import LabelError

LANGUAGES = ("escpos", "tspl")
MODES = ("native", "raster")
CHARSETS = ("gb2312", "gbk", "gb18030")
SYMBOLS = ("bitmap", "text")


class ProfileError(LabelError):
    """A printer profile that cannot be used as written; the message names the key."""


@dataclass(frozen=True, slots=True)
class PrinterProfile:
    name: str
    language: str
    template: str
    width_mm: float
    dpi: int = 203
    render: str = "raster"
    qr: str = "native"
    charset: str = "gb18030"
    # Hazard pictograms on a native label: small bitmaps, or only their names (slow serial links).
    symbols: str = "bitmap"
    # TSPL
    font: str = "TSS24.BF2"
    font_cell: int = 24
    # Character width / height for native TSPL text; 0.5 prints narrow characters (see CellMetrics).
    font_width: float = 1.0
    gap_mm: float = 2.0
    gap_offset_mm: float = 0.0
    direction: int = 1
    # ESC/POS
    chinese_mode: bool = True
    cut: bool = True
    feed_lines: int = 4
    # Where the printer usually is; the edge's [printer] uri and --printer override it.
    connection: str = ""
    timeout_s: float = 5.0
    description: str = ""
    models: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        def need(condition: bool, message: str) -> None:
            if not condition:
                raise ProfileError(f"printer profile {self.name!r}: {message}")

        need(self.language in LANGUAGES, f"language must be one of {LANGUAGES}, got {self.language!r}")
        need(self.render in MODES, f"render must be one of {MODES}, got {self.render!r}")
        need(self.qr in MODES, f"qr must be one of {MODES}, got {self.qr!r}")
        need(not (self.render == "raster" and self.qr == "native"), "a raster label draws its QR as raster")
        need(self.charset in CHARSETS, f"charset must be one of {CHARSETS}, got {self.charset!r}")
        need(self.symbols in SYMBOLS, f"symbols must be one of {SYMBOLS}, got {self.symbols!r}")
        need(self.dpi in (203, 300, 600), f"dpi must be 203, 300 or 600, got {self.dpi}")
        need(20 <= self.width_mm <= 220, f"width_mm must be 20-220 mm, got {self.width_mm}")
        need(self.direction in (0, 1), f"direction must be 0 or 1, got {self.direction}")
        need(self.font_cell in (16, 20, 24, 32), f"font_cell must be 16, 20, 24 or 32, got {self.font_cell}")
        need(0.5 <= self.font_width <= 1.0, f"font_width must be 0.5-1.0, got {self.font_width}")
        need(self.timeout_s > 0, f"timeout_s must be positive, got {self.timeout_s}")
        need(0 <= self.feed_lines <= 255, f"feed_lines must be 0-255, got {self.feed_lines}")
        layout = self.layout  # the template must exist and fit the printer
        if layout.width_mm is not None:
            need(
                layout.width_mm <= self.width_mm, f"template {self.template} is wider than {self.width_mm} mm"
            )

    @property
    def layout(self) -> LabelLayout:
        return load_layout(self.template)

    @property
    def width_dots(self) -> int:
        # Printers address whole bytes of 8 dots: 72 mm at 203 dpi is 576 dots, not 575.
        return round(self.width_mm * self.dpi / 25.4 / 8) * 8

    @property
    def mode(self) -> str:
        """ "native", "native text, raster QR" or "raster": what the label goes as."""
        if self.render == "raster":
            return "raster"
        return "native" if self.qr == "native" else "native text, raster QR"

    def with_mode(self, render: str, qr: str) -> PrinterProfile:
        """The same printer with text and QR sent another way (tests, and `print-test --mode`)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return PrinterProfile(**{**values, "render": render, "qr": qr})


def profile_from_mapping(data: Mapping[str, Any], name: str | None = None) -> PrinterProfile:
    """A profile from a parsed TOML table; unknown keys are refused so a typo is not silently ignored."""
    values = dict(data)
    if name is not None:
        values.setdefault("name", name)
    allowed = {f.name for f in fields(PrinterProfile)}
    unknown = sorted(set(values) - allowed)
    label = values.get("name", name or "?")
    if unknown:
        raise ProfileError(
            f"printer profile {label!r} has unknown keys {unknown}; allowed: {sorted(allowed)}"
        )
    if "models" in values:
        values["models"] = tuple(values["models"])
    try:
        return PrinterProfile(**values)
    except TypeError as exc:
        raise ProfileError(f"printer profile {label!r} is incomplete or mistyped: {exc}") from exc
