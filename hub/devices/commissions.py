"""Commissioning reports kept at the hub: a box's on-site checks (`wastetrace edge commission`), signed by its
own key, listed in its enterprise's file (docs/edge-commission.md)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.core.bodies import shown
from hub.core.dialect import insert_ignore
from hub.core.errors import Invalid, Unauthenticated
from hub.devices.schemas import CommissionReportView, CommissionStored
from hub.devices.tables import CommissionReport, Device
from protocols.fleet.commission import CommissionError, open_commission
from protocols.ledger import SignatureError, load_public_key


def keep_report(
    session: Session, device_id: str, envelope: Any, now_ms: int
) -> tuple[CommissionStored, bool]:
    """Verify the report against the device's key and keep it once: what was kept, and whether it is new."""
    device = session.get(Device, device_id)
    if device is None:
        raise Unauthenticated(f"unknown device {shown(device_id)}: enrol it first")
    try:
        report = open_commission(envelope, load_public_key(device.public_key))
    except SignatureError as exc:
        raise Unauthenticated(f"bad signature: {exc}") from exc
    except CommissionError as exc:
        raise Invalid(str(exc), "malformed") from exc
    before = session.scalar(
        select(CommissionReport.id).where(
            CommissionReport.device_id == device_id, CommissionReport.report_id == report.report_id
        )
    )
    row = {
        "device_id": device_id,
        "enterprise_id": device.enterprise_id,
        "report_id": report.report_id,
        "time_ms": report.time_ms,
        "received_ms": now_ms,
        "passed": report.passed,
        "envelope": json.dumps(envelope, ensure_ascii=False, separators=(",", ":")),
    }
    insert_ignore(session, CommissionReport, [row])
    return CommissionStored(report_id=report.report_id, passed=report.passed), before is None


def reports_of(
    session: Session,
    *,
    device_ids: list[str] | None = None,
    enterprise_id: int | None = None,
    limit: int = 50,
) -> list[CommissionReportView]:
    """Reports newest first, of some devices or of one enterprise's."""
    query = select(CommissionReport).order_by(CommissionReport.time_ms.desc()).limit(limit)
    if device_ids is not None:
        query = query.where(CommissionReport.device_id.in_(device_ids))
    if enterprise_id is not None:
        query = query.where(CommissionReport.enterprise_id == enterprise_id)
    out = []
    for row in session.scalars(query):
        envelope = json.loads(row.envelope)
        out.append(
            CommissionReportView(
                device_id=row.device_id,
                report_id=row.report_id,
                time_ms=row.time_ms,
                received_ms=row.received_ms,
                passed=row.passed,
                checks=envelope["body"]["checks"],
                envelope=envelope,
            )
        )
    return out
