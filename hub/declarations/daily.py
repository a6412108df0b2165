"""经营单位日报: a licensed disposer's day (日期, 危废编码, 处置方式, 接收量, 贮存量, 处置利用量,
转出量), entered by hand or reflowed from the province, kept per source as versions."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from hub.core.errors import Invalid
from hub.core.versions import append, current, latest
from hub.declarations.tables import DailyReportVersion
from hub.registry.checks import check_waste_codes, iso_date
from hub.registry.enterprises import EnterpriseInfo

DAILY_GRAMS = ("received_grams", "stored_grams", "disposed_grams", "transferred_grams")


@dataclass(frozen=True, slots=True)
class DailyReport:
    enterprise_id: int
    day: str
    source: str
    lines: list[dict[str, Any]]
    version: int
    recorded_ms: int
    recorded_by: str


def _of(v: DailyReportVersion) -> DailyReport:
    return DailyReport(
        v.enterprise_id, v.day, v.source, json.loads(v.lines), v.version, v.recorded_ms, v.recorded_by
    )


def _lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    codes = [str(line.get("waste_code")) for line in lines]
    check_waste_codes(sorted(set(codes)))
    out = []
    for line in lines:
        grams = {f: line.get(f) or 0 for f in DAILY_GRAMS}
        if any(not isinstance(g, int) or isinstance(g, bool) or g < 0 for g in grams.values()):
            raise Invalid("数量应为非负整数克 (quantities are integer grams ≥ 0)")
        method = str(line.get("method") or "").strip()
        if not method or len(method) > 16:
            raise Invalid("处置方式不能为空 (method, e.g. D10 or R2)")
        out.append({"waste_code": str(line["waste_code"]), "method": method, **grams})
    return sorted(out, key=lambda x: (x["waste_code"], x["method"]))


def put_daily(
    session: Session,
    ent: EnterpriseInfo,
    day: str,
    lines: list[dict[str, Any]],
    *,
    source: str,
    by: str,
    now_ms: int,
    reason: str | None = None,
) -> DailyReport | None:
    """A day's report; None when the source already holds exactly these lines (nothing recorded twice)."""
    if "receiver" not in ent.roles:
        raise Invalid("只有接收/利用处置单位报送经营日报 (only a receiver reports daily)")
    iso_date(day, "day")
    if dt.date.fromisoformat(day).year < 2000:
        raise Invalid("日期不合理 (day)")
    lines = _lines(lines)
    keys = {"enterprise_id": ent.id, "day": day, "source": source}
    prev = latest(session, DailyReportVersion, **keys)
    if prev is not None and prev.active and json.loads(prev.lines) == lines:
        return None
    fields = {"lines": json.dumps(lines, ensure_ascii=False, sort_keys=True)}
    return _of(append(session, DailyReportVersion, keys, fields, by=by, now_ms=now_ms, reason=reason))


def withdraw_daily(
    session: Session, ent: EnterpriseInfo, day: str, *, source: str, by: str, now_ms: int, reason: str
) -> DailyReport | None:
    """The source deleted its report of the day: a last, inactive version (lines kept for the record), no
    longer listed; None when there is none or it is withdrawn already."""
    keys = {"enterprise_id": ent.id, "day": day, "source": source}
    prev = latest(session, DailyReportVersion, **keys)
    if prev is None or not prev.active:
        return None
    fields = {"lines": prev.lines}
    row = append(session, DailyReportVersion, keys, fields, by=by, now_ms=now_ms, reason=reason, active=False)
    return _of(row)


def daily_reports_of(session: Session, enterprise_id: int, since: str, until: str) -> list[DailyReport]:
    rows = session.scalars(
        current(DailyReportVersion, "enterprise_id", "day", "source")
        .where(
            DailyReportVersion.enterprise_id == enterprise_id,
            DailyReportVersion.day >= since,
            DailyReportVersion.day <= until,
            DailyReportVersion.active.is_(True),
        )
        .order_by(DailyReportVersion.day, DailyReportVersion.source)
    )
    return [_of(v) for v in rows]
