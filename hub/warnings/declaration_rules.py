"""申报异常: what an enterprise declared against what its boxes weighed, and a box that weighs nothing while
the enterprise's plan says it produces (sweep rules; hub/declarations/comparison.py gives the figures)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.declarations.comparison import declared_vs_weighed
from hub.declarations.deadlines import recent_months
from hub.declarations.tables import DeclarationVersion
from hub.devices.tables import Device
from hub.inventory.tables import Bag
from hub.warnings.record import Finding
from hub.warnings.rule_base import (
    DAY_MS,
    Context,
    Target,
    china_year,
    target_ids,
    this_years_plans,
    uscc_of,
)
from hub.web.formatting import format_kg


def declaration_mismatch(session: Session, ctx: Context, target: Target) -> list[Finding]:
    """A completed month whose declaration differs from the box's weighing by more than the tolerance."""
    s = ctx.settings

    def declared() -> list[int]:
        return list(session.scalars(select(DeclarationVersion.enterprise_id).distinct()))

    out = []
    for eid in target_ids(target, declared):
        for year, month in recent_months(ctx.now_ms, s.declare_months):
            compared = declared_vs_weighed(session, eid, year, month)
            if not compared.has_box or compared.declared_source is None:
                continue  # nothing weighed to hold it against, or nothing declared yet (the deadline's job)
            off = []
            for line in compared.lines:
                diff = line.produced_difference_grams
                allowed = max(s.declare_floor_grams, line.weighed_produced_grams * s.declare_permille // 1000)
                if abs(diff) > allowed:
                    off.append(line)
            if not off:
                continue
            period = f"{year}-{month:02d}"
            worst = max(off, key=lambda line: abs(line.produced_difference_grams))
            said, weighed = format_kg(worst.declared_produced_grams), format_kg(worst.weighed_produced_grams)
            # Declaring less than was weighed hides waste: serious. Declaring more is a mistake to correct.
            under = worst.declared_produced_grams < worst.weighed_produced_grams
            out.append(
                Finding(
                    rule="declaration_mismatch",
                    severity="serious" if under else "warning",
                    enterprise_id=eid,
                    subject=f"{uscc_of(session, eid)}:{period}",
                    period=period,
                    facts={
                        "year": year,
                        "month": month,
                        "source": compared.declared_source,
                        "lines": [
                            {
                                "waste_code": line.waste_code,
                                "declared_grams": line.declared_produced_grams,
                                "weighed_grams": line.weighed_produced_grams,
                            }
                            for line in off
                        ],
                    },
                    message_zh=f"{period} 申报 {worst.waste_code} 产生 {said}，称重记录为 {weighed}",
                    message_en=f"{period}: {worst.waste_code} declared {said}, weighed {weighed}",
                )
            )
    return out


def box_idle(session: Session, ctx: Context, target: Target) -> list[Finding]:
    """An enterprise with a box that weighed nothing for the limit while this year's plan says it produces."""
    year, _, _ = china_year(ctx.now_ms)
    limit_ms = ctx.settings.idle_days * DAY_MS
    plans = this_years_plans(session, year, target.enterprise_ids)
    planned = {eid: sum(line["planned_grams"] for line in lines) for eid, lines in plans.items()}
    planned = {eid: grams for eid, grams in planned.items() if grams > 0}
    if not planned:
        return []
    ids = sorted(planned)
    enrolled = dict(
        session.execute(
            select(Device.enterprise_id, func.min(Device.enrolled_ms))
            .where(Device.enterprise_id.in_(ids))
            .group_by(Device.enterprise_id)
        ).all()
    )
    last_bag = dict(
        session.execute(
            select(Bag.enterprise_id, func.max(Bag.commissioned_ms))
            .where(Bag.enterprise_id.in_(list(enrolled)))
            .group_by(Bag.enterprise_id)
        ).all()
    )
    out = []
    for eid, first in sorted(enrolled.items()):
        last = last_bag.get(eid)
        since = max(last or 0, first)
        if ctx.now_ms - since <= limit_ms:
            continue
        days = (ctx.now_ms - since) // DAY_MS
        out.append(
            Finding(
                rule="box_idle",
                severity="warning",
                enterprise_id=eid,
                subject=uscc_of(session, eid),
                period=str(since),
                facts={"last_weighed_ms": last, "days": days, "planned_grams": planned[eid], "year": year},
                message_zh=f"已 {days} 天无称重记录，而 {year} 年管理计划产生 {format_kg(planned[eid])}",
                message_en=f"nothing weighed for {days} days; the {year} plan says {format_kg(planned[eid])}",
            )
        )
    return out
