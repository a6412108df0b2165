"""A record deleted at the province (it comes once more with the profile's deletion mark, 删除标志), mapped
onto the hub without losing anything: what the province itself put in the register is retired as a last,
inactive version (the history keeps every earlier one); a reflowed declaration or daily report is marked
withdrawn, so it no longer counts as declared. What the hub holds from its own sources (a person, a box's
signed ledger) is never retired by the province: the deletion is kept beside it as a conflict, for a person
to decide. A deletion of something the hub never held changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from hub.core.errors import Invalid, NotFound
from hub.core.versions import append, fields_of, latest
from hub.declarations import daily, monthly
from hub.exchange.context import BY, Ctx, Outcome, enterprise_of
from hub.registry import enterprises
from hub.registry.tables import (
    EnterpriseVersion,
    FacilityVersion,
    LicenceVersion,
    PlanVersion,
    VehicleVersion,
)

NOT_HELD = Outcome(
    "unchanged", "省平台已删除，本系统没有这条记录 (deleted at the province; the hub holds none)"
)
GONE = Outcome("unchanged", "已删除 (deleted already)")


def _retire(ctx: Ctx, model: type[Any], keys: dict[str, Any], subject: str, ent_id: int | None) -> Outcome:
    """A last, inactive version of a record the province put there; a conflict for the hub's own."""
    row = latest(ctx.session, model, **keys)
    if row is None:
        return NOT_HELD
    if not row.active:
        return GONE
    if row.recorded_by != BY:
        return ctx.conflict(ent_id, subject, row.recorded_by, {"active": True}, {"deleted": True})
    fields = fields_of(row, tuple(keys))
    reason = f"省平台删除: {ctx.reason}"
    append(ctx.session, model, keys, fields, by=BY, now_ms=ctx.now_ms, reason=reason, active=False)
    return Outcome("applied", "删除")


def party(ctx: Ctx) -> Outcome:
    uscc = ctx.text("uscc")
    if uscc is None:
        raise Invalid("记录没有统一社会信用代码 (no USCC)")
    try:
        ent = enterprises.enterprise_by_uscc(ctx.session, uscc)
    except NotFound:
        return NOT_HELD
    return _retire(ctx, EnterpriseVersion, {"enterprise_id": ent.id}, f"企业 {uscc}", ent.id)


def storage_point(ctx: Ctx) -> Outcome:
    ent = enterprise_of(ctx)
    code = ctx.text("code") or ""
    keys = {"enterprise_id": ent.id, "code": code}
    return _retire(ctx, FacilityVersion, keys, f"企业 {ent.uscc} 贮存点 {code}", ent.id)


def licence(ctx: Ctx) -> Outcome:
    ent = enterprise_of(ctx)
    number = ctx.text("number") or ""
    return _retire(ctx, LicenceVersion, {"number": number}, f"许可证 {number}", ent.id)


def plan(ctx: Ctx) -> Outcome:
    ent = enterprise_of(ctx)
    year = int(ctx.get("year") or 0)
    keys = {"enterprise_id": ent.id, "year": year}
    return _retire(ctx, PlanVersion, keys, f"企业 {ent.uscc} {year}年管理计划", ent.id)


def vehicle(ctx: Ctx) -> Outcome:
    ent = enterprise_of(ctx)
    plate = ctx.text("plate") or ""
    return _retire(ctx, VehicleVersion, {"plate": plate}, f"车辆 {plate}", ent.id)


def monthly_declaration(ctx: Ctx) -> Outcome:
    ent = enterprise_of(ctx)
    try:
        period = dt.datetime.strptime(ctx.text("year_month") or "", "%Y-%m")
    except ValueError as exc:
        raise Invalid(f"年月 {ctx.get('year_month')!r} 应为 yyyy-MM (year_month)") from exc
    done = monthly.withdraw(
        ctx.session,
        ent,
        period.year,
        period.month,
        by=BY,
        now_ms=ctx.now_ms,
        reason=f"省平台删除: {ctx.reason}",
    )
    return NOT_HELD if done is None else Outcome("applied", "月报已撤销 (withdrawn)")


def disposer_daily(ctx: Ctx) -> Outcome:
    ent = enterprise_of(ctx)
    done = daily.withdraw_daily(
        ctx.session,
        ent,
        ctx.text("day") or "",
        source=BY,
        by=BY,
        now_ms=ctx.now_ms,
        reason=f"省平台删除: {ctx.reason}",
    )
    return NOT_HELD if done is None else Outcome("applied", "日报已撤销 (withdrawn)")


def manifest(ctx: Ctx) -> Outcome:
    """A manifest is the hub's own record of a transfer: a deletion at the province is kept, not applied."""
    return Outcome(
        "kept", "省平台已删除该联单；本系统联单不受影响 (deleted at the province; the hub's manifest stands)"
    )


DELETERS: dict[str, Callable[[Ctx], Outcome]] = {
    "enterprise": party,
    "transporter": party,
    "storage_point": storage_point,
    "licence": licence,
    "plan": plan,
    "vehicle": vehicle,
    "monthly_declaration": monthly_declaration,
    "disposer_daily": disposer_daily,
    "manifest": manifest,
}
