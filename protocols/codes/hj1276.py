"""The 数字识别码 (digital identification code) printed on an HJ 1276-2022 hazardous-waste label.

Secondary sources say it has 4 segments and 37 characters: the generating or collecting unit's code, the
waste code, the generation/collection date and the waste's sequence number. The length of each segment
is UNCONFIRMED (the official text was not available), so the layout is a value, `CodeLayout`, and every
function takes one. The default is 18 (统一社会信用代码) + 8 (waste code without hyphens) + 8 (YYYYMMDD)
+ 3 (sequence) = 37. See docs/identification-code.md for the alternatives and how to switch.

Only uppercase is accepted and nothing is stripped: a code that arrives with a space or in lowercase was
mangled on the way, and guessing what it meant could attach a weight to the wrong bag.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from protocols.china_time import china_date
from protocols.codes.errors import CodeError
from protocols.codes.uscc import validate_uscc

DateFormat = Literal["YYYYMMDD", "YYMMDD", "YYMM"]
DATE_LENGTHS: dict[str, int] = {"YYYYMMDD": 8, "YYMMDD": 6, "YYMM": 4}
# Two-digit years can only mean 2000–2099; the four-digit form is held to the same window so that a
# date typed as 19xx or 21xx is caught rather than labelled.
MIN_YEAR, MAX_YEAR = 2000, 2099
# HW01–HW50; HW41–HW44 were removed from the 名录 in 2016 and are absent from the 2021 edition.
WASTE_CATEGORIES = frozenset(f"{n:02d}" for n in (*range(1, 41), *range(45, 51)))
_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")


class LayoutError(ValueError):
    """A `CodeLayout` that cannot describe a code (a configuration mistake, not bad input)."""


@dataclass(frozen=True, slots=True)
class CodeLayout:
    """Segment lengths of the 数字识别码.

    unit_length: 18 = 统一社会信用代码 (checked as one), 22 = HJ 608 固定污染源代码 (USCC + 3 digits + "P"),
    any other length = digits and uppercase letters. waste_length: 8 = digits only ("90024908"), 10 = as
    printed ("900-249-08"). date_format: "YYYYMMDD", "YYMMDD" or "YYMM" (a YYMM code parses to the 1st
    of the month). seq_length: digits of the zero-padded sequence number.
    """

    unit_length: int = 18
    waste_length: int = 8
    date_format: DateFormat = "YYYYMMDD"
    seq_length: int = 3

    def __post_init__(self) -> None:
        if not 1 <= self.unit_length <= 64:
            raise LayoutError(f"unit_length must be 1–64, got {self.unit_length}")
        if self.waste_length not in (8, 10):
            raise LayoutError(
                f"waste_length must be 8 (digits) or 10 (with hyphens), got {self.waste_length}"
            )
        if self.date_format not in DATE_LENGTHS:
            raise LayoutError(f"date_format must be one of {sorted(DATE_LENGTHS)}, got {self.date_format!r}")
        if not 1 <= self.seq_length <= 9:
            raise LayoutError(f"seq_length must be 1–9, got {self.seq_length}")

    @property
    def date_length(self) -> int:
        return DATE_LENGTHS[self.date_format]

    @property
    def length(self) -> int:
        return self.unit_length + self.waste_length + self.date_length + self.seq_length

    @property
    def max_seq(self) -> int:
        return 10**self.seq_length - 1

    def describe(self) -> str:
        """E.g. '单位代码18 + 废物代码8 + 日期8(YYYYMMDD) + 序号3 = 37'."""
        return (
            f"单位代码{self.unit_length} + 废物代码{self.waste_length} + 日期{self.date_length}"
            f"({self.date_format}) + 序号{self.seq_length} = {self.length}"
        )


DEFAULT_LAYOUT = CodeLayout()
# The other arithmetic candidate for 37: HJ 608 code (22) + waste code (8) + YYMM (4) + sequence (3).
HJ608_LAYOUT = CodeLayout(unit_length=22, date_format="YYMM")


@dataclass(frozen=True, slots=True)
class IdentificationCode:
    """A parsed 数字识别码. `warnings` are things worth showing but not worth refusing the bag for."""

    code: str
    unit: str
    waste_code: str
    date: dt.date
    seq: int
    warnings: tuple[str, ...] = ()
    layout: CodeLayout = field(default=DEFAULT_LAYOUT, compare=False)

    @property
    def category(self) -> str:
        """The HW category, e.g. 'HW08' for 900-249-08."""
        return "HW" + self.waste_code[-2:]


def waste_code_digits(waste_code: str) -> str:
    """'900-249-08' or '90024908' → '90024908'; anything else raises `CodeError` (part 'waste_code')."""
    if len(waste_code) == 10 and waste_code[3] == "-" and waste_code[7] == "-":
        digits = waste_code[:3] + waste_code[4:7] + waste_code[8:]
    elif len(waste_code) == 8:
        digits = waste_code
    else:
        raise CodeError(
            "waste_code",
            f"应为 NNN-NNN-NN 或8位数字，实际为 {waste_code!r} (expected NNN-NNN-NN or 8 digits)",
        )
    if not (digits.isascii() and digits.isdigit()):
        raise CodeError("waste_code", f"{waste_code!r} 含有非数字字符 (waste code must be digits)")
    if digits[-2:] not in WASTE_CATEGORIES:
        raise CodeError(
            "waste_code",
            f"{waste_code!r} 末两位 {digits[-2:]} 不是危险废物类别 HW01–HW40/HW45–HW50 "
            f"(last two digits must be a category 01–40 or 45–50)",
        )
    return digits


def format_waste_code(waste_code: str) -> str:
    """'90024908' or '900-249-08' → '900-249-08' (the form printed in the 名录)."""
    d = waste_code_digits(waste_code)
    return f"{d[:3]}-{d[3:6]}-{d[6:]}"


def china_date_from_ms(time_ms: int) -> dt.date:
    """The calendar date in China (UTC+8, no daylight saving) of a UTC millisecond timestamp."""
    return china_date(time_ms)


def _check_unit(unit: str, layout: CodeLayout) -> tuple[str, ...]:
    if len(unit) != layout.unit_length:
        raise CodeError(
            "unit",
            f"应为{layout.unit_length}位，实际为{len(unit)}位 "
            f"(expected {layout.unit_length} characters, got {len(unit)})",
        )
    if layout.unit_length in (18, 22):
        result = validate_uscc(unit[:18])
        if not result.well_formed:
            raise CodeError("unit", "统一社会信用代码格式错误: " + "; ".join(result.problems))
        if layout.unit_length == 22 and not (unit[18:21].isdigit() and unit[21] == "P"):
            raise CodeError(
                "unit",
                f"HJ 608 代码应以3位数字加 P 结尾，实际为 {unit[18:]!r} "
                f"(an HJ 608 code ends in 3 digits and 'P')",
            )
        return result.problems
    bad = sorted({c for c in unit if c not in _ALNUM})
    if bad:
        raise CodeError("unit", f"只允许数字和大写字母，含有 {''.join(bad)!r} (digits and uppercase only)")
    return ()


def _check_date(date: dt.date, layout: CodeLayout) -> str:
    if isinstance(date, dt.datetime) or not isinstance(date, dt.date):
        raise CodeError(
            "date",
            f"需要 datetime.date，得到 {type(date).__name__} "
            "(pass a date: which day a datetime falls on depends on the time zone)",
        )
    if not MIN_YEAR <= date.year <= MAX_YEAR:
        raise CodeError("date", f"年份 {date.year} 不在 {MIN_YEAR}–{MAX_YEAR} (year out of range)")
    if layout.date_format == "YYYYMMDD":
        return f"{date.year:04d}{date.month:02d}{date.day:02d}"
    if layout.date_format == "YYMMDD":
        return f"{date.year % 100:02d}{date.month:02d}{date.day:02d}"
    return f"{date.year % 100:02d}{date.month:02d}"


def _parse_date(text: str, layout: CodeLayout) -> dt.date:
    if not (text.isascii() and text.isdigit()):
        raise CodeError("date", f"{text!r} 应为数字 ({layout.date_format} must be digits)")
    if layout.date_format == "YYYYMMDD":
        year, month, day = int(text[:4]), int(text[4:6]), int(text[6:])
    elif layout.date_format == "YYMMDD":
        year, month, day = 2000 + int(text[:2]), int(text[2:4]), int(text[4:])
    else:
        year, month, day = 2000 + int(text[:2]), int(text[2:]), 1
    try:
        date = dt.date(year, month, day)
    except ValueError as exc:
        raise CodeError(
            "date", f"{text!r} 不是有效日期 (not a valid {layout.date_format} date: {exc})"
        ) from exc
    if not MIN_YEAR <= date.year <= MAX_YEAR:
        raise CodeError("date", f"年份 {date.year} 不在 {MIN_YEAR}–{MAX_YEAR} (year out of range)")
    return date


def _check_seq(seq: int, layout: CodeLayout) -> str:
    if isinstance(seq, bool) or not isinstance(seq, int):
        raise CodeError("seq", f"序号应为整数，得到 {type(seq).__name__} (seq must be an int)")
    if not 1 <= seq <= layout.max_seq:
        raise CodeError(
            "seq",
            f"序号应在 1–{layout.max_seq}，实际为 {seq} "
            f"(seq must be 1–{layout.max_seq} for {layout.seq_length} digits)",
        )
    return f"{seq:0{layout.seq_length}d}"


def build_code(
    unit: str, waste_code: str, date: dt.date, seq: int, layout: CodeLayout = DEFAULT_LAYOUT
) -> str:
    """Assemble a 数字识别码, checking every part. A USCC with a wrong check character is accepted."""
    _check_unit(unit, layout)
    digits = waste_code_digits(waste_code)
    waste = format_waste_code(digits) if layout.waste_length == 10 else digits
    return unit + waste + _check_date(date, layout) + _check_seq(seq, layout)


def _check_characters(code: str, layout: CodeLayout) -> None:
    allowed = _ALNUM | {"-"} if layout.waste_length == 10 else _ALNUM
    for position, char in enumerate(code, start=1):
        if char in allowed:
            continue
        if char.islower():
            hint = "只接受大写字母 (lowercase is not accepted; labels use uppercase only)"
        elif char.isspace():
            hint = "含有空白字符 (contains whitespace; nothing is stripped)"
        else:
            hint = "只允许数字和大写字母 (only digits and uppercase letters are allowed)"
        raise CodeError("characters", f"第{position}位字符 {char!r} 不允许：{hint}")


def parse_code(code: str, layout: CodeLayout = DEFAULT_LAYOUT) -> IdentificationCode:
    """Split and check a 数字识别码. Raises `CodeError` naming the wrong part."""
    if not isinstance(code, str):
        raise CodeError("characters", f"需要字符串，得到 {type(code).__name__} (code must be a str)")
    _check_characters(code, layout)
    if len(code) != layout.length:
        raise CodeError(
            "length",
            f"应为{layout.length}位，实际为{len(code)}位（{layout.describe()}） "
            f"(expected {layout.length} characters, got {len(code)})",
        )
    u, w, d = layout.unit_length, layout.waste_length, layout.date_length
    unit, waste, date_text, seq_text = code[:u], code[u : u + w], code[u + w : u + w + d], code[u + w + d :]
    warnings = _check_unit(unit, layout)
    if layout.waste_length == 10 and (waste[3] != "-" or waste[7] != "-"):
        raise CodeError("waste_code", f"{waste!r} 应为 NNN-NNN-NN (expected NNN-NNN-NN)")
    waste_code = format_waste_code(waste)
    date = _parse_date(date_text, layout)
    if not seq_text.isdigit():
        raise CodeError("seq", f"序号 {seq_text!r} 应为数字 (seq must be digits)")
    seq = int(seq_text)
    if seq == 0:
        raise CodeError("seq", f"序号从1开始，实际为 {seq_text!r} (seq starts at 1)")
    return IdentificationCode(code, unit, waste_code, date, seq, warnings, layout)
