"""From label content to the bytes one printer needs, per its profile, with a picture of what it prints.

`LabelEncoder(font_bytes, profile).encode(content)` returns the printer's bytes and a preview image. For a
native label the preview is the bytes decoded again the way the printer simulator decodes them, so the
PNG the edge keeps (and whose SHA-256 goes into the ledger) shows what was sent, not a look-alike.

A native label whose text has a character the printer's font lacks (a rare character in a person's or a
company's name, outside GB2312) is sent as a raster label instead, and `fallback` says why: the label
prints correctly either way, and never with a wrong glyph.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from protocols.escpos import NEED_DATA as ESCPOS_NEED_DATA
from protocols.escpos import EscposDecoder, PageBuilder, UnprintableText
from protocols.fontsource import FontSource
from protocols.label.escpos import label_to_escpos, label_to_escpos_native
from protocols.label.model import LabelContent, LabelError
from protocols.label.profile import PrinterProfile
from protocols.label.render import LabelRenderer
from protocols.label.tspl import label_to_tspl_native, label_to_tspl_raster
from protocols.tspl import NEED_DATA as TSPL_NEED_DATA
from protocols.tspl import TsplDecoder, TsplPageBuilder


@dataclass(frozen=True, slots=True)
class EncodedLabel:
    data: bytes
    preview: Image.Image
    mode: str  # "native", "native text, raster QR" or "raster"
    fallback: str = ""  # why a native profile's label went as raster


def printed_pages(
    language: str, data: bytes, font_bytes: FontSource | None, *, width_px: int = 576, dpi: int = 203
) -> list[Image.Image]:
    """What a printer of `language` prints from `data`: one image per cut (ESC/POS) or label (TSPL)."""
    pages: list[Image.Image] = []
    if language == "escpos":
        decoder = EscposDecoder()
        builder = PageBuilder(font_bytes, width_px=width_px)
        decoder.receive_data(data)
        while (event := decoder.next_event()) is not ESCPOS_NEED_DATA:
            if (page := builder.add(event)) is not None:
                pages.append(page)
        if (torn := builder.finish()) is not None:
            pages.append(torn)
        return pages
    if language == "tspl":
        tspl_decoder = TsplDecoder()
        tspl_builder = TsplPageBuilder(font_bytes, dpi=dpi)
        tspl_decoder.receive_data(data)
        while (tspl_event := tspl_decoder.next_event()) is not TSPL_NEED_DATA:
            pages.extend(tspl_builder.add(tspl_event))
        return pages
    raise LabelError(f"unknown printer language {language!r}")


class LabelEncoder:
    def __init__(self, font_bytes: FontSource, profile: PrinterProfile) -> None:
        self.profile = profile
        self.font_bytes = font_bytes
        self.renderer = LabelRenderer(font_bytes, profile.layout)

    def encode(self, content: LabelContent) -> EncodedLabel:
        profile = self.profile
        fallback = ""
        if profile.render == "native":
            try:
                if profile.language == "escpos":
                    data = label_to_escpos_native(content, profile)
                else:
                    data = label_to_tspl_native(content, profile)
            except UnprintableText as exc:
                fallback = f"sent as raster: {exc}"
            else:
                return EncodedLabel(data, self.preview(data), profile.mode)
        image = self.render(content)
        if profile.language == "escpos":
            data = label_to_escpos(image)
        else:
            data = label_to_tspl_raster(image, profile)
        return EncodedLabel(data, image, "raster", fallback)

    def render(self, content: LabelContent) -> Image.Image:
        """The label as a raster image at the printer's resolution and width."""
        return self.renderer.render(content, width_px=self.profile.width_dots, dpi=self.profile.dpi)

    def preview(self, data: bytes) -> Image.Image:
        pages = printed_pages(
            self.profile.language,
            data,
            self.font_bytes,
            width_px=self.profile.width_dots,
            dpi=self.profile.dpi,
        )
        if len(pages) != 1:
            raise LabelError(f"the encoded label prints {len(pages)} pages instead of one")
        return pages[0]
