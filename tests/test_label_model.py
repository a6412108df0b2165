"""Label content is checked on construction, and weights print as kg exactly from integer grams."""

import dataclasses

import pytest

from protocols.label import LabelContent, LabelError, format_kg, trace_url


def content(**changes) -> LabelContent:
    base = dict(
        waste_name="废矿物油",
        category="HW08 废矿物油与含矿物油废物",
        waste_code="900-249-08",
        form="液态",
        hazards=("T", "I"),
        main_components="矿物油",
        harmful_components="石油烃",
        precautions="远离火源",
        code="91130200699229617X9002490820261123001",
        producer="保定市某机械有限公司",
        contact="张三 13800138000",
        production_date="2026-11-23",
        grams=12345,
        remark="",
        qr_payload="https://hub/t/91130200699229617X9002490820261123001",
    )
    return LabelContent(**{**base, **changes})


@pytest.mark.parametrize(
    ("grams", "text"),
    [
        (0, "0 kg"),
        (1, "0.001 kg"),
        (500, "0.5 kg"),
        (12000, "12 kg"),
        (12345, "12.345 kg"),
        (12340, "12.34 kg"),
        (10**12 + 7, "1000000000.007 kg"),
    ],
)
def test_grams_print_as_kg_with_up_to_three_decimals(grams, text):
    assert format_kg(grams) == text


def test_valid_content_is_accepted_and_reprint_defaults_to_false():
    label = content()
    assert label.reprint is False
    assert label.display("grams") == "12.345 kg"
    assert label.display("hazards") == "毒性(T)、易燃性(I)"


def test_hazards_given_as_list_are_kept_as_tuple():
    assert content(hazards=["C"]).hazards == ("C",)


@pytest.mark.parametrize("hazards", [(), ("X",), ("t",), ("T", "T")])
def test_unknown_missing_or_repeated_hazard_codes_are_refused(hazards):
    with pytest.raises(LabelError):
        content(hazards=hazards)


@pytest.mark.parametrize("grams", [-1, 1.5, 12.0, "100", True])
def test_weight_must_be_whole_grams(grams):
    with pytest.raises(LabelError):
        content(grams=grams)


@pytest.mark.parametrize("field", ["code", "qr_payload", "waste_name", "producer"])
def test_required_fields_must_not_be_empty(field):
    with pytest.raises(LabelError):
        content(**{field: "  "})


@pytest.mark.parametrize("waste_code", ["90024908", "900-249-8", "HW08"])
def test_waste_code_must_have_the_catalogue_shape(waste_code):
    with pytest.raises(LabelError):
        content(waste_code=waste_code)


def test_production_date_must_be_iso():
    with pytest.raises(LabelError):
        content(production_date="2026/11/23")


def test_content_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        content().grams = 1  # type: ignore[misc]


def test_trace_url_is_the_hub_page_for_the_code():
    assert trace_url("https://hub.example/", "ABC") == "https://hub.example/t/ABC"
