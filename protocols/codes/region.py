"""GB/T 2260 administrative-division codes (行政区划代码): shape checks and containment.

A code is 6 digits: 1–2 province, 3–4 prefecture, 5–6 county. Only the shape is checked here, not
membership in the current list (codes are added and withdrawn every year, and a withdrawn code is never
reused, so old records keep their meaning). The hub uses `region_contains` to scope a regulator to a
province, a city or a district.

The published sub-ranges (prefecture 01–20/51–70 cities, 21–50 prefectures and leagues, 90
province-administered county-level units; county 01–18 districts, 21–80 counties, 81–99 county-level
cities) are only partly enforced: the county ranges are already broken by real codes (重庆 500119
南川区, 500120 璧山区, 500151 铜梁区), so any county part is accepted.
"""

from __future__ import annotations

from typing import Literal

PROVINCES: dict[str, str] = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
    "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省",
    "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区", "46": "海南省",
    "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区",
    "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
    "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}  # fmt: skip

RegionLevel = Literal["province", "city", "district"]


class RegionCodeError(ValueError):
    """A string that cannot be a GB/T 2260 region code."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"行政区划代码 {code!r} 无效: {reason}")
        self.code = code
        self.reason = reason


def is_valid_prefecture_part(part: str) -> bool:
    """Digits 3–4 below province level: 01–70 (cities, prefectures, leagues) or 90 (直辖县级)."""
    return len(part) == 2 and part.isascii() and part.isdigit() and (1 <= int(part) <= 70 or part == "90")


def validate_region_code(code: str) -> None:
    """Raise `RegionCodeError` with the reason if `code` cannot be a GB/T 2260 code."""
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        raise RegionCodeError(code, f"应为6位数字 (must be 6 digits, got {len(code)} characters)")
    province, prefecture, county = code[:2], code[2:4], code[4:]
    if province not in PROVINCES:
        raise RegionCodeError(code, f"前两位 {province} 不是省级代码 (digits 1–2 are not a province code)")
    if prefecture == "00":
        if county != "00":
            raise RegionCodeError(code, "地市部分为00时县级部分也应为00 (a province-level code ends in 0000)")
        return
    if not is_valid_prefecture_part(prefecture):
        raise RegionCodeError(
            code,
            f"第3–4位 {prefecture} 不在 01–70 或 90 范围内 "
            f"(digits 3–4 must be 01–70 or 90, got {prefecture})",
        )


def region_level(code: str) -> RegionLevel:
    """'province' for XX0000, 'city' for XXYY00 (including the 90 grouping), otherwise 'district'."""
    validate_region_code(code)
    if code[2:] == "0000":
        return "province"
    if code[4:] == "00":
        return "city"
    return "district"


_PREFIX_LENGTH: dict[RegionLevel, int] = {"province": 2, "city": 4, "district": 6}


def region_contains(scope: str, code: str) -> bool:
    """Whether `code` lies inside `scope` (a region contains itself): 130000 contains 130600 and 130602."""
    validate_region_code(code)
    prefix = _PREFIX_LENGTH[region_level(scope)]
    return code[:prefix] == scope[:prefix]
