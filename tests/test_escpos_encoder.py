"""ESC/POS commands as bytes, on the vectors of device-protocols.md §2 and against python-escpos."""

import pytest
from escpos.printer import Dummy
from PIL import Image

from protocols.escpos import EscposError, UnprintableText
from protocols.escpos import encoder as esc
from tests.test_escpos_decoder import CUT, QR_ABC, RASTER_8X2, TEXT_WEIFEI


def test_native_qr_matches_the_reference_vector():
    assert esc.qr(b"ABC", module=3, level="L") == QR_ABC


def test_native_qr_matches_python_escpos():
    printer = Dummy()
    printer.qr("https://hub/t/ABC", native=True, size=5)
    assert esc.qr("https://hub/t/ABC", module=5, level="L") == printer.output


def test_gb18030_text():
    assert esc.encode_text("危废\n") == TEXT_WEIFEI


def test_text_outside_a_gb2312_font_is_refused():
    with pytest.raises(UnprintableText):
        esc.encode_text("王喆", charset="gb2312")


def test_raster_8x2_black():
    assert esc.raster(Image.new("1", (8, 2), 0)) == RASTER_8X2


def test_tall_raster_is_sent_in_bands():
    data = esc.raster(Image.new("1", (8, 1000), 1))
    assert data.count(b"\x1dv0") == 2


def test_cut_feeds_then_cuts():
    assert esc.cut() == CUT


def test_status_requests_and_modes():
    assert esc.status_request(4) == b"\x10\x04\x04"
    assert esc.character_size(2, 3) == b"\x1d!\x12"
    assert esc.justify("center") == b"\x1ba\x01"
    assert esc.chinese_mode() == b"\x1c&"
    assert esc.reverse(True) == b"\x1dB\x01"


@pytest.mark.parametrize(
    "call",
    [
        lambda: esc.qr("x", module=17),
        lambda: esc.qr("x", level="X"),
        lambda: esc.qr(b""),
        lambda: esc.character_size(9, 1),
        lambda: esc.justify("middle"),
        lambda: esc.status_request(5),
    ],
)
def test_out_of_range_arguments_are_refused(call):
    with pytest.raises(EscposError):
        call()
