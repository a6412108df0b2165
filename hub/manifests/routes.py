"""Transfer manifests (电子转移联单): create, load bags, correct, move along, receive, read."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from sqlalchemy.orm import Session

from hub.access.audit import note
from hub.access.gate import AccessDep
from hub.access.principal import Access, Scope
from hub.access.roles import Role
from hub.core.deps import HubDep, ReadSession, WriteSession
from hub.core.errors import Forbidden
from hub.manifests import commands as manifests
from hub.manifests import receiving, store
from hub.manifests import views as manifest_views
from hub.manifests.schemas import (
    BagsLoad,
    ManifestCorrection,
    ManifestCreate,
    ManifestSummary,
    ManifestTrack,
    ManifestVersionView,
    ManifestView,
    ReceiptEntry,
    TransitionRequest,
)
from hub.manifests.search import Search, search
from hub.registry.enterprises import enterprise_by_id
from hub.registry.visibility import visible_enterprise_ids
from hub.transport import positions as transport
from hub.web.formatting import day_ms
from protocols.manifest import Party, State

router = APIRouter(prefix="/api/v1", tags=["manifests"])

# Each enterprise-bound role acts for one party: an enterprise user ships, a transporter carries, a receiver
# receives — whatever else its enterprise may be on the manifest.
ROLE_PARTS = {
    Role.ENTERPRISE: {Party.SHIPPER},
    Role.TRANSPORTER: {Party.CARRIER},
    Role.RECEIVER: {Party.RECEIVER},
}


def manifest_for(session: Session, access: Access, number: str) -> tuple[store.Current, set[Party]]:
    """The manifest and the parts the caller's enterprise plays on it; refused if not the caller's to see."""
    cur = store.get(session, number)
    parties = store.parties(session, cur)
    access.require_any([e.party for e in parties.values()], f"转移联单 {number}")
    if access.scope != Scope.OWN or access.principal is None:
        return cur, set()
    mine = store.parties_of(access.principal.enterprise_id, cur)
    return cur, mine & ROLE_PARTS.get(access.principal.role, set())


def _acting(parts: set[Party], number: str) -> set[Party]:
    if not parts:
        raise Forbidden(
            f"您的角色不能作为联单 {number} 的当事方操作 (your role acts for no party of this manifest)",
            "party",
        )
    return parts


@router.get("/manifests", response_model=list[ManifestSummary])
def list_manifests(
    hub: HubDep,
    session: ReadSession,
    access: AccessDep,
    state: State | None = None,
    overdue: bool | None = None,
    number: Annotated[str, Query(max_length=32, description="a part of the 联单编号")] = "",
    party: Annotated[str, Query(max_length=64, description="a part of a party's name, or its USCC")] = "",
    since: Annotated[str | None, Query(description="departed on or after this day, YYYY-MM-DD")] = None,
    until: Annotated[str | None, Query(description="departed on or before this day (Beijing)")] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: int = Query(200, ge=1, le=5000),
) -> list[dict[str, Any]]:
    """Manifests the caller may see, newest first, with the seed's filters (联单编号, 转移日期, 状态,
    产废/运输/接收单位, overdue): `overdue=true` lists those past the receiver's deadline."""
    visible = visible_enterprise_ids(session, access)
    wanted = Search(
        number=number.strip(),
        state=state.value if state is not None else None,
        party=party.strip(),
        since_ms=day_ms(since, "since"),
        until_ms=day_ms(until, "until", end=True),
        overdue=overdue,
    )
    found, _ = search(session, visible, hub.clock(), wanted, sort="newest", offset=offset, limit=limit)
    return found


@router.post("/manifests", status_code=status.HTTP_201_CREATED, response_model=ManifestView)
def create_manifest(
    body: ManifestCreate, request: Request, hub: HubDep, session: WriteSession, access: AccessDep
) -> dict[str, Any]:
    """A draft, numbered 4-digit year + province + city + 6-digit serial (or with the number given)."""
    now = hub.clock()
    shipper = enterprise_by_id(session, access.user.enterprise_id or -1)
    number = manifests.create(session, shipper, body.model_dump(), by=access.actor, now_ms=now)
    note(request, number=number)
    cur = store.get(session, number)
    return manifest_views.view(session, cur, now, {Party.SHIPPER})


@router.get("/manifests/{number}", response_model=ManifestView)
def get_manifest(number: str, hub: HubDep, session: ReadSession, access: AccessDep) -> dict[str, Any]:
    """The current version: parties, bags with shipped and received weights, deadline, problems."""
    cur, mine = manifest_for(session, access, number)
    return manifest_views.view(session, cur, hub.clock(), mine)


