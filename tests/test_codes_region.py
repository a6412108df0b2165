import pytest

from protocols.codes.region import RegionCodeError, region_contains, region_level, validate_region_code


@pytest.mark.parametrize("code", ["130000", "130600", "130602", "500119", "429004", "110101", "820000"])
def test_real_codes_are_accepted(code: str) -> None:
    validate_region_code(code)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("13060", "6位"),
        ("1306021", "6位"),
        ("13O602", "6位"),
        ("990000", "省级"),
        ("100000", "省级"),
        ("130001", "0000"),
        ("137500", "01–70"),
        ("139900", "01–70"),
    ],
)
def test_impossible_codes_are_refused_with_reason(code: str, reason: str) -> None:
    with pytest.raises(RegionCodeError, match=reason) as info:
        validate_region_code(code)
    assert info.value.code == code


@pytest.mark.parametrize(
    ("code", "level"),
    [("130000", "province"), ("130600", "city"), ("130602", "district"), ("429000", "city")],
)
def test_level_follows_trailing_zeros(code: str, level: str) -> None:
    assert region_level(code) == level


@pytest.mark.parametrize("code", ["130000", "130600", "130602"])
def test_province_contains_its_cities_and_districts(code: str) -> None:
    assert region_contains("130000", code)


def test_city_contains_its_district() -> None:
    assert region_contains("130600", "130602")


def test_city_does_not_contain_sibling_city_district() -> None:
    assert not region_contains("130600", "130102")


def test_province_does_not_contain_other_province() -> None:
    assert not region_contains("130000", "110101")


def test_district_contains_only_itself() -> None:
    assert region_contains("130602", "130602")
    assert not region_contains("130602", "130600")


def test_containment_checks_both_codes() -> None:
    with pytest.raises(RegionCodeError):
        region_contains("130000", "13060")
    with pytest.raises(RegionCodeError):
        region_contains("1300", "130602")
