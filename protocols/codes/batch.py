"""HJ 1259-2022 ledger batch codes (批次编码), e.g. HWCS20211031001.

The shape "HW + pinyin initials of the step + YYYYMMDD + serial" comes from the standard's informative
Appendix B, so units may use their own; this is the form wastetrace writes. The serial is 3 digits in the
examples; a unit putting more than 999 containers a day through one step passes a wider `seq_length`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from protocols.codes.errors import CodeError

BATCH_PREFIXES: dict[str, str] = {
    "HWCS": "产生",
    "HWRK": "入库",
    "HWCK": "出库",
    "HWZXLY": "自行利用",
    "HWZXCZ": "自行处置",
    "HWWWLY": "委外利用",
    "HWWWCZ": "委外处置",
}
_WHAT = "批次编码"


class BatchCodeError(CodeError):
    """A malformed HJ 1259 batch code."""

    def __init__(self, part: str, detail: str) -> None:
        super().__init__(part, detail, what=_WHAT)


@dataclass(frozen=True, slots=True)
class BatchCode:
    prefix: str
    date: dt.date
    seq: int

    @property
    def step(self) -> str:
        """The ledger step in Chinese, e.g. '入库' for HWRK."""
        return BATCH_PREFIXES[self.prefix]


def batch_code(prefix: str, date: dt.date, seq: int, *, seq_length: int = 3) -> str:
    """E.g. batch_code('HWCS', date(2021, 10, 31), 1) == 'HWCS20211031001'."""
    if prefix not in BATCH_PREFIXES:
        raise BatchCodeError("prefix", f"{prefix!r} 不是已知前缀，应为 {'/'.join(BATCH_PREFIXES)}")
    if isinstance(date, dt.datetime) or not isinstance(date, dt.date):
        raise BatchCodeError("date", f"需要 datetime.date，得到 {type(date).__name__} (pass a date)")
    if not 1000 <= date.year <= 9999:
        raise BatchCodeError("date", f"年份 {date.year} 不是4位 (year must have 4 digits)")
    if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq < 10**seq_length:
        raise BatchCodeError("seq", f"序号应为 1–{10**seq_length - 1} 的整数，实际为 {seq!r}")
    return f"{prefix}{date:%Y%m%d}{seq:0{seq_length}d}"


def parse_batch_code(code: str, *, seq_length: int = 3) -> BatchCode:
    """Split and check a batch code; raises `BatchCodeError` naming the wrong part."""
    # Longest prefix first, so an unknown HWZX… is reported as a bad prefix and not mis-split.
    prefix = next((p for p in sorted(BATCH_PREFIXES, key=len, reverse=True) if code.startswith(p)), None)
    if prefix is None:
        raise BatchCodeError("prefix", f"{code!r} 不以已知前缀开头 ({'/'.join(BATCH_PREFIXES)})")
    rest = code[len(prefix) :]
    expected = 8 + seq_length
    if len(rest) != expected:
        raise BatchCodeError(
            "length",
            f"前缀 {prefix} 后应为{expected}位（日期8 + 序号{seq_length}），实际为{len(rest)}位 "
            f"(expected {len(prefix) + expected} characters in all, got {len(code)})",
        )
    date_text, seq_text = rest[:8], rest[8:]
    if not (date_text.isascii() and date_text.isdigit()):
        raise BatchCodeError("date", f"{date_text!r} 应为 YYYYMMDD 数字")
    try:
        date = dt.date(int(date_text[:4]), int(date_text[4:6]), int(date_text[6:]))
    except ValueError as exc:
        raise BatchCodeError("date", f"{date_text!r} 不是有效日期 (not a valid date: {exc})") from exc
    if not (seq_text.isascii() and seq_text.isdigit()) or int(seq_text) == 0:
        raise BatchCodeError("seq", f"序号 {seq_text!r} 应为从1开始的数字 (seq must be digits, from 1)")
    return BatchCode(prefix, date, int(seq_text))