@router.get("/manifests/{number}/versions", response_model=list[ManifestVersionView])
def manifest_versions(number: str, session: ReadSession, access: AccessDep) -> list[dict[str, Any]]:
    """Every version, oldest first: what changed, by whom, why, and the bags added or removed."""
    cur, _ = manifest_for(session, access, number)
    return manifest_views.versions(session, cur)


@router.patch("/manifests/{number}", response_model=ManifestView)
def correct_manifest(
    number: str,
    body: ManifestCorrection,
    request: Request,
    hub: HubDep,
    session: WriteSession,
    access: AccessDep,
) -> dict[str, Any]:
    """A correction: a new version with the changed fields; the party and state decide which fields."""
    changes = body.model_dump(exclude_unset=True)
    reason = changes.pop("reason", None)
    now = hub.clock()
    cur, mine = manifest_for(session, access, number)
    cur = manifests.correct(session, cur, changes, reason, _acting(mine, number), by=access.actor, now_ms=now)
    note(request, version=cur.version.version, fields=sorted(changes))
    return manifest_views.view(session, cur, now, mine)


@router.post("/manifests/{number}/bags", response_model=ManifestView)
def load_bags(
    number: str, body: BagsLoad, request: Request, hub: HubDep, session: WriteSession, access: AccessDep
) -> dict[str, Any]:
    now = hub.clock()
    cur, mine = manifest_for(session, access, number)
    cur = manifests.load(session, cur, body.codes, _acting(mine, number), by=access.actor, now_ms=now)
    note(request, version=cur.version.version, bags=len(body.codes))
    return manifest_views.view(session, cur, now, mine)


@router.delete("/manifests/{number}/bags/{code}", response_model=ManifestView)
def unload_bag(
    number: str, code: str, request: Request, hub: HubDep, session: WriteSession, access: AccessDep
) -> dict[str, Any]:
    now = hub.clock()
    cur, mine = manifest_for(session, access, number)
    cur = manifests.unload(session, cur, code, _acting(mine, number), by=access.actor, now_ms=now)
    note(request, version=cur.version.version)
    return manifest_views.view(session, cur, now, mine)


@router.post("/manifests/{number}/transitions", response_model=ManifestView)
def transition(
    number: str,
    body: TransitionRequest,
    request: Request,
    hub: HubDep,
    session: WriteSession,
    access: AccessDep,
) -> dict[str, Any]:
    """submit, cancel (shipper); depart (carrier); confirm (receiver); close (receiver or shipper)."""
    now = hub.clock()
    changes = body.transport.model_dump(exclude_unset=True) if body.transport else {}
    cur, mine = manifest_for(session, access, number)
    cur = manifests.transition(
        session,
        cur,
        body.command,
        _acting(mine, number),
        changes=changes,
        reason=body.reason,
        by=access.actor,
        now_ms=now,
    )
    note(request, command=body.command, version=cur.version.version, state=cur.version.state)
    return manifest_views.view(session, cur, now, mine)


@router.post("/manifests/{number}/receipts", status_code=status.HTTP_201_CREATED, response_model=ManifestView)
def enter_receipt(
    number: str, body: ReceiptEntry, request: Request, hub: HubDep, session: WriteSession, access: AccessDep
) -> dict[str, Any]:
    """A receipt entered by hand (a receiver without an edge): the re-weighed grams, accepted or not."""
    now = hub.clock()
    cur, mine = manifest_for(session, access, number)
    if Party.RECEIVER not in mine:
        raise Forbidden(f"只有接受人能登记联单 {number} 的接收 (only the receiver records receipts)", "party")
    receiving.record_receipt(
        session,
        cur,
        code=body.code,
        grams=body.grams,
        accepted=body.accepted,
        reason=body.reason,
        time_ms=body.time_ms if body.time_ms is not None else now,
        enterprise_id=access.user.enterprise_id or -1,
        by=access.actor,
        now_ms=now,
    )
    note(request, code=body.code, accepted=body.accepted)
    return manifest_views.view(session, cur, now, mine)


@router.get("/manifests/{number}/track", response_model=ManifestTrack)
def manifest_track(number: str, hub: HubDep, session: ReadSession, access: AccessDep) -> dict[str, Any]:
    """The carrying vehicle's GPS points from departure to arrival."""
    cur, _ = manifest_for(session, access, number)
    return {
        "number": number,
        "vehicle_plate": cur.version.vehicle_plate,
        "points": transport.track(session, cur, hub.clock()),
    }
