"""The manifest list a page or an export shows, searched, sorted, counted and paged in the database: a filter
reaches every manifest the caller may see, and only the rows of the page are looked at closer.

Each manifest's current version is `manifests.current_version`, with that version's bags and weight (kept
where a version is written, hub/manifests/commands.py), so the list joins one version per manifest through
its primary key instead of grouping every version, and sorts by weight without summing every bag.

Overdue depends on the confirmation deadline, worked out from arrival and working days
(hub/manifests/views.py: deadline): it is worked out for the manifests in transit that have arrived — the
only ones that can be overdue — and the list filters and sorts on that set.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from hub.manifests import store
from hub.manifests.tables import Manifest, ManifestBag, ManifestVersion, ReceiptRow
from hub.registry.enterprises import enterprises_named
from hub.registry.tables import Enterprise
from protocols.manifest import State

MAX_EXPORT = 100_000


@dataclass(frozen=True, slots=True)
class Search:
    number: str = ""  # a part of the 联单编号
    state: str | None = None
    party: str = ""  # a part of a party's name, or a USCC
    since_ms: int | None = None  # departed at or after
    until_ms: int | None = None  # departed before
    overdue: bool | None = None


def current() -> Select[Any]:
    """Every manifest with its current version."""
    return select(Manifest, ManifestVersion).join(
        ManifestVersion,
        and_(ManifestVersion.manifest_id == Manifest.id, ManifestVersion.version == Manifest.current_version),
    )


def overdue_ids(session: Session, visible: set[int] | None, now_ms: int) -> set[int]:
    """The manifests in transit the caller may see whose confirmation deadline has passed."""
    from hub.manifests.views import deadline_at  # the deadline rule lives with the views

    # Only a manifest that has arrived (or carries its deadline) can be late: the rest wait for no one.
    arrived_at_all = or_(
        ManifestVersion.confirm_due_ms.is_not(None),
        ManifestVersion.arrived_ms.is_not(None),
        exists().where(ReceiptRow.manifest_id == Manifest.id, ReceiptRow.problem.is_(None)),
    )
    candidates = current().where(ManifestVersion.state == State.IN_TRANSIT, arrived_at_all)
    moving = session.execute(scoped(candidates, visible)).all()
    arrived = store.arrivals(session, [m.id for m, v in moving if not v.arrived_ms])
    return {
        m.id
        for m, v in moving
        if deadline_at(store.Current(m, v), v.arrived_ms or arrived.get(m.id), now_ms)["overdue"]
    }


def scoped(query: Select[Any], visible: set[int] | None) -> Select[Any]:
    if visible is None:
        return query
    ids = list(visible)
    return query.where(
        or_(
            Manifest.shipper_id.in_(ids),
            ManifestVersion.carrier_id.in_(ids),
            ManifestVersion.receiver_id.in_(ids),
        )
    )


def _filtered(session: Session, visible: set[int] | None, s: Search, late: set[int] | None) -> Select[Any]:
    query = scoped(current(), visible)
    if s.number:
        query = query.where(Manifest.number.contains(s.number, autoescape=True))
    if s.state:
        query = query.where(ManifestVersion.state == s.state)
    if s.party:
        named = list(enterprises_named(session, s.party))
        query = query.where(
            or_(
                Manifest.shipper_id.in_(named),
                ManifestVersion.carrier_id.in_(named),
                ManifestVersion.receiver_id.in_(named),
            )
        )
    if s.since_ms is not None:
        query = query.where(ManifestVersion.departed_ms >= s.since_ms)
    if s.until_ms is not None:
        query = query.where(ManifestVersion.departed_ms < s.until_ms)
    if s.overdue is not None and late is not None:
        query = query.where(Manifest.id.in_(late) if s.overdue else Manifest.id.not_in(late))
    return query


def _order(query: Select[Any], sort: str, desc: bool, late: set[int]) -> Select[Any]:
    shipper, carrier, receiver = aliased(Enterprise), aliased(Enterprise), aliased(Enterprise)
    if sort == "bags":
        key: Any = func.coalesce(Manifest.bags, 0)
    elif sort == "shipped_grams":
        key = func.coalesce(Manifest.shipped_grams, 0)
    elif sort == "shipper_name":
        query, key = query.join(shipper, shipper.id == Manifest.shipper_id), shipper.name
    elif sort == "carrier_name":
        query, key = query.outerjoin(carrier, carrier.id == ManifestVersion.carrier_id), carrier.name
    elif sort == "receiver_name":
        query, key = query.outerjoin(receiver, receiver.id == ManifestVersion.receiver_id), receiver.name
    elif sort == "overdue":
        key = case((Manifest.id.in_(late), 1), else_=0) if late else Manifest.id * 0
    elif sort == "state_label":
        key = ManifestVersion.state
    elif sort == "departed_ms":
        key = ManifestVersion.departed_ms
    elif sort == "newest":
        key = Manifest.id
    else:
        key = Manifest.number
    first = key.desc() if desc else key.asc()
    return query.order_by(first, Manifest.number.desc() if desc else Manifest.number.asc())


def search(
    session: Session,
    visible: set[int] | None,
    now_ms: int,
    s: Search,
    *,
    sort: str = "number",
    desc: bool = True,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], int]:
    """The page of manifests matching `s` (rows as the list shows them) and how many match in all."""
    needs_late = s.overdue is not None or sort == "overdue"
    late = overdue_ids(session, visible, now_ms) if needs_late else set()
    query = _filtered(session, visible, s, late if needs_late else None)
    total = session.scalar(select(func.count()).select_from(query.with_only_columns(Manifest.id).subquery()))
    page = session.execute(_order(query, sort, desc, late).offset(offset).limit(limit)).all()
    return rows(session, [(m, v) for m, v in page], now_ms), int(total or 0)


def rows(
    session: Session, found: Sequence[tuple[Manifest, ManifestVersion]], now_ms: int
) -> list[dict[str, Any]]:
    """The list's rows for these manifests: parties, bags and weight in a few queries for all of them, the
    deadline per manifest."""
    from hub.manifests.views import deadline_at, party_view

    if not found:
        return []
    ids = [m.id for m, _ in found]
    arrived = store.arrivals(session, [m.id for m, v in found if not v.arrived_ms])
    loads: dict[tuple[int, int], tuple[int, int]] = {}
    for mid, ver, n, grams in session.execute(
        select(
            ManifestBag.manifest_id, ManifestBag.version, func.count(), func.sum(ManifestBag.shipped_grams)
        )
        .where(ManifestBag.manifest_id.in_(ids))
        .group_by(ManifestBag.manifest_id, ManifestBag.version)
    ):
        loads[(mid, ver)] = (int(n), int(grams or 0))
    people: dict[int, Any] = defaultdict(lambda: None)
    wanted = {m.shipper_id for m, _ in found} | {
        e for _, v in found for e in (v.carrier_id, v.receiver_id) if e is not None
    }
    people.update(party_view(session, wanted))
    out = []
    for manifest, version in found:
        count, grams = loads.get((manifest.id, version.version), (0, 0))
        out.append(
            {
                "number": manifest.number,
                "version": version.version,
                "state": version.state,
                "shipper": people[manifest.shipper_id],
                "carrier": people[version.carrier_id] if version.carrier_id else None,
                "receiver": people[version.receiver_id] if version.receiver_id else None,
                "vehicle_plate": version.vehicle_plate,
                "created_ms": manifest.created_ms,
                "departed_ms": version.departed_ms,
                "bags": count,
                "shipped_grams": grams,
                **deadline_at(
                    store.Current(manifest, version),
                    version.arrived_ms or arrived.get(manifest.id),
                    now_ms,
                ),
            }
        )
    return out
