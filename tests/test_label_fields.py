"""Every HJ 1276 field, the heading, the hazards and the QR payload are on the label, in every encoding."""

import dataclasses

import pytest

from edge.fonts import cjk_font_path
from protocols.escpos import NEED_DATA as ESCPOS_NEED_DATA
from protocols.escpos import EscposDecoder, QrStore
from protocols.escpos import Text as EscposText
from protocols.label import HAZARD_NAMES, LabelEncoder, load_layout
from protocols.label.compose import QrOp, SymbolOp
from protocols.tspl import NEED_DATA as TSPL_NEED_DATA
from protocols.tspl import Bitmap, QrCode, TsplDecoder
from protocols.tspl import Text as TsplText
from tests.label_support import CONTENT, MODES, PAYLOAD, profile, profile_names

CASES = [(name, mode) for name in profile_names() for mode in MODES]


@pytest.fixture(scope="module")
def font_bytes() -> bytes:
    return cjk_font_path().read_bytes()


def printed_text_and_qr(encoder: LabelEncoder, content) -> tuple[str, list[str]]:
    """All text on the label (whitespace removed: wrapping may drop a space) and the QR payloads."""
    prof = encoder.profile
    encoded = encoder.encode(content)
    texts: list[str] = []
    qrs: list[str] = []
    if encoded.mode == "raster":
        drawing = encoder.renderer.compose(content, width_px=prof.width_dots, dpi=prof.dpi)
        texts = drawing.texts()
        qrs = [op.payload for op in drawing.ops if isinstance(op, QrOp)]
    elif prof.language == "escpos":
        decoder = EscposDecoder()
        decoder.receive_data(encoded.data)
        while (event := decoder.next_event()) is not ESCPOS_NEED_DATA:
            if isinstance(event, EscposText):
                texts.append(event.data.decode("gb18030"))
            elif isinstance(event, QrStore):
                qrs.append(event.data.decode())
    else:
        decoder = TsplDecoder()
        decoder.receive_data(encoded.data)
        while (event := decoder.next_event()) is not TSPL_NEED_DATA:
            if isinstance(event, TsplText):
                texts.append(event.text)
            elif isinstance(event, QrCode):
                qrs.append(event.data.decode())
    return "".join("".join(texts).split()), qrs


@pytest.mark.parametrize(("name", "mode"), CASES)
def test_every_field_is_printed(font_bytes, name, mode):
    encoder = LabelEncoder(font_bytes, profile(name, mode))
    text, qrs = printed_text_and_qr(encoder, CONTENT)
    layout = load_layout(encoder.profile.template)
    assert "危险废物" in text
    for row in layout.rows:
        for cell in row:
            assert cell.label + layout.separator in text, cell.label
            value = "".join(CONTENT.display(cell.field).split())
            assert value in text, (cell.label, value)
    for code in CONTENT.hazards:
        assert HAZARD_NAMES[code] in text
    if encoder.profile.qr == "native":
        assert qrs == [PAYLOAD]
    else:
        assert encoder.encode(CONTENT).data  # the QR is an image: its payload is checked by scanning it


@pytest.mark.parametrize("name", profile_names())
def test_a_reprint_says_so(font_bytes, name):
    encoder = LabelEncoder(font_bytes, profile(name))
    text, _ = printed_text_and_qr(encoder, dataclasses.replace(CONTENT, reprint=True))
    assert "补打" in text


@pytest.mark.parametrize("name", [n for n in profile_names() if n.startswith("tspl")])
def test_native_tspl_labels_carry_a_pictogram_per_hazard(font_bytes, name):
    prof = profile(name, "native")
    encoded = LabelEncoder(font_bytes, prof).encode(dataclasses.replace(CONTENT, hazards=("T", "C", "In")))
    decoder = TsplDecoder()
    decoder.receive_data(encoded.data)
    bitmaps = []
    while (event := decoder.next_event()) is not TSPL_NEED_DATA:
        if isinstance(event, Bitmap):
            bitmaps.append(event)
    assert len(bitmaps) == 3


def test_raster_labels_carry_a_pictogram_per_hazard(font_bytes):
    encoder = LabelEncoder(font_bytes, profile("escpos-80mm-raster"))
    drawing = encoder.renderer.compose(CONTENT, width_px=576, dpi=203)
    assert [op.code for op in drawing.ops if isinstance(op, SymbolOp)] == list(CONTENT.hazards)
