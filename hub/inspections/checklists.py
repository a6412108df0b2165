"""The checklist an inspection is made with: data a province may edit, versioned per region.

The checklist in force for a region is the newest version kept for that region, else for the city above it,
else the province, else the default (scope ""). With nothing kept at all, the default is the 固废专项
checklist shipped in this package (checklist_default.csv), as version 0. A new version never changes an
inspection already made: each inspection keeps a copy of the items it was made with.
"""

from __future__ import annotations

import csv
import functools
import importlib.resources
import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.core.errors import Conflict, Invalid
from hub.inspections.tables import InspectionChecklist
from hub.warnings.orders import parent_region
from protocols.codes import RegionCodeError, validate_region_code

DEFAULT_SCOPE = ""
DEFAULT_NAME = "危险废物规范化环境管理 固废专项检查表"
MAX_ITEMS = 200
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
TEXT_LIMITS = {"group": 60, "text_zh": 500, "text_en": 500, "basis": 500}


@dataclass(frozen=True, slots=True)
class Checklist:
    scope: str  # a region code, or "" for the default
    version: int  # 0: the shipped default, never stored
    name: str
    items: list[dict[str, Any]]
    recorded_ms: int | None = None
    recorded_by: str | None = None
    reason: str | None = None

    @property
    def region_code(self) -> str | None:
        return self.scope or None


@functools.cache
def _shipped() -> tuple[dict[str, Any], ...]:
    text = importlib.resources.files("hub.inspections").joinpath("checklist_default.csv").read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    return tuple({**r, "basis_approx": r["basis_approx"].strip().lower() == "true"} for r in rows)


def shipped_default() -> Checklist:
    return Checklist(DEFAULT_SCOPE, 0, DEFAULT_NAME, [dict(r) for r in _shipped()])


def check_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items as they will be kept, or Invalid naming the first one that is wrong."""
    if not items:
        raise Invalid("检查表至少要有一项 (a checklist needs at least one item)", "checklist")
    if len(items) > MAX_ITEMS:
        raise Invalid(f"检查表最多 {MAX_ITEMS} 项 (at most {MAX_ITEMS} items)", "checklist")
    seen: set[str] = set()
    out = []
    for i, item in enumerate(items):
        code = str(item.get("code", ""))
        if not CODE.fullmatch(code):
            raise Invalid(
                f"第 {i + 1} 项的编号不正确 (item {i + 1}: code must be 1–32 letters, digits, _ . -)",
                "checklist",
            )
        if code in seen:
            raise Invalid(f"编号 {code} 重复 (item code {code} appears twice)", "checklist")
        seen.add(code)
        kept: dict[str, Any] = {"code": code}
        for key, limit in TEXT_LIMITS.items():
            value = str(item.get(key) or "").strip()
            if not value and key in ("group", "text_zh"):
                raise Invalid(f"{code}：{key} 不能为空 ({code}: {key} must not be empty)", "checklist")
            if len(value) > limit:
                raise Invalid(f"{code}：{key} 最多 {limit} 字 ({code}: {key} too long)", "checklist")
            kept[key] = value
        kept["basis_approx"] = bool(item.get("basis_approx", False))
        out.append(kept)
    return out


def scope_of(region: str) -> str:
    """The scope a path names: "default", or a region code."""
    if region == "default":
        return DEFAULT_SCOPE
    try:
        validate_region_code(region)
    except RegionCodeError as exc:
        raise Invalid(f"行政区划代码 {region!r} 不正确 (a region code, or 'default')", "region") from exc
    return region


def _row(row: InspectionChecklist) -> Checklist:
    return Checklist(
        row.scope, row.version, row.name, json.loads(row.items), row.recorded_ms, row.recorded_by, row.reason
    )


def newest(session: Session, scope: str) -> Checklist | None:
    row = session.scalars(
        select(InspectionChecklist)
        .where(InspectionChecklist.scope == scope)
        .order_by(InspectionChecklist.version.desc())
        .limit(1)
    ).first()
    return _row(row) if row is not None else None


def name_of(session: Session, scope: str, version: int) -> str:
    """The name a kept version had (the shipped default's for version 0)."""
    row = session.get(InspectionChecklist, (scope, version))
    return row.name if row is not None else DEFAULT_NAME


def in_force(session: Session, region_code: str | None) -> Checklist:
    """The checklist for an enterprise of `region_code`: its district's, city's, province's, or default."""
    code = region_code
    while code:
        found = newest(session, code)
        if found is not None:
            return found
        code = parent_region(code)
    return newest(session, DEFAULT_SCOPE) or shipped_default()


def put(
    session: Session,
    scope: str,
    *,
    name: str,
    items: list[dict[str, Any]],
    by: str,
    now_ms: int,
    reason: str | None,
) -> Checklist:
    """A new version of the scope's checklist."""
    kept = check_items(items)
    before = newest(session, scope)
    row = InspectionChecklist(
        scope=scope,
        version=1 if before is None else before.version + 1,
        name=name.strip() or DEFAULT_NAME,
        items=json.dumps(kept, ensure_ascii=False),
        recorded_ms=now_ms,
        recorded_by=by,
        reason=reason,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError as exc:
        raise Conflict("检查表刚被他人修改，请刷新后重试 (changed by someone else just now; retry)") from exc
    return _row(row)
