"""The error raised for a malformed identifier, naming the part that is wrong."""

from __future__ import annotations

PART_LABELS: dict[str, str] = {
    "characters": "字符",
    "length": "长度",
    "unit": "单位代码",
    "waste_code": "废物代码",
    "date": "日期",
    "seq": "序号",
    "prefix": "批次类型前缀",
    "year": "年份",
    "province": "省级代码",
    "city": "地市代码",
    "serial": "流水号",
}


class CodeError(ValueError):
    """A code, or one part of it, is malformed. `part` names the part (a key of `PART_LABELS`)."""

    def __init__(self, part: str, detail: str, *, what: str = "数字识别码") -> None:
        label = PART_LABELS.get(part, part)
        super().__init__(f"{what}{label}错误 [{part}]: {detail}")
        self.part = part
        self.detail = detail
