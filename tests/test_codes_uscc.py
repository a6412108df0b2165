import pytest

from protocols.codes.uscc import (
    USCC_ALPHABET,
    UsccError,
    require_well_formed_uscc,
    uscc_check_char,
    validate_uscc,
)


@pytest.mark.parametrize("code", ["91110000101623741K", "91130200699229617X"])
def test_published_codes_are_valid(code: str) -> None:
    result = validate_uscc(code)
    assert result.well_formed and result.check_ok
    assert result.problems == ()


def test_check_char_is_computed_from_first_17() -> None:
    assert uscc_check_char("91110000101623741") == "K"


def test_check_char_can_be_zero() -> None:
    # 31 - (sum mod 31) == 31 maps to '0'; find a prefix that hits it by varying the last character.
    for c in USCC_ALPHABET:
        if uscc_check_char("9111000010162374" + c) == "0":
            return
    pytest.fail("no prefix gave check character 0")


def test_wrong_check_char_reports_expected_one() -> None:
    result = validate_uscc("91350100M000100Y4Z")
    assert not result.check_ok
    assert result.expected_check == "3"


def test_real_code_failing_check_is_well_formed_with_warning() -> None:
    result = validate_uscc("91350211M0000XUF46")
    assert result.well_formed
    assert not result.check_ok
    assert result.expected_check == "R"
    assert any("校验码" in p for p in result.problems)


def test_require_well_formed_accepts_bad_check_char() -> None:
    assert require_well_formed_uscc("91350211M0000XUF46").check_ok is False


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("9111000010162374", "18"),
        ("91110000101623741K0", "18"),
        ("91110000101623741k", "小写"),
        ("9111000010I623741K", "'I'"),
        ("91A10000101623741K", "3–8"),
    ],
)
def test_malformed_code_raises_with_reason(code: str, words: str) -> None:
    with pytest.raises(UsccError, match=words):
        require_well_formed_uscc(code)


def test_malformed_code_is_not_well_formed() -> None:
    assert validate_uscc("91 10000101623741K").well_formed is False


def test_region_code_is_positions_3_to_8() -> None:
    assert validate_uscc("91130200699229617X").region_code == "130200"


def test_check_char_needs_17_characters() -> None:
    with pytest.raises(UsccError, match="17"):
        uscc_check_char("9111")
