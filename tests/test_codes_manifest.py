import pytest

from protocols.codes.manifest import ManifestNumberError, manifest_number, parse_manifest_number


def test_build_is_14_digits() -> None:
    assert manifest_number(2024, "13", "06", 42) == "20241306000042"


def test_parse_round_trip() -> None:
    parsed = parse_manifest_number("20241306000042")
    assert (parsed.year, parsed.province, parsed.city, parsed.serial) == (2024, "13", "06", 42)
    assert parsed.number == "20241306000042"


def test_region_code_of_shipper_prefecture() -> None:
    assert parse_manifest_number("20241306000042").region_code == "130600"


@pytest.mark.parametrize(
    ("args", "part"),
    [
        ((24, "13", "06", 1), "year"),
        ((2024, "99", "06", 1), "province"),
        ((2024, "13", "00", 1), "city"),
        ((2024, "13", "6", 1), "city"),
        ((2024, "13", "06", 0), "serial"),
        ((2024, "13", "06", 1_000_000), "serial"),
    ],
)
def test_build_names_wrong_part(args: tuple[int, str, str, int], part: str) -> None:
    with pytest.raises(ManifestNumberError) as info:
        manifest_number(*args)
    assert info.value.part == part


@pytest.mark.parametrize(
    ("number", "part"),
    [
        ("2024130600004", "length"),
        ("202413060000421", "length"),
        ("2024130600004A", "length"),
        ("20249906000042", "province"),
        ("20241380000042", "city"),
        ("20241306000000", "serial"),
    ],
)
def test_parse_names_wrong_part(number: str, part: str) -> None:
    with pytest.raises(ManifestNumberError) as info:
        parse_manifest_number(number)
    assert info.value.part == part
