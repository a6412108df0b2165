"""What an HJ 1276-2022 hazardous-waste label says (危险废物标签), checked before anything is printed.

The field list follows the label template as implementations print it (废物名称 … 备注, 数字识别码, 二维码);
regulatory.md §1 notes that the standard's exact template is not confirmed, so the layout that places these
fields is data (protocols/label/layout.py), not code.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, fields

# 危险特性 codes of the 国家危险废物名录 and the words printed beside them.
HAZARD_NAMES: dict[str, str] = {"T": "毒性", "C": "腐蚀性", "I": "易燃性", "R": "反应性", "In": "感染性"}

_WASTE_CODE = re.compile(r"^\d{3}-\d{3}-\d{2}$")
_REQUIRED = ("waste_name", "category", "waste_code", "code", "producer", "production_date", "qr_payload")


class LabelError(ValueError):
    """Label content that must not be printed as it stands."""


def format_kg(grams: int) -> str:
    """Integer grams as kilograms with up to three decimals, exactly: 12345 → "12.345 kg", 500 → "0.5 kg"."""
    if not isinstance(grams, int) or isinstance(grams, bool) or grams < 0:
        raise LabelError(f"weight must be whole grams >= 0, got {grams!r}")
    kg, rest = divmod(grams, 1000)
    if rest == 0:
        return f"{kg} kg"
    return f"{kg}.{rest:03d}".rstrip("0") + " kg"


@dataclass(frozen=True, slots=True, kw_only=True)
class LabelContent:
    waste_name: str  # 废物名称
    category: str  # 废物类别, e.g. "HW08 废矿物油与含矿物油废物"
    waste_code: str  # 废物代码, e.g. "900-249-08"
    form: str  # 废物形态, e.g. "液态"
    hazards: tuple[str, ...]  # 危险特性: codes from HAZARD_NAMES
    main_components: str  # 主要成分
    harmful_components: str  # 有害成分
    precautions: str  # 注意事项
    code: str  # 数字识别码
    producer: str  # 产生/收集单位
    contact: str  # 联系人和联系方式
    production_date: str  # 产生日期, ISO "2026-11-23"
    grams: int  # 废物重量
    remark: str  # 备注
    qr_payload: str  # what the QR encodes: the trace page URL https://hub/t/{code}
    reprint: bool = False  # a reprinted label is marked 补打

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name not in ("hazards", "grams", "reprint") and not isinstance(value, str):
                raise LabelError(f"{f.name} must be text, got {type(value).__name__}")
        for name in _REQUIRED:
            if not getattr(self, name).strip():
                raise LabelError(f"{name} must not be empty")
        if not _WASTE_CODE.match(self.waste_code):
            raise LabelError(f"waste_code must look like 900-249-08, got {self.waste_code!r}")
        hazards = tuple(self.hazards)
        if not hazards:
            raise LabelError("a hazardous waste has at least one hazard characteristic (T, C, I, R, In)")
        unknown = [h for h in hazards if h not in HAZARD_NAMES]
        if unknown:
            raise LabelError(f"unknown hazard codes {unknown}; known: {', '.join(HAZARD_NAMES)}")
        if len(set(hazards)) != len(hazards):
            raise LabelError(f"hazard codes repeat: {hazards}")
        object.__setattr__(self, "hazards", hazards)
        format_kg(self.grams)
        try:
            dt.date.fromisoformat(self.production_date)
        except ValueError as exc:
            raise LabelError(f"production_date must be YYYY-MM-DD, got {self.production_date!r}") from exc
        if not isinstance(self.reprint, bool):
            raise LabelError(f"reprint must be True or False, got {self.reprint!r}")

    def display(self, field: str) -> str:
        """The text printed for one field: weights in kg, hazards as words with their codes."""
        if field == "grams":
            return format_kg(self.grams)
        if field == "hazards":
            return "、".join(f"{HAZARD_NAMES[h]}({h})" for h in self.hazards)
        if field == "reprint":
            return "补打" if self.reprint else ""
        return str(getattr(self, field))


def trace_url(hub_base_url: str, code: str) -> str:
    """The QR payload: the page a phone opens to see the bag's history (GET /t/{code} on the hub)."""
    return f"{hub_base_url.rstrip('/')}/t/{code}"
