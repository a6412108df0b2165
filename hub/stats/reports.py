"""Each statistic of 危废一张图 put together from the figures (hub/stats/figures.py), for a set of
enterprises."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict

from sqlalchemy.orm import Session

from hub.core.divisions import divisions
from hub.manifests import store as manifest_store
from hub.manifests.feed import latest_steps
from hub.manifests.views import list_manifests
from hub.stats import figures as f
from hub.stats import rollup
from hub.stats.schemas import (
    CategoryGrams,
    DisposalStats,
    DisposerProgress,
    DistrictFigures,
    DistrictStats,
    EnterpriseGrams,
    EnterpriseToday,
    Flow,
    FocusEnterprise,
    HazardGrams,
    IndustryGrams,
    KindFigure,
    LiveManifest,
    LiveStats,
    MapPoint,
    MapStats,
    MethodGrams,
    PeriodFigures,
    ProductionStats,
    Scope,
    StorageStats,
    Track,
    TrackPoint,
    TransferStats,
    YearGrams,
    YearToDate,
)
from hub.transport.positions import track
from protocols.manifest import STATE_LABELS, State

Ids = set[int] | None


def _ytd(
    session: Session, ids: Ids, kind: str, now_ms: int, figure: tuple[int, int] | None = None
) -> YearToDate:
    this, last = f.year_to_date(now_ms)
    grams, count = figure if figure is not None else f.total(session, ids, kind, this)
    before, _ = f.total(session, ids, kind, last)
    return YearToDate(
        first_day=this.first,
        last_day=this.last,
        grams=grams,
        count=count,
        same_period_last_year_grams=before,
        change_percent=f.change_percent(grams, before),
    )


def _years(session: Session, ids: Ids, kind: str, now_ms: int) -> list[YearGrams]:
    year = f.today(now_ms).year
    per = f.by_year(session, ids, kind, [year - 2, year - 1, year])
    return [YearGrams(year=y, grams=per[y]) for y in sorted(per)]


def _categories(per_code: dict[str, int]) -> list[CategoryGrams]:
    return [
        CategoryGrams(category_code=c, category_name=n, grams=g) for c, n, g in f.top_categories(per_code)
    ]


def _this_year(
    session: Session, ids: Ids, kind: str, now_ms: int
) -> tuple[tuple[int, int], dict[int, tuple[int, int]], dict[str, int]]:
    """This year's (grams, count), per enterprise and per waste code, from one query."""
    this, _ = f.year_to_date(now_ms)
    grams = count = 0
    per_enterprise: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    per_code: dict[str, int] = defaultdict(int)
    for (eid, code), (g, n) in f.sums_to_date(
        session, ids, this, ("enterprise_id", "waste_code"), kind
    ).items():
        grams, count = grams + g, count + n
        per_enterprise[int(eid)][0] += g
        per_enterprise[int(eid)][1] += n
        per_code[str(code)] += g
    return (grams, count), {e: (g, n) for e, (g, n) in per_enterprise.items()}, dict(per_code)


def production(session: Session, ids: Ids, now_ms: int, scope: Scope) -> ProductionStats:
    figure, per_enterprise, per_code = _this_year(session, ids, rollup.WEIGHED, now_ms)
    enterprises = f.enterprises_by_id(session, ids)
    return ProductionStats(
        scope=scope,
        year_to_date=_ytd(session, ids, rollup.WEIGHED, now_ms, figure),
        years=_years(session, ids, rollup.WEIGHED, now_ms),
        top_categories=_categories(per_code),
        top_industries=[
            IndustryGrams(industry=i, grams=g) for i, g in f.top_industries(per_enterprise, enterprises)
        ],
        producing_enterprises=sum(1 for _, n in per_enterprise.values() if n > 0),
    )


