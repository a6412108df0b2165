"""A rendered label is a crisp black-and-white image whose QR scans, also after ESC/POS and back."""

import dataclasses

import pytest
import zxingcpp
from PIL import Image

from edge.fonts import cjk_font_path
from protocols.escpos import NEED_DATA, EscposDecoder, PageBuilder
from protocols.label import (
    HJ1276_ROLL_80MM,
    LabelContent,
    LabelError,
    LabelLayout,
    LabelRenderer,
    label_to_escpos,
    layout_from_mapping,
)

PAYLOAD = "https://hub/t/91130200699229617X9002490820261123001"
CONTENT = LabelContent(
    waste_name="废矿物油",
    category="HW08 废矿物油与含矿物油废物",
    waste_code="900-249-08",
    form="液态",
    hazards=("T", "I"),
    main_components="矿物油、水",
    harmful_components="石油烃、多环芳烃",
    precautions="远离火源，防止泄漏；佩戴防护手套",
    code="91130200699229617X9002490820261123001",
    producer="保定市某某机械制造有限公司",
    contact="张三 13800138000",
    production_date="2026-11-23",
    grams=12345,
    remark="",
    qr_payload=PAYLOAD,
)


@pytest.fixture(scope="module")
def font_bytes() -> bytes:
    return cjk_font_path().read_bytes()


@pytest.fixture(scope="module")
def renderer(font_bytes) -> LabelRenderer:
    return LabelRenderer(font_bytes)


@pytest.fixture(scope="module")
def label(renderer) -> Image.Image:
    return renderer.render(CONTENT)


def qr_results(image: Image.Image):
    return [
        r for r in zxingcpp.read_barcodes(image.convert("L")) if r.format == zxingcpp.BarcodeFormat.QRCode
    ]


def test_label_is_black_and_white_and_printer_wide(label):
    assert label.mode == "1"
    assert label.width == 576
    assert {value for _, value in label.convert("L").getcolors()} == {0, 255}


def test_label_qr_decodes_to_the_payload(label):
    assert [r.text for r in qr_results(label)] == [PAYLOAD]


def test_label_qr_is_at_least_20_mm_at_203_dpi(label):
    (result,) = qr_results(label)
    corners = result.position
    assert corners.top_right.x - corners.top_left.x >= 160


def test_reprint_label_differs_from_the_original(renderer, label):
    reprint = renderer.render(dataclasses.replace(CONTENT, reprint=True))
    assert reprint.tobytes() != label.tobytes()
    assert [r.text for r in qr_results(reprint)] == [PAYLOAD]


def test_every_hazard_fits_and_the_label_grows_to_hold_them(renderer, label):
    all_five = renderer.render(dataclasses.replace(CONTENT, hazards=("T", "C", "I", "R", "In")))
    assert all_five.height > label.height


def test_long_values_wrap_instead_of_running_off_the_label(renderer, label):
    long = renderer.render(dataclasses.replace(CONTENT, remark="注意" * 60))
    assert long.width == 576
    assert long.height > label.height


def test_label_survives_escpos_and_back(label, font_bytes):
    data = label_to_escpos(label)
    decoder = EscposDecoder()
    decoder.receive_data(data)
    pages = PageBuilder(font_bytes)
    printed = []
    while (event := decoder.next_event()) is not NEED_DATA:
        if (page := pages.add(event)) is not None:
            printed.append(page)
    assert len(printed) == 1
    assert printed[0].crop((0, 0, label.width, label.height)).tobytes() == label.tobytes()
    assert [r.text for r in qr_results(printed[0])] == [PAYLOAD]


def test_escpos_bytes_initialise_print_raster_and_cut(label, capsys):
    data = label_to_escpos(label)
    assert data.startswith(b"\x1b@\x1dv0\x00\x48\x00")  # 72 bytes = 576 dots per row
    assert data.endswith(b"\x1bd\x06\x1dV\x00")
    assert capsys.readouterr().out == ""


def test_same_layout_renders_at_300_dpi_with_larger_dots(renderer, label):
    hi = renderer.render(CONTENT, width_px=832, dpi=300)
    assert hi.height > label.height
    assert [r.text for r in qr_results(hi)] == [PAYLOAD]


def test_layout_can_come_from_plain_data(font_bytes):
    layout = layout_from_mapping(
        {
            "name": "test-58mm",
            "rows": [[["废物名称", "waste_name"]], [["代码", "waste_code"], ["重量", "grams", 1]]],
            "qr_mm": 20,
        }
    )
    image = LabelRenderer(font_bytes, layout).render(CONTENT, width_px=384)
    assert image.width == 384
    assert [r.text for r in qr_results(image)] == [PAYLOAD]


def test_layout_naming_an_unknown_field_is_refused():
    with pytest.raises(LabelError):
        layout_from_mapping({"name": "bad", "rows": [[["重量", "weight_kg"]]]})


@pytest.mark.parametrize("change", [{"text_mm": 2.5}, {"qr_mm": 15.0}, {"border_mm": 0.5}])
def test_layout_below_the_minimum_sizes_is_refused(change):
    with pytest.raises(LabelError):
        dataclasses.replace(HJ1276_ROLL_80MM, **change)


def test_renderer_needs_a_font():
    with pytest.raises(LabelError):
        LabelRenderer(b"")


def test_layout_type_is_exported():
    assert isinstance(HJ1276_ROLL_80MM, LabelLayout)


def test_a_font_path_renders_the_same_label_as_its_bytes():
    # The edge passes the font's path so FreeType maps the file once instead of Pillow copying 17 MB per
    # face; the drawing must not change with it.
    from edge.fonts import cjk_font_path

    path = cjk_font_path()
    by_path = LabelRenderer(path).render(CONTENT)
    assert by_path.tobytes() == LabelRenderer(path.read_bytes()).render(CONTENT).tobytes()
