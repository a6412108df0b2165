"""Submitting an inspection: every item checked, no kept conflict left, then each finding raised as a warning
(`inspection_finding`) and, where it carries a requirement and a deadline, a 督办单 on it — the enterprise
answers it on its 待办 page and the regulator verifies it, as any other 督办单 (hub/warnings/orders.py) —
and the signed report made. All in the one transaction of the submission.
"""

from __future__ import annotations

import json

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from hub.core.errors import Conflict, Invalid
from hub.inspections import checklists, records, report
from hub.inspections.tables import Inspection, InspectionFinding, InspectionItemVersion, InspectionReport
from hub.warnings import orders
from hub.warnings import record as warning_record
from hub.warnings.record import Finding

RULE = "inspection_finding"


def _raise(
    session: Session,
    ins: Inspection,
    item: dict[str, str],
    row: InspectionItemVersion,
    *,
    by: str,
    now_ms: int,
) -> InspectionFinding:
    finding = Finding(
        rule=RULE,
        severity="warning",
        enterprise_id=ins.enterprise_id,
        subject=f"{ins.number}/{row.code}",
        message_zh=f"现场检查 {ins.number} 发现问题（{row.code} {item['text_zh']}）：{row.note or ''}"[:2000],
        message_en=f"inspection {ins.number} found a problem ({row.code} {item.get('text_en', '')})"[:2000],
        facts={
            "inspection": ins.number,
            "item_code": row.code,
            "basis": item.get("basis", ""),
            "note": row.note,
            "requirement": row.requirement,
            "due_ms": row.due_ms,
            "photos": json.loads(row.photos),
        },
    )
    warning_id, _ = warning_record.upsert(session, finding, now_ms)
    number = None
    if row.requirement and row.due_ms is not None:
        warning = warning_record.get_warning(session, warning_id, lock=True)
        number = orders.issue(
            session, warning, requirement=row.requirement, due_ms=row.due_ms, by=by, now_ms=now_ms
        ).number
    kept = InspectionFinding(inspection_id=ins.id, code=row.code, warning_id=warning_id, order_number=number)
    session.add(kept)
    return kept


def submit(
    session: Session, ins: Inspection, *, key: Ed25519PrivateKey, hub_name: str, by: str, now_ms: int
) -> InspectionReport:
    records.require_open(ins)
    items = records.checklist_items(ins)
    current = records.current_items(session, ins.id)
    missing = [i["code"] for i in items if i["code"] not in current]
    if missing:
        raise Conflict(
            f"尚有 {len(missing)} 项未检查：{'、'.join(missing[:10])} ({len(missing)} items not checked yet)",
            "unchecked",
        )
    if records.open_conflicts(session, ins.id):
        raise Conflict("尚有未处理的同步冲突，请先处理 (resolve the kept conflicts first)", "conflicts")
    late = [c for c, row in current.items() if row.due_ms is not None and row.due_ms <= now_ms]
    if late:
        raise Invalid(
            f"整改期限已过：{'、'.join(late[:10])}，请修改 (deadlines already past: change them)", "due_ms"
        )
    records.start(ins, now_ms=now_ms)
    ins.state, ins.submitted_ms, ins.submitted_by = records.SUBMITTED, now_ms, by
    ins.updated_by, ins.updated_ms = by, now_ms
    for item in items:
        row = current[item["code"]]
        if row.verdict == "finding":
            _raise(session, ins, item, row, by=by, now_ms=now_ms)
    session.flush()
    lines = [
        report.ItemLine(
            code=i["code"],
            group=i["group"],
            text_zh=i["text_zh"],
            text_en=i.get("text_en", ""),
            basis=i.get("basis", ""),
            basis_approx=bool(i.get("basis_approx")),
            verdict=current[i["code"]].verdict,
            note=current[i["code"]].note,
            requirement=current[i["code"]].requirement,
            due_ms=current[i["code"]].due_ms,
            photos=json.loads(current[i["code"]].photos),
        )
        for i in items
    ]
    name = checklists.name_of(session, ins.checklist_scope, ins.checklist_version)
    checklist = f"{name}（{ins.checklist_scope or '默认'}，第 {ins.checklist_version} 版）"
    data = report.gather(session, ins, lines, records.assignees(session, ins.id), hub_name, checklist)
    return report.issue(session, ins, data, key, by=by, now_ms=now_ms)
