"""Operators' annual 经营计划 (危险废物经营单位年度经营计划): per waste code and 利用/处置方式, what a
licensed receiver plans to receive and to utilise or dispose of in the year, filed with its 备案 documents
and shown against what it actually received and disposed of (the statistics' rollups, so no event is
scanned).

A plan stays within the enterprise's licences: every waste code must be approved by a licence in force at
some time in the year, and the planned utilisation and disposal together may not exceed the annual capacity
of those licences (核准经营规模).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from sqlalchemy.orm import Session

from hub.attachments.tables import Attachment
from hub.core.errors import Invalid
from hub.core.versions import append, current
from hub.registry.checks import check_waste_codes
from hub.registry.enterprises import EnterpriseInfo
from hub.registry.filed_documents import document, documents, file_documents
from hub.registry.licences import licences_of
from hub.registry.records import bookkeeping
from hub.registry.tables import OperationPlanAttachment, OperationPlanVersion
from hub.stats import figures, rollup

# 利用/处置方式 codes as the 名录 and HJ 1259 write them: R (利用), D (处置) or C (协同处置, 清洗 …) and a
# number. Only the form is checked; the province's own list of codes is not confirmed (docs/declarations.md).
METHOD = re.compile(r"^[RDC][1-9][0-9]?$")


def _year_period(year: int) -> figures.Period:
    return figures.Period(year * 10_000 + 101, year * 10_000 + 1231)


def licences_in_year(session: Session, enterprise_id: int, year: int) -> list[dict[str, Any]]:
    """The enterprise's active licences in force at some time in `year`."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return [
        lic
        for lic in licences_of(session, enterprise_id)
        if lic["active"]
        and dt.date.fromisoformat(lic["valid_from"]) <= last
        and dt.date.fromisoformat(lic["valid_to"]) >= first
    ]


def check_lines(session: Session, ent: EnterpriseInfo, year: int, lines: list[dict[str, Any]]) -> None:
    if "receiver" not in ent.roles:
        raise Invalid("只有持证的利用处置单位编制经营计划 (only a licensed receiver files an operation plan)")
    if not 2000 <= year <= 2100:
        raise Invalid(f"年度 {year} 不合理 (year must be 2000–2100)")
    check_waste_codes([line["waste_code"] for line in lines])
    seen: set[tuple[str, str]] = set()
    for line in lines:
        key = (line["waste_code"], line["method"])
        if not METHOD.match(line["method"]):
            raise Invalid(f"利用/处置方式 {line['method']!r} 应如 R4、D10、C1 (method, e.g. R4, D10, C1)")
        if key in seen:
            raise Invalid(f"{key[0]} {key[1]} 重复列出 (a waste code and method appear twice)")
        seen.add(key)
        if line["planned_receive_grams"] <= 0 and line["planned_process_grams"] <= 0:
            raise Invalid(f"{key[0]} 的计划量应大于0克 (plan more than 0 g to receive or process)")
    held = licences_in_year(session, ent.id, year)
    approved = {code for lic in held for code in lic["waste_codes"]}
    outside = sorted({line["waste_code"] for line in lines} - approved)
    if outside:
        raise Invalid(
            f"{', '.join(outside)} 不在{year}年有效的经营许可证核准范围内 "
            f"(not approved by a licence in force in {year})"
        )
    capacity = sum(lic["annual_capacity_grams"] for lic in held)
    planned = sum(line["planned_process_grams"] for line in lines)
    if planned > capacity:
        raise Invalid(
            f"计划利用处置量 {planned / 1e6:.3f} 吨超过核准经营规模 {capacity / 1e6:.3f} 吨 "
            f"(planned processing exceeds the licensed annual capacity)"
        )


def _view(session: Session, v: OperationPlanVersion) -> dict[str, Any]:
    period, ids = _year_period(v.year), {v.enterprise_id}
    received = figures.by_waste_code(session, ids, rollup.RECEIVED, period)
    processed = figures.by_waste_code(session, ids, rollup.DISPOSED, period)
    lines = json.loads(v.lines)
    return {
        "year": v.year,
        "lines": lines,
        "by_waste_code": [
            {
                "waste_code": code,
                "planned_receive_grams": sum(
                    x["planned_receive_grams"] for x in lines if x["waste_code"] == code
                ),
                "planned_process_grams": sum(
                    x["planned_process_grams"] for x in lines if x["waste_code"] == code
                ),
                "received_grams": received.get(code, 0),
                "processed_grams": processed.get(code, 0),
            }
            for code in sorted({x["waste_code"] for x in lines})
        ],
        "licensed_capacity_grams": sum(
            lic["annual_capacity_grams"] for lic in licences_in_year(session, v.enterprise_id, v.year)
        ),
        "attachments": documents(
            session, OperationPlanAttachment, v.enterprise_id, v.year, "operation-plans"
        ),
        **bookkeeping(v),
    }


def operation_plan_attachment(
    session: Session, ent: EnterpriseInfo, year: int, sha256: str
) -> tuple[Attachment, str]:
    return document(session, OperationPlanAttachment, ent, year, sha256)


def put_operation_plan(
    session: Session,
    ent: EnterpriseInfo,
    year: int,
    lines: list[dict[str, Any]],
    *,
    reason: str | None,
    by: str,
    now_ms: int,
    attachments: list[str] | None = None,
) -> dict[str, Any]:
    """File (or re-file, as a new version) the year's operation plan."""
    check_lines(session, ent, year, lines)
    ordered = sorted(lines, key=lambda x: (x["waste_code"], x["method"]))
    fields = {"lines": json.dumps(ordered, ensure_ascii=False)}
    keys = {"enterprise_id": ent.id, "year": year}
    row = append(session, OperationPlanVersion, keys, fields, by=by, now_ms=now_ms, reason=reason)
    if attachments:
        file_documents(session, OperationPlanAttachment, ent, year, attachments, by=by, now_ms=now_ms)
    return _view(session, row)


def operation_plans_of(session: Session, enterprise_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        current(OperationPlanVersion, "enterprise_id", "year")
        .where(OperationPlanVersion.enterprise_id == enterprise_id)
        .order_by(OperationPlanVersion.year)
    )
    return [_view(session, v) for v in rows]
