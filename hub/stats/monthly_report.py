"""The monthly report of a region (月报), printable: the month's figures from the rollups beside the month
before (环比) and the same month a year earlier (同比); per subdivision (a city's counties, a province's
cities); the top producers and HW categories; the manifests that left, were confirmed, are in transit or
overdue; the warnings raised per rule and how many remain open; and how many producers declared the month.
Everything is summed over the enterprises the caller may see (hub/stats/scope.py)."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import defaultdict

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from hub.core.divisions import divisions
from hub.core.errors import Invalid
from hub.declarations.deadlines import declared_months
from hub.manifests import store as manifest_store
from hub.manifests.tables import Manifest, ManifestBag, ManifestVersion
from hub.manifests.views import deadline
from hub.stats import figures as f
from hub.stats import rollup
from hub.stats.schemas import (
    CategoryGrams,
    DeclarationMonth,
    DistrictMonth,
    EnterpriseGrams,
    ManifestMonth,
    MonthKind,
    MonthlyReport,
    RuleMonth,
    Scope,
)
from hub.warnings.rules import RULES_BY_CODE
from hub.warnings.tables import WarningRow
from protocols.china_time import day_start_ms
from protocols.codes import region_level
from protocols.manifest import State

Ids = set[int] | None
MONTH = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")
KINDS = (rollup.WEIGHED, rollup.STORED, rollup.TAKEN_OUT, rollup.SHIPPED, rollup.RECEIVED, rollup.DISPOSED)


def parse_month(text: str) -> tuple[int, int]:
    found = MONTH.match(text or "")
    if not found:
        raise Invalid(f"月份 {text!r} 应为 yyyy-mm (month, e.g. 2026-11)")
    return int(found[1]), int(found[2])


def month_period(year: int, month: int) -> f.Period:
    last = calendar.monthrange(year, month)[1]
    return f.Period(year * 10_000 + month * 100 + 1, year * 10_000 + month * 100 + last)


def _shift(year: int, month: int, months: int) -> tuple[int, int]:
    n = year * 12 + month - 1 + months
    return n // 12, n % 12 + 1


def _bounds(year: int, month: int) -> tuple[int, int]:
    """The month as [start, end) UTC ms, China calendar."""
    nxt = _shift(year, month, 1)
    return day_start_ms(dt.date(year, month, 1)), day_start_ms(dt.date(nxt[0], nxt[1], 1))


def _kinds(session: Session, ids: Ids, year: int, month: int) -> list[MonthKind]:
    def by_kind(y: int, m: int) -> dict[str, tuple[int, int]]:
        return f.totals_by_kind(session, ids, month_period(y, m))

    now, before, last_year = by_kind(year, month), by_kind(*_shift(year, month, -1)), by_kind(year - 1, month)
    out = []
    for kind in KINDS:
        grams, count = now.get(kind, (0, 0))
        prev, same = before.get(kind, (0, 0))[0], last_year.get(kind, (0, 0))[0]
        out.append(
            MonthKind(
                kind=kind,
                grams=grams,
                count=count,
                previous_month_grams=prev,
                same_month_last_year_grams=same,
                month_on_month_percent=f.change_percent(grams, prev),
                year_on_year_percent=f.change_percent(grams, same),
            )
        )
    return out


def _subdivision(region: str | None, code: str | None) -> str | None:
    """The part of `region` that `code` lies in: its county for a city, its city for a province."""
    if not code or len(code) != 6:
        return None
    level = region_level(region) if region else "country"
    if level == "city":
        return code
    if level == "province":
        return code[:4] + "00"
    if level == "country":
        return code[:2] + "0000"
    return code


def _districts(session: Session, ids: Ids, region: str | None, year: int, month: int) -> list[DistrictMonth]:
    ents = f.enterprises_by_id(session, ids)
    period = month_period(year, month)
    # One range per kind: the rollup's key begins with the kind (a GROUP BY kind would read every kind).
    per = {
        (kind, eid): figure
        for kind in (rollup.WEIGHED, rollup.SHIPPED, rollup.RECEIVED, rollup.DISPOSED)
        for eid, figure in f.by_enterprise(session, ids, kind, period).items()
    }
    # A city has thousands of enterprises in a few dozen counties: each region code is placed once.
    parts = {code: _subdivision(region, code) for code in {e.region_code for e in ents.values()}}
    part_of = {e.id: parts[e.region_code] for e in ents.values()}
    grams: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    members: dict[str, int] = defaultdict(int)
    for part in part_of.values():
        if part:
            members[part] += 1
    for (kind, eid), (g, _) in per.items():
        part = part_of.get(int(eid))
        if part:
            grams[part][str(kind)] += g
    names = divisions()
    return [
        DistrictMonth(
            code=code,
            name=names[code].name if code in names else code,
            enterprises=members[code],
            weighed_grams=grams[code][rollup.WEIGHED],
            shipped_grams=grams[code][rollup.SHIPPED],
            received_grams=grams[code][rollup.RECEIVED],
            disposed_grams=grams[code][rollup.DISPOSED],
        )
        for code in sorted(members)
    ]


def _top(
    session: Session, ids: Ids, year: int, month: int
) -> tuple[list[EnterpriseGrams], list[CategoryGrams]]:
    period = month_period(year, month)
    per_ent = f.by_enterprise(session, ids, rollup.WEIGHED, period)
    ents = f.enterprises_by_id(session, set(per_ent))
    ranked = sorted(per_ent.items(), key=lambda kv: (-kv[1][0], ents[kv[0]].uscc))[:10]
    producers = [
        EnterpriseGrams(uscc=ents[e].uscc, name=ents[e].name, region_code=ents[e].region_code, grams=g)
        for e, (g, _) in ranked
        if g > 0
    ]
    categories = [
        CategoryGrams(category_code=code, category_name=name, grams=g)
        for code, name, g in f.top_categories(f.by_waste_code(session, ids, rollup.WEIGHED, period))
    ]
    return producers, categories


def _manifests(session: Session, ids: Ids, year: int, month: int, now_ms: int) -> ManifestMonth:
    start, end = _bounds(year, month)
    newest = (
        select(ManifestVersion.manifest_id, func.max(ManifestVersion.version).label("v"))
        .group_by(ManifestVersion.manifest_id)
        .subquery()
    )
    query = (
        select(Manifest, ManifestVersion)
        .join(newest, newest.c.manifest_id == Manifest.id)
        .join(
            ManifestVersion,
            and_(ManifestVersion.manifest_id == Manifest.id, ManifestVersion.version == newest.c.v),
        )
        .where(
            or_(
                ManifestVersion.departed_ms.between(start, end - 1),
                ManifestVersion.confirmed_ms.between(start, end - 1),
                ManifestVersion.state == State.IN_TRANSIT,
            )
        )
    )
    if ids is not None:
        seen = list(ids)
        query = query.where(
            or_(
                Manifest.shipper_id.in_(seen),
                ManifestVersion.carrier_id.in_(seen),
                ManifestVersion.receiver_id.in_(seen),
            )
        )
    departed = confirmed = in_transit = overdue = grams = 0
    for manifest, version in session.execute(query):
        if version.departed_ms is not None and start <= version.departed_ms < end:
            departed += 1
            grams += int(
                session.scalar(
                    select(func.coalesce(func.sum(ManifestBag.shipped_grams), 0)).where(
                        ManifestBag.manifest_id == manifest.id, ManifestBag.version == version.version
                    )
                )
                or 0
            )
        if version.confirmed_ms is not None and start <= version.confirmed_ms < end:
            confirmed += 1
        if version.state == State.IN_TRANSIT:
            in_transit += 1
            overdue += bool(deadline(session, manifest_store.Current(manifest, version), now_ms)["overdue"])
    return ManifestMonth(
        departed=departed, departed_grams=grams, confirmed=confirmed, in_transit=in_transit, overdue=overdue
    )


def _warnings(session: Session, ids: Ids, year: int, month: int, lang: str) -> list[RuleMonth]:
    start, end = _bounds(year, month)
    query = select(WarningRow.rule, WarningRow.state, func.count()).where(
        WarningRow.first_seen_ms >= start, WarningRow.first_seen_ms < end
    )
    if ids is not None:
        query = query.where(WarningRow.enterprise_id.in_(list(ids)))
    raised: dict[str, int] = defaultdict(int)
    still: dict[str, int] = defaultdict(int)
    for rule, state, n in session.execute(query.group_by(WarningRow.rule, WarningRow.state)):
        raised[rule] += n
        if state in f.OPEN_WARNING_STATES:
            still[rule] += n
    out = []
    for rule in sorted(raised, key=lambda r: (-raised[r], r)):
        known = RULES_BY_CODE.get(rule)
        name = (known.name_zh if lang == "zh" else known.name_en) if known else rule
        out.append(RuleMonth(rule=rule, name=name, raised=raised[rule], open=still[rule]))
    return out


def _declarations(session: Session, ids: Ids, year: int, month: int) -> DeclarationMonth:
    producers = {e.id for e in f.enterprises_by_id(session, ids).values() if "producer" in e.roles}
    asked = None if ids is None else sorted(producers)  # every enterprise: no list of ids in the query
    done = {eid for eid, _, _ in declared_months(session, asked, [(year, month)])} & producers
    return DeclarationMonth(producers=len(producers), declared=len(done), missing=len(producers) - len(done))


def monthly_report(
    session: Session, ids: Ids, scope: Scope, month: str, now_ms: int, *, lang: str = "zh"
) -> MonthlyReport:
    year, mon = parse_month(month)
    region = scope.region
    named = divisions().get(region) if region else None
    producers, categories = _top(session, ids, year, mon)
    return MonthlyReport(
        scope=scope,
        month=f"{year}-{mon:02d}",
        region_name=named.name if named else None,
        made_ms=now_ms,
        kinds=_kinds(session, ids, year, mon),
        districts=_districts(session, ids, region, year, mon),
        top_producers=producers,
        top_categories=categories,
        manifests=_manifests(session, ids, year, mon, now_ms),
        warnings=_warnings(session, ids, year, mon, lang),
        declarations=_declarations(session, ids, year, mon),
    )
