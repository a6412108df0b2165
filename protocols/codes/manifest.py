"""Numbers of electronic transfer manifests (转移联单编号), 危险废物转移管理办法 (令第23号) §15.

14 digits: 4 year + 2 province + 2 prefecture (GB/T 2260, of the shipper's location) + 6 serial counted
per prefecture. The serial is issued by the national system; this module only builds and checks shapes.
"""

from __future__ import annotations

from dataclasses import dataclass

from protocols.codes.errors import CodeError
from protocols.codes.region import PROVINCES, is_valid_prefecture_part

MANIFEST_NUMBER_LENGTH = 14
_WHAT = "转移联单编号"


class ManifestNumberError(CodeError):
    """A malformed transfer-manifest number."""

    def __init__(self, part: str, detail: str) -> None:
        super().__init__(part, detail, what=_WHAT)


@dataclass(frozen=True, slots=True)
class ManifestNumber:
    year: int
    province: str
    city: str
    serial: int

    @property
    def number(self) -> str:
        return f"{self.year:04d}{self.province}{self.city}{self.serial:06d}"

    @property
    def region_code(self) -> str:
        """The shipper's prefecture as a 6-digit GB/T 2260 code, e.g. '130600'."""
        return f"{self.province}{self.city}00"


def _check_parts(year: int, province: str, city: str, serial: int) -> None:
    if isinstance(year, bool) or not isinstance(year, int) or not 1000 <= year <= 9999:
        raise ManifestNumberError("year", f"年份应为4位整数，实际为 {year!r} (year must be a 4-digit int)")
    if province not in PROVINCES:
        raise ManifestNumberError("province", f"{province!r} 不是省级代码 (not a GB/T 2260 province code)")
    if not is_valid_prefecture_part(city):
        raise ManifestNumberError(
            "city", f"{city!r} 应为2位地市代码 01–70 或 90 (prefecture part must be 01–70 or 90)"
        )
    if isinstance(serial, bool) or not isinstance(serial, int) or not 1 <= serial <= 999_999:
        raise ManifestNumberError("serial", f"流水号应为 1–999999，实际为 {serial!r}")


def manifest_number(year: int, province: str, city: str, serial: int) -> str:
    """E.g. manifest_number(2024, '13', '06', 42) == '20241306000042'."""
    _check_parts(year, province, city, serial)
    return ManifestNumber(year, province, city, serial).number


def parse_manifest_number(number: str) -> ManifestNumber:
    """Split and check a manifest number; raises `ManifestNumberError` naming the wrong part."""
    if len(number) != MANIFEST_NUMBER_LENGTH or not (number.isascii() and number.isdigit()):
        raise ManifestNumberError(
            "length",
            f"应为14位数字，实际为 {number!r}（{len(number)}位） "
            f"(expected 14 digits, got {len(number)} characters)",
        )
    serial = int(number[8:])
    _check_parts(int(number[:4]), number[4:6], number[6:8], serial)
    return ManifestNumber(int(number[:4]), number[4:6], number[6:8], serial)
