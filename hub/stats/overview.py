"""企业概况: one enterprise's own overview, read from the rollups — this year month by month (generated,
stored, taken out, transferred, received, disposed), the last seven days, its stock by HW category and its
licences' use this year.

Months come from the monthly rollup and days from the daily one: a handful of rows of one enterprise.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.registry.licences import licences_of
from hub.stats import figures, rollup
from hub.stats.schemas import (
    CategoryGrams,
    DayFigures,
    EnterpriseOverview,
    KindGrams,
    LicenceUse,
    MonthFigures,
)
from hub.stats.tables import DailyRollup, MonthlyRollup

DAYS_SHOWN = 7


def _kinds(per_kind: dict[str, tuple[int, int]]) -> list[KindGrams]:
    return [
        KindGrams(kind=k, grams=per_kind.get(k, (0, 0))[0], count=per_kind.get(k, (0, 0))[1])
        for k in rollup.KINDS
    ]


def months_of_year(session: Session, enterprise_id: int, year: int) -> list[MonthFigures]:
    """Every month of the year, each with every kind (zero where nothing happened)."""
    cells: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    rows = session.execute(
        select(
            MonthlyRollup.month,
            MonthlyRollup.kind,
            func.sum(MonthlyRollup.grams),
            func.sum(MonthlyRollup.count),
        )
        .where(
            MonthlyRollup.enterprise_id == enterprise_id,
            MonthlyRollup.month >= year * 100 + 1,
            MonthlyRollup.month <= year * 100 + 12,
        )
        .group_by(MonthlyRollup.month, MonthlyRollup.kind)
    )
    for month, kind, grams, count in rows:
        cells[int(month)][kind] = (int(grams or 0), int(count or 0))
    return [
        MonthFigures(month=f"{year}-{m:02d}", figures=_kinds(cells.get(year * 100 + m, {})))
        for m in range(1, 13)
    ]


def last_days(session: Session, enterprise_id: int, today: dt.date, n: int = DAYS_SHOWN) -> list[DayFigures]:
    """The last `n` China days up to today, oldest first."""
    days = [today - dt.timedelta(days=i) for i in range(n - 1, -1, -1)]
    keys = [d.year * 10_000 + d.month * 100 + d.day for d in days]
    cells: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    rows = session.execute(
        select(DailyRollup.day, DailyRollup.kind, func.sum(DailyRollup.grams), func.sum(DailyRollup.count))
        .where(
            DailyRollup.enterprise_id == enterprise_id,
            DailyRollup.day >= keys[0],
            DailyRollup.day <= keys[-1],
        )
        .group_by(DailyRollup.day, DailyRollup.kind)
    )
    for day, kind, grams, count in rows:
        cells[int(day)][kind] = (int(grams or 0), int(count or 0))
    return [
        DayFigures(day=d.isoformat(), figures=_kinds(cells.get(k, {})))
        for d, k in zip(days, keys, strict=True)
    ]


def stock_by_category(session: Session, enterprise_id: int) -> tuple[list[CategoryGrams], int, int]:
    """The enterprise's stock now per HW大类 (largest first), and its grams and bags in all."""
    per: dict[tuple[str, str], int] = defaultdict(int)
    grams_all = bags_all = 0
    for _, code, grams, bags in figures.stock_now(session, {enterprise_id}):
        per[figures.category_of(code)] += grams
        grams_all += grams
        bags_all += bags
    ranked = sorted(per.items(), key=lambda kv: (-kv[1], kv[0]))
    return (
        [CategoryGrams(category_code=c, category_name=n, grams=g) for (c, n), g in ranked],
        grams_all,
        bags_all,
    )


def licence_use(session: Session, enterprise_id: int, now_ms: int) -> list[LicenceUse]:
    """Each licence with what was received under it this year (licences in force only) and what remains."""
    this, _ = figures.year_to_date(now_ms)
    received = figures.by_enterprise(session, {enterprise_id}, rollup.RECEIVED, this).get(
        enterprise_id, (0, 0)
    )[0]
    on = figures.today(now_ms)
    out = []
    for lic in licences_of(session, enterprise_id):
        in_force = lic["active"] and (
            dt.date.fromisoformat(lic["valid_from"]) <= on <= dt.date.fromisoformat(lic["valid_to"])
        )
        used = received if in_force else 0
        out.append(
            LicenceUse(
                number=lic["number"],
                valid_from=lic["valid_from"],
                valid_to=lic["valid_to"],
                waste_codes=list(lic["waste_codes"]),
                in_force=in_force,
                annual_capacity_grams=lic["annual_capacity_grams"],
                used_grams=used,
                remaining_grams=lic["annual_capacity_grams"] - used,
            )
        )
    return out


def enterprise_overview(
    session: Session, enterprise_id: int, uscc: str, name: str, now_ms: int
) -> EnterpriseOverview:
    today = figures.today(now_ms)
    categories, stock_grams, stock_bags = stock_by_category(session, enterprise_id)
    return EnterpriseOverview(
        uscc=uscc,
        name=name,
        year=today.year,
        months=months_of_year(session, enterprise_id, today.year),
        last_days=last_days(session, enterprise_id, today),
        stock_grams=stock_grams,
        stock_bags=stock_bags,
        stock_by_category=categories,
        licences=licence_use(session, enterprise_id, now_ms),
    )