def storage(session: Session, ids: Ids, now_ms: int, scope: Scope) -> StorageStats:
    stock = f.stock_now(session, ids)
    enterprises = f.enterprises_by_id(session, ids)
    per_enterprise: dict[int, int] = defaultdict(int)
    for eid, _, grams, _ in stock:
        per_enterprise[eid] += grams
    top = sorted(per_enterprise.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    figure, _, per_code = _this_year(session, ids, rollup.STORED, now_ms)
    return StorageStats(
        scope=scope,
        year_to_date=_ytd(session, ids, rollup.STORED, now_ms, figure),
        years=_years(session, ids, rollup.STORED, now_ms),
        top_categories=_categories(per_code),
        stock_grams=sum(g for _, _, g, _ in stock),
        stock_bags=sum(n for _, _, _, n in stock),
        hazards=[HazardGrams(hazard=h, name=n, grams=g) for h, n, g in f.hazard_shares(stock)],
        top_enterprises=[
            EnterpriseGrams(
                uscc=enterprises[eid].uscc,
                name=enterprises[eid].name,
                region_code=enterprises[eid].region_code,
                grams=grams,
                lon_e6=enterprises[eid].lon_e6,
                lat_e6=enterprises[eid].lat_e6,
            )
            for eid, grams in top
            if eid in enterprises
        ],
    )


def _city(region: str | None) -> str:
    return (region or "")[:4]


def manifest_steps(session: Session, ids: Ids, *, after_ms: int = 0, limit: int = 10) -> list[LiveManifest]:
    """The live feed: the newest manifest steps of the enterprises in `ids`, newest first."""
    out = []
    for step in latest_steps(session, ids, after_ms=after_ms, limit=limit):
        zh, en = STATE_LABELS.get(State(step.state), (step.state, step.state))
        out.append(LiveManifest(**asdict(step), state_label_zh=zh, state_label_en=en))
    return out


def transfer(session: Session, ids: Ids, now_ms: int, scope: Scope) -> TransferStats:
    this, _ = f.year_to_date(now_ms)
    moved = f.transfers(session, ids, this)
    everyone = f.enterprises_by_id(session, None)
    within = out = 0
    flows: dict[tuple[int, int | None], list[int]] = defaultdict(lambda: [0, 0])
    for _, shipper, receiver, grams in moved:
        same = receiver is not None and _city(everyone[shipper].region_code) == _city(
            everyone[receiver].region_code
        )
        within, out = (within + grams, out) if same else (within, out + grams)
        flows[(shipper, receiver)][0] += 1
        flows[(shipper, receiver)][1] += grams
    methods: dict[tuple[bool, str], list[int]] = defaultdict(lambda: [0, 0])
    for _, utilised, method, grams, bags in f.disposals(session, ids, this):
        methods[(utilised, method or "未填写")][0] += grams
        methods[(utilised, method or "未填写")][1] += bags
    return TransferStats(
        scope=scope,
        year_to_date=_ytd(session, ids, rollup.SHIPPED, now_ms),
        years=_years(session, ids, rollup.SHIPPED, now_ms),
        within_city_grams=within,
        out_of_city_grams=out,
        manifests=len(moved),
        methods=[
            MethodGrams(utilised=u, method=m, grams=g, bags=n)
            for (u, m), (g, n) in sorted(methods.items(), key=lambda kv: -kv[1][0])
        ],
        flows=[
            Flow(
                shipper_uscc=everyone[s].uscc,
                shipper_name=everyone[s].name,
                receiver_uscc=everyone[r].uscc if r is not None else None,
                receiver_name=everyone[r].name if r is not None else None,
                manifests=n,
                grams=g,
            )
            for (s, r), (n, g) in sorted(flows.items(), key=lambda kv: -kv[1][1])[:50]
        ],
        latest=manifest_steps(session, ids, limit=10),
    )


def disposal(session: Session, ids: Ids, now_ms: int, scope: Scope) -> DisposalStats:
    this, _ = f.year_to_date(now_ms)
    on = f.today(now_ms)
    received = f.by_enterprise(session, ids, rollup.RECEIVED, this)
    split: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for eid, utilised, _, grams, _ in f.disposals(session, ids, this):
        split[eid][0 if utilised else 1] += grams
    rows = []
    for ent in f.enterprises_by_id(session, ids).values():
        if "receiver" not in ent.roles:
            continue
        approved = f.approved_capacity(session, ent.id, on)
        got = received.get(ent.id, (0, 0))[0]
        rows.append(
            DisposerProgress(
                uscc=ent.uscc,
                name=ent.name,
                approved_grams=approved,
                received_grams=got,
                utilised_grams=split[ent.id][0],
                disposed_grams=split[ent.id][1],
                progress_percent=round(got * 100 / approved, 1) if approved else None,
            )
        )
    rows.sort(key=lambda r: (-r.received_grams, r.uscc))
    return DisposalStats(
        scope=scope,
        approved_grams=sum(r.approved_grams for r in rows),
        received_grams=sum(r.received_grams for r in rows),
        utilised_grams=sum(r.utilised_grams for r in rows),
        disposed_grams=sum(r.disposed_grams for r in rows),
        enterprises=rows,
    )


def live(session: Session, ids: Ids, now_ms: int, scope: Scope) -> LiveStats:
    periods = []
    for name, period in f.live_periods(now_ms).items():
        per = f.totals_by_kind(session, ids, period)
        periods.append(
            PeriodFigures(
                period=name,
                first_day=period.first,
                last_day=period.last,
                figures=[KindFigure(kind=k, grams=per[k][0], count=per[k][1]) for k in rollup.KINDS],
            )
        )
    today = f.live_periods(now_ms)["today"]
    moves: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    for kind in rollup.KINDS:
        for eid, figure in f.by_enterprise(session, ids, kind, today).items():
            moves[eid][kind] = figure
    enterprises = f.enterprises_by_id(session, ids)
    return LiveStats(
        scope=scope,
        periods=periods,
        today=[
            EnterpriseToday(
                uscc=enterprises[eid].uscc,
                name=enterprises[eid].name,
                figures=[
                    KindFigure(kind=k, grams=moves[eid].get(k, (0, 0))[0], count=moves[eid].get(k, (0, 0))[1])
                    for k in rollup.KINDS
                ],
            )
            for eid in sorted(moves, key=lambda e: enterprises[e].uscc if e in enterprises else "")
            if eid in enterprises
        ],
    )


def _division_name(code: str | None) -> str | None:
    known = divisions().get(code or "")
    return known.name if known is not None else None


FOCUS = 10


def _subdivision(code: str | None, scope_region: str | None) -> str:
    """The subdivision a map or a list of the scope's region groups an enterprise under: a province's
    cities, else counties."""
    if not code or len(code) != 6:
        return ""
    if scope_region and scope_region.endswith("0000"):
        return code[:4] + "00"
    return code


def districts(session: Session, ids: Ids, now_ms: int, scope: Scope) -> DistrictStats:
    enterprises = f.enterprises_by_id(session, ids)
    stock: dict[int, int] = defaultdict(int)
    for eid, _, grams, _ in f.stock_now(session, ids):
        stock[eid] += grams
    warnings = f.open_warnings(session, ids)
    cells: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for e in enterprises.values():
        cell = cells[_subdivision(e.region_code, scope.region)]
        cell[0] += 1
        cell[1] += "producer" in e.roles
        cell[2] += "receiver" in e.roles
        cell[3] += stock.get(e.id, 0)
        cell[4] += warnings.get(e.id, 0)
    watched = sorted(
        (e for e in enterprises.values() if warnings.get(e.id, 0) > 0),
        key=lambda e: (-warnings[e.id], -stock.get(e.id, 0), e.uscc),
    )[:FOCUS]
    return DistrictStats(
        scope=scope,
        roles=dict(Counter(role for e in enterprises.values() for role in e.roles)),
        districts=[
            DistrictFigures(
                code=code,
                name=_division_name(code) or code or "—",
                enterprises=n,
                producers=producers,
                receivers=receivers,
                stock_grams=grams,
                open_warnings=open_,
            )
            for code, (n, producers, receivers, grams, open_) in sorted(cells.items())
        ],
        focus=[
            FocusEnterprise(
                uscc=e.uscc,
                name=e.name,
                region_name=_division_name(e.region_code),
                open_warnings=warnings[e.id],
                stock_grams=stock.get(e.id, 0),
            )
            for e in watched
        ],
    )


def points(session: Session, ids: Ids, now_ms: int, scope: Scope) -> MapStats:
    enterprises = f.enterprises_by_id(session, ids)
    stock: dict[int, int] = defaultdict(int)
    for eid, _, grams, _ in f.stock_now(session, ids):
        stock[eid] += grams
    boxes = f.boxes_online(session, now_ms)
    warnings = f.open_warnings(session, ids)
    placed = [e for e in enterprises.values() if e.lon_e6 is not None and e.lat_e6 is not None]
    return MapStats(
        scope=scope,
        points=[
            MapPoint(
                uscc=e.uscc,
                name=e.name,
                region_code=e.region_code,
                region_name=_division_name(e.region_code),
                roles=list(e.roles),
                lon_e6=e.lon_e6 or 0,
                lat_e6=e.lat_e6 or 0,
                stock_grams=stock.get(e.id, 0),
                boxes=boxes.get(e.uscc, (0, 0))[0],
                boxes_online=boxes.get(e.uscc, (0, 0))[1],
                open_warnings=warnings.get(e.id, 0),
            )
            for e in sorted(placed, key=lambda e: e.uscc)
        ],
        unplaced=len(enterprises) - len(placed),
        roles=dict(Counter(role for e in enterprises.values() for role in e.roles)),
        tracks=tracks(session, ids, now_ms),
    )


TRACKS = 50


def tracks(session: Session, ids: Ids, now_ms: int) -> list[Track]:
    """The newest manifests in transit that the caller may see, each with its vehicle's track."""
    moving = list_manifests(session, ids, now_ms, state=State.IN_TRANSIT, overdue=None, limit=TRACKS)
    out = []
    for m in moving:
        points = track(session, manifest_store.get(session, m["number"]), now_ms)
        out.append(
            Track(
                number=m["number"],
                vehicle_plate=m["vehicle_plate"],
                shipper=m["shipper"]["name"] if m["shipper"] else None,
                receiver=m["receiver"]["name"] if m["receiver"] else None,
                overdue=bool(m.get("overdue")),
                points=[
                    TrackPoint(time_ms=p["time_ms"], lon_e6=p["lon_e6"], lat_e6=p["lat_e6"]) for p in points
                ],
            )
        )
    return out
