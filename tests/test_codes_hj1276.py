import datetime as dt

import pytest

from protocols.codes.errors import CodeError
from protocols.codes.hj1276 import (
    DEFAULT_LAYOUT,
    HJ608_LAYOUT,
    CodeLayout,
    LayoutError,
    build_code,
    china_date_from_ms,
    format_waste_code,
    parse_code,
)

USCC = "91130200699229617X"
DAY = dt.date(2024, 3, 5)
CODE = "91130200699229617X9002490820240305007"


def test_default_layout_is_37_characters() -> None:
    assert DEFAULT_LAYOUT.length == 37
    assert HJ608_LAYOUT.length == 37


def test_build_default_layout() -> None:
    assert build_code(USCC, "900-249-08", DAY, 7) == CODE


def test_build_accepts_waste_code_without_hyphens() -> None:
    assert build_code(USCC, "90024908", DAY, 7) == CODE


def test_parse_default_layout() -> None:
    parsed = parse_code(CODE)
    assert (parsed.unit, parsed.waste_code, parsed.date, parsed.seq) == (USCC, "900-249-08", DAY, 7)
    assert parsed.category == "HW08"
    assert parsed.warnings == ()


@pytest.mark.parametrize(
    "layout",
    [
        DEFAULT_LAYOUT,
        CodeLayout(date_format="YYMMDD", waste_length=10),
        CodeLayout(seq_length=5, date_format="YYMMDD"),
        CodeLayout(unit_length=22, date_format="YYMMDD"),
    ],
)
def test_round_trip(layout: CodeLayout) -> None:
    unit = USCC + "001P" if layout.unit_length == 22 else USCC
    code = build_code(unit, "900-041-49", DAY, 42, layout)
    assert len(code) == layout.length
    parsed = parse_code(code, layout)
    assert (parsed.unit, parsed.waste_code, parsed.date, parsed.seq) == (unit, "900-041-49", DAY, 42)


def test_yymm_layout_parses_to_first_of_month() -> None:
    code = build_code(USCC + "001P", "900-041-49", DAY, 1, HJ608_LAYOUT)
    assert code == USCC + "001P" + "90004149" + "2403" + "001"
    assert parse_code(code, HJ608_LAYOUT).date == dt.date(2024, 3, 1)


def test_hyphenated_layout_keeps_hyphens() -> None:
    layout = CodeLayout(waste_length=10, date_format="YYMMDD")
    assert build_code(USCC, "90024908", DAY, 7, layout) == USCC + "900-249-08" + "240305" + "007"


def test_unit_with_wrong_check_char_is_a_warning() -> None:
    code = build_code("91350211M0000XUF46", "900-249-08", DAY, 1)
    parsed = parse_code(code)
    assert parsed.unit == "91350211M0000XUF46"
    assert len(parsed.warnings) == 1 and "R" in parsed.warnings[0]


@pytest.mark.parametrize("length", [36, 38])
def test_wrong_length_names_expected_and_actual(length: int) -> None:
    code = (CODE + "1")[:length]
    with pytest.raises(CodeError, match=f"expected 37 characters, got {length}") as info:
        parse_code(code)
    assert info.value.part == "length"


@pytest.mark.parametrize(
    ("code", "part"),
    [
        ("91130200699229617Y" + CODE[18:], None),  # check char only: warning, not an error
        ("9113020069922961IX" + CODE[18:], "unit"),  # I is uppercase but not in the USCC alphabet
        ("911302006992296170" + CODE[18:], None),
        ("91A30200699229617X" + CODE[18:], "unit"),
        (USCC + "90024999" + CODE[26:], "waste_code"),
        (USCC + "90024942" + CODE[26:], "waste_code"),
        (USCC + "90024908" + "20240230" + "007", "date"),
        (USCC + "90024908" + "19990101" + "007", "date"),
        (USCC + "90024908" + "20240305" + "000", "seq"),
        (CODE.lower(), "characters"),
        (" " + CODE[1:], "characters"),
    ],
)
def test_each_wrong_part_is_named(code: str, part: str | None) -> None:
    if part is None:
        parse_code(code)
        return
    with pytest.raises(CodeError) as info:
        parse_code(code)
    assert info.value.part == part
    assert f"[{part}]" in str(info.value)


def test_lowercase_message_says_uppercase() -> None:
    with pytest.raises(CodeError, match="大写"):
        parse_code(CODE.lower())


@pytest.mark.parametrize(
    ("unit", "waste", "date", "seq", "part"),
    [
        ("9113020069922961", "900-249-08", DAY, 1, "unit"),
        ("91A30200699229617X", "900-249-08", DAY, 1, "unit"),
        (USCC, "900-249-4", DAY, 1, "waste_code"),
        (USCC, "900-249-00", DAY, 1, "waste_code"),
        (USCC, "900 249 08", DAY, 1, "waste_code"),
        (USCC, "900-249-08", dt.datetime(2024, 3, 5, 12), 1, "date"),
        (USCC, "900-249-08", dt.date(2100, 1, 1), 1, "date"),
        (USCC, "900-249-08", DAY, 0, "seq"),
        (USCC, "900-249-08", DAY, 1000, "seq"),
        (USCC, "900-249-08", DAY, True, "seq"),
    ],
)
def test_build_refuses_each_wrong_part(unit: str, waste: str, date: dt.date, seq: int, part: str) -> None:
    with pytest.raises(CodeError) as info:
        build_code(unit, waste, date, seq)
    assert info.value.part == part


def test_build_refuses_hj608_unit_without_p() -> None:
    with pytest.raises(CodeError, match="P") as info:
        build_code(USCC + "001X", "900-249-08", DAY, 1, HJ608_LAYOUT)
    assert info.value.part == "unit"


def test_largest_seq_fits() -> None:
    assert build_code(USCC, "900-249-08", DAY, 999).endswith("999")


@pytest.mark.parametrize(
    "kwargs", [{"waste_length": 9}, {"date_format": "DDMMYY"}, {"seq_length": 0}, {"unit_length": 0}]
)
def test_impossible_layout_is_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(LayoutError):
        CodeLayout(**kwargs)  # type: ignore[arg-type]


def test_format_waste_code_inserts_hyphens() -> None:
    assert format_waste_code("90004149") == "900-041-49"


def test_china_date_rolls_over_at_16_utc() -> None:
    # 2024-03-04T16:00:00Z is already 2024-03-05 in Beijing.
    assert china_date_from_ms(1709568000000) == dt.date(2024, 3, 5)
    assert china_date_from_ms(1709567999999) == dt.date(2024, 3, 4)
