"""TsplPageBuilder draws commands into the label buffer and copies it out on PRINT."""

import pytest
import zxingcpp

from edge.fonts import cjk_font_path
from protocols.tspl import NEED_DATA, Bitmap, Cls, Length, Print, QrCode, Reverse, Size, Text, TsplDecoder
from protocols.tspl import TsplPageBuilder as Builder
from tests.test_tspl_commands import SAMPLE


@pytest.fixture(scope="module")
def font_bytes() -> bytes:
    return cjk_font_path().read_bytes()


def black(image) -> int:
    return dict((v, n) for n, v in image.convert("L").getcolors()).get(0, 0)


def test_size_sets_the_label_in_dots():
    builder = Builder(dpi=203)
    builder.add(Size(Length(100, "mm"), Length(50, "mm")))
    (page,) = builder.add(Print(1))
    assert page.size == (799, 400)


def test_sample_program_prints_one_label_whose_qr_decodes(font_bytes):
    decoder, builder = TsplDecoder(), Builder(font_bytes)
    decoder.receive_data(SAMPLE)
    pages = []
    while (event := decoder.next_event()) is not NEED_DATA:
        pages += builder.add(event)
    (page,) = pages
    assert [r.text for r in zxingcpp.read_barcodes(page.convert("L"))] == ["HW-000123"]


def test_chinese_text_puts_ink_in_its_cells(font_bytes):
    builder = Builder(font_bytes)
    builder.add(Text(10, 10, "TSS24.BF2", 0, 2, 2, "危险".encode("gb18030")))
    (page,) = builder.add(Print(1))
    assert black(page.crop((10, 10, 10 + 96, 10 + 48))) > 200
    assert black(page.crop((120, 0, page.width, page.height))) == 0


def test_qr_cell_width_sets_the_module_size():
    builder = Builder()
    builder.add(QrCode(0, 0, "M", 4, "A", 0, b"HW"))
    (page,) = builder.add(Print(1))
    assert black(page.crop((0, 0, 21 * 4, 21 * 4))) == black(page)


def test_bitmap_zero_bits_are_black():
    builder = Builder()
    builder.add(Bitmap(0, 0, 1, 1, 0, b"\x0f"))
    (page,) = builder.add(Print(1))
    assert [page.getpixel((x, 0)) for x in range(8)] == [0] * 4 + [255] * 4


def test_reverse_turns_white_to_black():
    builder = Builder()
    builder.add(Reverse(0, 0, 4, 2))
    (page,) = builder.add(Print(1))
    assert black(page) == 8


def test_print_copies_and_cls_clears():
    builder = Builder()
    builder.add(Bitmap(0, 0, 1, 1, 0, b"\x00"))
    assert len(builder.add(Print(2, 2))) == 4
    builder.add(Cls())
    (page,) = builder.add(Print(1))
    assert black(page) == 0
