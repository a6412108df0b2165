"""The label templates are data, sized per HJ 1276-2022: 100/150/200 mm labels and 58/80 mm rolls."""

import dataclasses

import pytest

from protocols.label import LabelError, layout_from_mapping, load_layout, required_text_mm, template_names

SIZES = {
    "hj1276-100x100": (100, 100, 3.0),
    "hj1276-150x150": (150, 150, 5.0),
    "hj1276-200x200": (200, 200, 6.0),
}


def test_the_packaged_templates():
    assert set(template_names()) == set(SIZES) | {"hj1276-roll-58mm", "hj1276-roll-80mm"}


@pytest.mark.parametrize(("name", "size"), SIZES.items())
def test_cut_labels_have_their_size_and_the_minimum_text_height(name, size):
    layout = load_layout(name)
    width, height, text = size
    assert (layout.width_mm, layout.height_mm) == (width, height)
    assert layout.min_text_mm >= text
    assert layout.margin_mm >= 3 and layout.border_mm >= 1


@pytest.mark.parametrize("name", ["hj1276-roll-58mm", "hj1276-roll-80mm"])
def test_roll_templates_take_the_paper_width_and_3_mm_text(name):
    layout = load_layout(name)
    assert layout.width_mm is None and layout.height_mm is None
    assert layout.min_text_mm >= 3


@pytest.mark.parametrize("name", sorted(SIZES) + ["hj1276-roll-58mm", "hj1276-roll-80mm"])
def test_every_template_prints_every_hj1276_field(name):
    fields = set(load_layout(name).field_names)
    assert fields >= {
        "waste_name",
        "category",
        "waste_code",
        "form",
        "main_components",
        "harmful_components",
        "precautions",
        "code",
        "producer",
        "contact",
        "production_date",
        "grams",
        "remark",
    }


@pytest.mark.parametrize(("side", "floor"), [(100, 3.0), (149, 3.0), (150, 5.0), (200, 6.0), (300, 6.0)])
def test_the_text_floor_follows_the_label_size(side, floor):
    assert required_text_mm(side, side) == floor


def test_a_150_mm_template_with_3_mm_text_is_refused():
    with pytest.raises(LabelError, match="5.0 mm"):
        dataclasses.replace(load_layout("hj1276-150x150"), min_text_mm=3.0, text_mm=3.0)


def test_a_cut_label_without_its_blank_margin_is_refused():
    with pytest.raises(LabelError, match="margin"):
        dataclasses.replace(load_layout("hj1276-100x100"), margin_mm=1.0)


def test_a_site_template_from_plain_data():
    layout = layout_from_mapping(
        {
            "name": "site-100x150",
            "width_mm": 100,
            "height_mm": 150,
            "margin_mm": 3,
            "rows": [[["名称", "waste_name"]]],
        }
    )
    assert layout.height_mm == 150
