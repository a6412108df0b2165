"""PageBuilder turns decoded events back into the paper: one image per cut."""

import pytest
import zxingcpp
from escpos.printer import Dummy
from PIL import ImageOps

from edge.fonts import cjk_font_path
from protocols.escpos import (
    NEED_DATA,
    Cut,
    EscposDecoder,
    Feed,
    Initialize,
    PageBuilder,
    QrPrint,
    QrStore,
    RasterImage,
    Text,
)


@pytest.fixture(scope="module")
def font_bytes() -> bytes:
    return cjk_font_path().read_bytes()


def pages_of(data: bytes, builder: PageBuilder) -> list:
    decoder = EscposDecoder()
    decoder.receive_data(data)
    pages = []
    while (event := decoder.next_event()) is not NEED_DATA:
        if (page := builder.add(event)) is not None:
            pages.append(page)
    return pages


def ink_box(image) -> tuple[int, int, int, int]:
    """The bounding box of the black dots."""
    return ImageOps.invert(image.convert("L")).getbbox()


def black_dots(image) -> int:
    return dict((v, n) for n, v in image.convert("L").getcolors()).get(0, 0)


def test_native_qr_prints_a_symbol_that_decodes(font_bytes):
    printer = Dummy()
    printer.qr("https://hub/t/ABC", native=True, size=4)
    printer.cut()
    (page,) = pages_of(printer.output, PageBuilder(font_bytes))
    assert [r.text for r in zxingcpp.read_barcodes(page.convert("L"))] == ["https://hub/t/ABC"]


def test_chinese_text_line_prints_ink(font_bytes):
    builder = PageBuilder(font_bytes)
    assert builder.add(Text("危险废物\n".encode("gb18030"))) is None
    page = builder.add(Cut())
    assert page is not None and page.width == 576
    assert black_dots(page) > 100


def test_raster_is_placed_dot_for_dot():
    builder = PageBuilder()
    builder.add(RasterImage(8, 2, b"\xf0\x0f"))
    page = builder.add(Cut())
    assert [page.getpixel((x, 0)) for x in range(8)] == [0] * 4 + [255] * 4
    assert [page.getpixel((x, 1)) for x in range(8)] == [255] * 4 + [0] * 4


def test_double_size_raster_mode_scales_the_image():
    builder = PageBuilder()
    builder.add(RasterImage(8, 1, b"\xff", mode=3))
    page = builder.add(Cut())
    assert page.height == 2
    assert black_dots(page) == 32


def test_cut_with_only_feed_gives_no_page():
    builder = PageBuilder()
    builder.add(Feed(6))
    assert builder.add(Cut()) is None


def test_initialize_drops_the_half_received_line():
    builder = PageBuilder()
    builder.add(Text(b"lost"))
    builder.add(Initialize())
    assert builder.add(Cut()) is None


def test_reset_forgets_the_page_in_progress():
    builder = PageBuilder()
    builder.add(RasterImage(8, 1, b"\xff"))
    builder.reset()
    assert builder.add(Cut()) is None


def test_pages_are_separated_by_cuts():
    builder = PageBuilder()
    first = [builder.add(e) for e in (RasterImage(8, 1, b"\xff"), Cut())][-1]
    second = [builder.add(e) for e in (RasterImage(8, 2, b"\xff\xff"), Cut())][-1]
    assert (first.height, second.height) == (1, 2)


def test_double_size_text_is_twice_as_tall(font_bytes):
    from protocols.escpos import CharacterSize

    def height(size):
        builder = PageBuilder(font_bytes, line_px=1)
        builder.add(size)
        builder.add(Text("危\n".encode("gb18030")))
        return ink_box(builder.add(Cut()))[3]

    assert height(CharacterSize(2, 2)) > 1.8 * height(CharacterSize(1, 1))


def test_centred_text_starts_near_the_middle(font_bytes):
    from protocols.escpos import Justify

    builder = PageBuilder(font_bytes)
    builder.add(Justify(1))
    builder.add(Text("危\n".encode("gb18030")))
    left = ink_box(builder.add(Cut()))[0]
    assert 576 // 2 - 24 <= left <= 576 // 2


def test_reverse_prints_white_on_black(font_bytes):
    from protocols.escpos import Reverse

    builder = PageBuilder(font_bytes)
    builder.add(Reverse(True))
    builder.add(Text(b"AB\n"))
    page = builder.add(Cut())
    assert black_dots(page.crop((0, 0, 24, 24))) > 300


def test_qr_module_size_command_sets_the_symbol_size():
    from protocols.escpos import QrModuleSize

    builder = PageBuilder()
    builder.add(QrModuleSize(2))
    builder.add(QrStore(b"HW"))
    builder.add(QrPrint())
    page = builder.add(Cut())
    assert page.height == (21 + 8) * 2


def test_a_printer_without_a_cutter_still_gives_the_page_when_torn_off():
    builder = PageBuilder()
    builder.add(RasterImage(8, 1, b"\xff"))
    assert builder.printing
    assert builder.finish() is not None
    assert not builder.printing


def test_printer_lines_never_start_with_punctuation():
    from protocols.escpos import wrap_cells

    lines = wrap_cells("远离火源，防止泄漏", 8)
    assert not any(line.startswith("，") for line in lines)
    assert "".join(lines) == "远离火源，防止泄漏"
