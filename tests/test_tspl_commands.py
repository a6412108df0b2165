"""TSPL commands as bytes, on the vectors of device-protocols.md §2 (TSC and Gprinter manuals)."""

import pytest
from PIL import Image

from protocols.escpos import UnprintableText
from protocols.tspl import STATUS_QUERY, TsplError, commands

# The sample program of device-protocols.md §2, CR LF line ends, 危险废物 in GBK/GB18030.
SAMPLE = (
    b"SIZE 60 mm,40 mm\r\n"
    b"GAP 2 mm,0 mm\r\n"
    b"DIRECTION 1\r\n"
    b"CLS\r\n"
    b'TEXT 20,20,"TSS24.BF2",0,1,1,"\xce\xa3\xcf\xd5\xb7\xcf\xce\xef"\r\n'
    b'QRCODE 300,20,M,6,A,0,"HW-000123"\r\n'
    b"PRINT 1,1\r\n"
)


def test_sample_program_is_byte_exact():
    program = (
        commands.size(60, 40)
        + commands.gap(2, 0)
        + commands.direction(1)
        + commands.cls()
        + commands.text(20, 20, "TSS24.BF2", 0, 1, 1, "危险废物")
        + commands.qrcode(300, 20, "M", 6, "HW-000123")
        + commands.print_label(1, 1)
    )
    assert program == SAMPLE


def test_status_query_is_esc_bang_question_mark():
    assert STATUS_QUERY == b"\x1b!?"


def test_fractional_millimetres_are_written_without_trailing_zeros():
    assert commands.size(100, 99.5) == b"SIZE 100 mm,99.5 mm\r\n"


def test_quote_inside_text_uses_the_tspl_escape():
    assert commands.text(0, 0, "TSS24.BF2", 0, 1, 1, 'A"B') == b'TEXT 0,0,"TSS24.BF2",0,1,1,"A\\["]B"\r\n'


def test_text_outside_the_printer_font_is_refused():
    # 喆 is in GB18030 but not in the GB2312 set of TSS24.BF2.
    with pytest.raises(UnprintableText) as caught:
        commands.text(0, 0, "TSS24.BF2", 0, 1, 1, "张喆", charset="gb2312")
    assert caught.value.char == "喆"


def test_bitmap_sends_black_as_zero_bits():
    image = Image.new("1", (16, 1), 1)
    for x in range(8):
        image.putpixel((x, 0), 0)
    assert commands.bitmap(5, 6, image) == b"BITMAP 5,6,2,1,0,\x00\xff\r\n"


def test_bitmap_pads_rows_to_whole_bytes():
    width_bytes, height, data = commands.image_bits(Image.new("1", (10, 2), 0))
    assert (width_bytes, height) == (2, 2)
    assert data == b"\x00\x3f\x00\x3f"


def test_rules_boxes_and_reverse():
    assert commands.bar(1, 2, 3, 4) == b"BAR 1,2,3,4\r\n"
    assert commands.box(0, 0, 799, 799, 8) == b"BOX 0,0,799,799,8\r\n"
    assert commands.reverse(10, 10, 50, 20) == b"REVERSE 10,10,50,20\r\n"


@pytest.mark.parametrize(
    "call",
    [
        lambda: commands.qrcode(0, 0, "X", 6, "a"),
        lambda: commands.qrcode(0, 0, "M", 11, "a"),
        lambda: commands.qrcode(0, 0, "M", 6, 'a"b'),
        lambda: commands.text(0, 0, "TSS24.BF2", 45, 1, 1, "a"),
        lambda: commands.text(0, 0, "TSS24.BF2", 0, 11, 1, "a"),
        lambda: commands.print_label(0),
        lambda: commands.size(-1, 10),
        lambda: commands.direction(2),
    ],
)
def test_out_of_range_arguments_are_refused(call):
    with pytest.raises(TsplError):
        call()
