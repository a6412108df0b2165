"""The figures of 危废一张图, read from the daily rollup (and live stock, departures, disposals), for the
enterprises a caller may see: `ids` is a set of enterprise ids, or None for every enterprise (Scope.ALL).

Periods are China calendar days (yyyymmdd, UTC+8); "this year" is 1 January to today, compared with the
same days of last year (同比).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.access.principal import Access, Party, Scope
from hub.devices.health import device_health
from hub.inventory.storage import hazards_of, stock_by_enterprise
from hub.manifests.receiving import disposals_by_method
from hub.manifests.store import departures
from hub.registry.enterprises import EnterpriseInfo, list_enterprises
from hub.registry.licences import licences_of
from hub.registry.tables import Enterprise, EnterpriseVersion
from hub.stats import rollup
from hub.stats.tables import DailyRollup, MonthlyRollup, YearlyRollup
from hub.warnings.tables import WarningRow
from protocols.catalogue import UnknownWasteCode, load_catalogue
from protocols.catalogue.model import HAZARD_NAMES
from protocols.china_time import CHINA
from protocols.warnings.states import State as WarningState

OPEN_WARNING_STATES = (WarningState.OPEN, WarningState.ACKNOWLEDGED, WarningState.SUPERVISED)

DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class Period:
    first: int  # yyyymmdd, inclusive
    last: int  # yyyymmdd, inclusive

    @property
    def since_ms(self) -> int:
        return _day_start_ms(self.first)

    @property
    def until_ms(self) -> int:
        return _day_start_ms(self.last) + DAY_MS


def _date(day: int) -> dt.date:
    return dt.date(day // 10_000, day // 100 % 100, day % 100)


def _day(d: dt.date) -> int:
    return d.year * 10_000 + d.month * 100 + d.day


def _day_start_ms(day: int) -> int:
    start = dt.datetime.combine(_date(day), dt.time(), tzinfo=CHINA)
    return int(start.timestamp()) * 1000


def today(now_ms: int) -> dt.date:
    return _date(rollup.china_day(now_ms))


def year_to_date(now_ms: int) -> tuple[Period, Period]:
    """This year to today, and the same days of last year (29 February falls back to the 28th)."""
    d = today(now_ms)
    try:
        same = d.replace(year=d.year - 1)
    except ValueError:
        same = d.replace(year=d.year - 1, day=28)
    return Period(_day(d.replace(month=1, day=1)), _day(d)), Period(
        _day(dt.date(d.year - 1, 1, 1)), _day(same)
    )


def live_periods(now_ms: int) -> dict[str, Period]:
    """Yesterday, today, this week (from Monday) and this month."""
    d = today(now_ms)
    y = d - dt.timedelta(days=1)
    return {
        "yesterday": Period(_day(y), _day(y)),
        "today": Period(_day(d), _day(d)),
        "week": Period(_day(d - dt.timedelta(days=d.weekday())), _day(d)),
        "month": Period(_day(d.replace(day=1)), _day(d)),
    }


def _next_month(m: int) -> int:
    return m + 1 if m % 100 < 12 else (m // 100 + 1) * 100 + 1


def _prev_month(m: int) -> int:
    return m - 1 if m % 100 > 1 else (m // 100 - 1) * 100 + 12


def _month_end(m: int) -> int:
    nxt = _next_month(m)
    return _day(_date(nxt * 100 + 1) - dt.timedelta(days=1))


def split(period: Period) -> tuple[list[tuple[int, int]], tuple[int, int] | None]:
    """The period as day ranges (months begun or not yet over) and one range of whole months."""
    first_m, last_m = period.first // 100, period.last // 100
    days: list[tuple[int, int]] = []
    if first_m == last_m:
        if period.first % 100 == 1 and period.last == _month_end(last_m):
            return [], (first_m, last_m)
        return [(period.first, period.last)], None
    months_from, months_to = first_m, last_m
    if period.first % 100 != 1:
        days.append((period.first, _month_end(first_m)))
        months_from = _next_month(first_m)
    if period.last != _month_end(last_m):
        days.append((last_m * 100 + 1, period.last))
        months_to = _prev_month(last_m)
    return days, ((months_from, months_to) if months_from <= months_to else None)


Key = tuple[int | str, ...]
Model = type[DailyRollup] | type[MonthlyRollup] | type[YearlyRollup]


def whole_years(months: tuple[int, int]) -> tuple[list[tuple[int, int]], tuple[int, int] | None]:
    """A range of whole months (yyyymm) as ranges of months before and after the whole years in it, and
    the range of those years."""
    lo, hi = months
    first_year = lo // 100 if lo % 100 == 1 else lo // 100 + 1
    last_year = hi // 100 if hi % 100 == 12 else hi // 100 - 1
    if first_year > last_year:
        return [months], None
    around = []
    if lo < first_year * 100 + 1:
        around.append((lo, (first_year - 1) * 100 + 12))
    if hi > last_year * 100 + 12:
        around.append(((last_year + 1) * 100 + 1, hi))
    return around, (first_year, last_year)


def sums(
    session: Session, ids: set[int] | None, period: Period, by: Sequence[str], kind: str | None = None
) -> dict[Key, tuple[int, int]]:
    """(grams, count) per group over the period; `by` names columns (kind, enterprise_id, waste_code) or
    "year". Whole years are read from the yearly rollup, whole months from the monthly one, the other days
    from the daily one."""
    out: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    if ids is not None and not ids:
        return {}
    day_ranges, months = split(period)
    parts: list[tuple[Model, Any, int, int]] = [
        (DailyRollup, DailyRollup.day, lo, hi) for lo, hi in day_ranges
    ]
    if months is not None:
        month_ranges, years = whole_years(months)
        parts += [(MonthlyRollup, MonthlyRollup.month, lo, hi) for lo, hi in month_ranges]
        if years is not None:
            parts.append((YearlyRollup, YearlyRollup.year, years[0], years[1]))
    for model, column, lo, hi in parts:
        divisor = {DailyRollup: 10_000, MonthlyRollup: 100, YearlyRollup: 1}[model]
        keys = [(column / divisor).label("year") if b == "year" else getattr(model, b) for b in by]
        query = select(*keys, func.sum(model.grams), func.sum(model.count)).where(column >= lo, column <= hi)
        if kind is not None:
            query = query.where(model.kind == kind)
        if ids is not None:
            query = query.where(model.enterprise_id.in_(list(ids)))
        if keys:
            query = query.group_by(*keys)
        for row in session.execute(query).all():
            cell = out[tuple(int(v) if b == "year" else v for b, v in zip(by, row[: len(by)], strict=True))]
            cell[0] += int(row[-2] or 0)
            cell[1] += int(row[-1] or 0)
    return {k: (g, n) for k, (g, n) in out.items()}


def sums_to_date(
    session: Session, ids: set[int] | None, period: Period, by: Sequence[str], kind: str | None = None
) -> dict[Key, tuple[int, int]]:
    """`sums` over a year to date (1 January to a day of that year): the whole year from the yearly rollup,
    less the days after the period (none, unless a device's clock ran ahead) — one short read per group
    where the months and days of the year would be many."""
    year = period.first // 10_000
    end = _day(dt.date(year, 12, 31))
    whole = sums(session, ids, Period(period.first, end), by, kind)
    if period.last == end:
        return whole
    after = sums(session, ids, Period(_day(_date(period.last) + dt.timedelta(days=1)), end), by, kind)
    out = {}
    for key, (grams, count) in whole.items():
        less = after.get(key, (0, 0))
        out[key] = (grams - less[0], count - less[1])
    return out


def total(session: Session, ids: set[int] | None, kind: str, period: Period) -> tuple[int, int]:
    """(grams, count) of one kind over the period."""
    return sums(session, ids, period, (), kind).get((), (0, 0))


def totals_by_kind(session: Session, ids: set[int] | None, period: Period) -> dict[str, tuple[int, int]]:
    # One range per kind: the rollups' keys begin with the kind, so each is a short index range, where a
    # GROUP BY kind over a range of days would read every kind's rows.
    return {kind: total(session, ids, kind, period) for kind in rollup.KINDS}


def by_year(session: Session, ids: set[int] | None, kind: str, years: Sequence[int]) -> dict[int, int]:
    """Grams per calendar year."""
    out = dict.fromkeys(years, 0)
    period = Period(min(years) * 10_000 + 101, max(years) * 10_000 + 1231)
    for (year,), (grams, _) in sums(session, ids, period, ("year",), kind).items():
        out[int(year)] = out.get(int(year), 0) + grams
    return out


def by_waste_code(session: Session, ids: set[int] | None, kind: str, period: Period) -> dict[str, int]:
    return {str(code): g for (code,), (g, _) in sums(session, ids, period, ("waste_code",), kind).items()}


def by_enterprise(
    session: Session, ids: set[int] | None, kind: str, period: Period
) -> dict[int, tuple[int, int]]:
    return {int(e): figure for (e,), figure in sums(session, ids, period, ("enterprise_id",), kind).items()}


def category_of(waste_code: str | None) -> tuple[str, str]:
    """(HW大类 code, name) of a waste code; ("", "未知") for none or an unknown one."""
    try:
        waste = load_catalogue().get(waste_code or "")
    except UnknownWasteCode:
        return "", "未知"
    return waste.category_code, waste.category_name


def top_categories(per_code: dict[str, int], n: int = 5) -> list[tuple[str, str, int]]:
    per_category: dict[tuple[str, str], int] = defaultdict(int)
    for code, grams in per_code.items():
        per_category[category_of(code)] += grams
    ranked = sorted(per_category.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(code, name, grams) for (code, name), grams in ranked[:n] if grams > 0]


def top_industries(
    per_enterprise: dict[int, tuple[int, int]], enterprises: dict[int, EnterpriseInfo], n: int = 5
) -> list[tuple[str, int]]:
    per_industry: dict[str, int] = defaultdict(int)
    for eid, (grams, _) in per_enterprise.items():
        ent = enterprises.get(eid)
        per_industry[(ent.industry if ent else None) or "未填写"] += grams
    ranked = sorted(per_industry.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(name, grams) for name, grams in ranked[:n] if grams > 0]


def change_percent(now: int, before: int) -> float | None:
    """同比, in percent to one decimal; None when there is nothing to compare with."""
    if before == 0:
        return None
    return round((now - before) * 100 / before, 1)


# The register as the statistics last read it, per database: (fingerprint, enterprises). Reading 4,200
# profiles took ~100 ms of every statistic; the fingerprint (four aggregates over small tables) tells in a
# millisecond whether anything changed. Versions are only ever appended, so any change moves it. Statistics
# read in read-only sessions, so what is cached was committed.
_REGISTERS: dict[str, tuple[tuple[int, ...], list[EnterpriseInfo]]] = {}


def _register_fingerprint(session: Session) -> tuple[int, ...]:
    ents = session.execute(select(func.count(), func.coalesce(func.max(Enterprise.id), 0))).one()
    versions = session.execute(
        select(
            func.count(),
            func.coalesce(func.max(EnterpriseVersion.recorded_ms), 0),
            func.coalesce(func.sum(EnterpriseVersion.version), 0),
        )
    ).one()
    return tuple(int(v) for v in (*ents, *versions))


def all_enterprises(session: Session) -> list[EnterpriseInfo]:
    """The register, read once per session (one request), and from the database only when it changed."""
    if "wt_stats_register" not in session.info:
        where = session.get_bind().engine.url.render_as_string(hide_password=True)
        mark = _register_fingerprint(session)
        held = _REGISTERS.get(where)
        if held is None or held[0] != mark:
            held = (mark, list_enterprises(session))
            _REGISTERS[where] = held
        session.info["wt_stats_register"] = held[1]
    return session.info["wt_stats_register"]


def seen_by(access: Access, register: list[EnterpriseInfo]) -> list[EnterpriseInfo]:
    """The enterprises of the register `access` may see. A region's regulator sees by region code, and a
    city's thousands of enterprises share a few dozen codes: each code is checked once."""
    if access.scope == Scope.REGION:
        inside = {code: access.sees(Party(0, code)) for code in {e.region_code for e in register}}
        return [e for e in register if inside[e.region_code]]
    return [e for e in register if access.sees(e.party)]


def enterprises_by_id(session: Session, ids: set[int] | None) -> dict[int, EnterpriseInfo]:
    return {e.id: e for e in all_enterprises(session) if ids is None or e.id in ids}


def stock_now(session: Session, ids: set[int] | None) -> list[tuple[int, str | None, int, int]]:
    if ids is not None and not ids:
        return []
    return stock_by_enterprise(session, ids)


def hazard_shares(stock: Iterable[tuple[int, str | None, int, int]]) -> list[tuple[str, str, int]]:
    """Grams in stock per hazard characteristic (a waste with several counts under each)."""
    per: dict[str, int] = dict.fromkeys(HAZARD_NAMES, 0)
    for _, code, grams, _ in stock:
        for hazard in hazards_of(code):
            per[hazard] = per.get(hazard, 0) + grams
    return [(h, HAZARD_NAMES.get(h, h), g) for h, g in per.items()]


def transfers(
    session: Session, ids: set[int] | None, period: Period
) -> list[tuple[str, int, int | None, int]]:
    if ids is not None and not ids:
        return []
    return departures(session, ids, period.since_ms, period.until_ms)


def disposals(
    session: Session, ids: set[int] | None, period: Period
) -> list[tuple[int, bool, str | None, int, int]]:
    if ids is not None and not ids:
        return []
    return disposals_by_method(session, ids, period.since_ms, period.until_ms)


def approved_capacity(session: Session, enterprise_id: int, on: dt.date) -> int:
    """The annual capacity of the enterprise's licences valid on `on`."""
    grams = 0
    for lic in licences_of(session, enterprise_id):
        valid = dt.date.fromisoformat(lic["valid_from"]) <= on <= dt.date.fromisoformat(lic["valid_to"])
        if lic["active"] and valid:
            grams += lic["annual_capacity_grams"]
    return grams


def boxes_online(session: Session, now_ms: int) -> dict[str, tuple[int, int]]:
    """Per enterprise USCC: (boxes, boxes heard from recently)."""
    out: dict[str, tuple[int, int]] = {}
    for d in device_health(session, now_ms):
        boxes, online = out.get(d["enterprise_uscc"], (0, 0))
        out[d["enterprise_uscc"]] = (boxes + 1, online + (0 if d["silent"] else 1))
    return out


def open_warnings(session: Session, ids: set[int] | None) -> dict[int, int]:
    """Warnings still to be dealt with (open, acknowledged, under 督办), per enterprise."""
    query = (
        select(WarningRow.enterprise_id, func.count())
        .where(WarningRow.state.in_(OPEN_WARNING_STATES))
        .group_by(WarningRow.enterprise_id)
    )
    if ids is not None:
        query = query.where(WarningRow.enterprise_id.in_(ids))
    return {int(e): int(n) for e, n in session.execute(query)}
