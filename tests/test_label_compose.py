"""Composing a label: cut labels keep their size, text never goes below its minimum, overflow is refused."""

import dataclasses

import pytest

from edge.fonts import cjk_font_path
from protocols.label import (
    CellMetrics,
    LabelDoesNotFit,
    LabelEncoder,
    LabelRenderer,
    compose,
    load_layout,
)
from protocols.label.compose import QrOp, SymbolOp, TextOp, wrap
from tests.label_support import CONTENT, profile


@pytest.fixture(scope="module")
def font_bytes() -> bytes:
    return cjk_font_path().read_bytes()


@pytest.mark.parametrize("name", ["hj1276-100x100", "hj1276-150x150", "hj1276-200x200"])
def test_a_cut_label_is_exactly_its_size(font_bytes, name):
    image = LabelRenderer(font_bytes, load_layout(name)).render(CONTENT, width_px=2000, dpi=203)
    side = round(load_layout(name).width_mm * 203 / 25.4)
    assert image.size == (side, side)


@pytest.mark.parametrize("name", ["hj1276-100x100", "hj1276-150x150", "hj1276-200x200"])
def test_every_text_on_a_cut_label_is_at_least_the_minimum_height(font_bytes, name):
    layout = load_layout(name)
    renderer = LabelRenderer(font_bytes, layout)
    long = dataclasses.replace(CONTENT, precautions="远离火源，防止泄漏；" * 4)
    drawing = renderer.compose(long, width_px=2000, dpi=203)
    minimum = layout.min_text_mm * 203 / 25.4 - 0.01
    assert min(op.size for op in drawing.ops if isinstance(op, TextOp)) >= minimum


def test_text_shrinks_toward_the_minimum_before_giving_up(font_bytes):
    renderer = LabelRenderer(font_bytes, load_layout("hj1276-100x100"))
    roomy = renderer.compose(dataclasses.replace(CONTENT, precautions="防漏"), width_px=2000)
    tight = renderer.compose(
        dataclasses.replace(CONTENT, precautions="远离火源，防止泄漏；" * 10), width_px=2000
    )
    assert tight.text_size < roomy.text_size


def test_content_too_long_for_the_label_is_refused_with_what_to_shorten(font_bytes):
    renderer = LabelRenderer(font_bytes, load_layout("hj1276-100x100"))
    with pytest.raises(LabelDoesNotFit, match="注意事项"):
        renderer.compose(dataclasses.replace(CONTENT, precautions="远离火源" * 80), width_px=2000)


def test_all_five_pictograms_fit_the_smallest_label(font_bytes):
    renderer = LabelRenderer(font_bytes, load_layout("hj1276-100x100"))
    drawing = renderer.compose(
        dataclasses.replace(CONTENT, hazards=("T", "C", "I", "R", "In")), width_px=2000
    )
    assert [op.code for op in drawing.ops if isinstance(op, SymbolOp)] == ["T", "C", "I", "R", "In"]


def test_qr_is_at_least_20_mm(font_bytes):
    for name, width in (("hj1276-100x100", 800), ("hj1276-roll-58mm", 384)):
        drawing = LabelRenderer(font_bytes, load_layout(name)).compose(CONTENT, width_px=width)
        (qr,) = [op for op in drawing.ops if isinstance(op, QrOp)]
        assert qr.module * qr.modules * 25.4 / 203 >= 20


def test_printer_font_sizes_come_in_whole_cells():
    drawing = compose(CONTENT, load_layout("hj1276-100x100"), CellMetrics(), dpi=203)
    assert {op.size % 24 for op in drawing.ops if isinstance(op, TextOp)} == {0}


def test_narrow_printer_text_fits_where_square_text_does_not():
    layout = load_layout("hj1276-150x150")
    with pytest.raises(LabelDoesNotFit):
        compose(CONTENT, layout, CellMetrics(), dpi=203)
    drawing = compose(CONTENT, layout, CellMetrics(width_ratio=0.5), dpi=203)
    assert drawing.height == round(150 * 203 / 25.4)


def test_punctuation_never_starts_a_line():
    lines = wrap("远离火源，防止泄漏", len, 4, 4)
    assert not any(line.startswith("，") for line in lines)
    assert "".join(lines) == "远离火源，防止泄漏"


def test_a_character_outside_the_printer_font_sends_the_label_as_raster(font_bytes):
    encoder = LabelEncoder(font_bytes, profile("tspl-4in-203dpi-100x100"))
    encoded = encoder.encode(dataclasses.replace(CONTENT, contact="王喆 13800138000"))
    assert encoded.mode == "raster"
    assert "喆" in encoded.fallback
    assert encoded.data.count(b"BITMAP") == 1
