"""Reading manifests as stored: the current version, its bags, its parties, the receipts against it.

A manifest is a row in `manifests` (number, shipper) and its versions in `manifest_versions`, each with its
own copy of the bags loaded in `manifest_bags`. The current version is the highest.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from hub.core.dialect import in_param
from hub.core.errors import NotFound
from hub.core.plain_reads import PlainRead
from hub.core.versions import latest
from hub.manifests.tables import Manifest, ManifestBag, ManifestVersion, ReceiptRow
from hub.registry.enterprises import EnterpriseInfo, enterprise_by_id
from protocols.manifest import OPEN_STATES, Party, State


@dataclass(frozen=True, slots=True)
class Current:
    manifest: Manifest
    version: ManifestVersion

    @property
    def state(self) -> State:
        return State(self.version.state)


def get(session: Session, number: str) -> Current:
    manifest = session.scalar(_BY_NUMBER, {"number": number})
    if manifest is None:
        raise NotFound(f"没有编号为 {number} 的转移联单 (no manifest {number!r})")
    return Current(manifest, latest_version(session, manifest.id))


def latest_version(session: Session, manifest_id: int) -> ManifestVersion:
    found = latest(session, ManifestVersion, manifest_id=manifest_id)
    if found is None:  # every manifest is created with its first version, in the same transaction
        raise NotFound(f"联单 {manifest_id} 没有版本 (manifest {manifest_id} has no version)")
    return found


def bags(session: Session, cur: Current) -> list[ManifestBag]:
    return list(session.scalars(_BAGS, {"manifest_id": cur.manifest.id, "version": cur.version.version}))


def bag_codes(session: Session, cur: Current) -> set[str]:
    """The codes of the bags on the manifest's current version, as plain rows (no ORM objects to build)."""
    return set(session.scalars(_BAG_CODES, {"manifest_id": cur.manifest.id, "version": cur.version.version}))


def carries(session: Session, cur: Current, code: str) -> bool:
    """Whether the manifest's current version holds the bag: one lookup on the primary key."""
    key = {"manifest_id": cur.manifest.id, "version": cur.version.version, "code": code}
    return session.scalar(_CARRIES, key) is not None


def parties(session: Session, cur: Current) -> dict[Party, EnterpriseInfo]:
    out = {Party.SHIPPER: enterprise_by_id(session, cur.manifest.shipper_id)}
    if cur.version.carrier_id:
        out[Party.CARRIER] = enterprise_by_id(session, cur.version.carrier_id)
    if cur.version.receiver_id:
        out[Party.RECEIVER] = enterprise_by_id(session, cur.version.receiver_id)
    return out


def parties_of(enterprise_id: int | None, cur: Current) -> set[Party]:
    """The parts an enterprise plays on this manifest (one enterprise may play two)."""
    if enterprise_id is None:
        return set()
    roles = {
        Party.SHIPPER: cur.manifest.shipper_id,
        Party.CARRIER: cur.version.carrier_id,
        Party.RECEIVER: cur.version.receiver_id,
    }
    return {p for p, eid in roles.items() if eid == enterprise_id}


# Built once: the ingest reads a manifest named by a receipt, every trace asks which manifests carry the bag.
_BY_NUMBER = select(Manifest).where(Manifest.number == bindparam("number"))


@functools.cache
def _candidates(dialect: str) -> PlainRead:
    table = ManifestBag.__table__
    return PlainRead(
        select(table.c.manifest_id, table.c.code).where(in_param(dialect, table.c.code, "codes")).distinct()
    )


_BAGS = (
    select(ManifestBag)
    .where(ManifestBag.manifest_id == bindparam("manifest_id"), ManifestBag.version == bindparam("version"))
    .order_by(ManifestBag.code)
)
# On the mapped columns, not the table: like `bags`, they see bags added in the session and not yet flushed.
_BAG_CODES = select(ManifestBag.code).where(
    ManifestBag.manifest_id == bindparam("manifest_id"), ManifestBag.version == bindparam("version")
)
_CARRIES = select(ManifestBag.code).where(
    ManifestBag.manifest_id == bindparam("manifest_id"),
    ManifestBag.version == bindparam("version"),
    ManifestBag.code == bindparam("code"),
)


def manifests_holding(session: Session, codes: Iterable[str]) -> dict[str, list[Current]]:
    """For each code, the manifests whose current version holds it."""
    codes = list(codes)
    found: dict[str, list[Current]] = {}
    if not codes:
        return found
    conn = session.connection()
    candidates = _candidates(conn.dialect.name).all(conn, {"codes": codes})
    cache: dict[int, tuple[Current, set[str]]] = {}
    for manifest_id, code in candidates:
        if manifest_id not in cache:
            manifest = session.get_one(Manifest, manifest_id)
            cur = Current(manifest, latest_version(session, manifest_id))
            cache[manifest_id] = (cur, bag_codes(session, cur))
        cur, held = cache[manifest_id]
        if code in held:
            found.setdefault(code, []).append(cur)
    return found


def open_manifest_for(session: Session, code: str) -> Current | None:
    for cur in manifests_holding(session, [code]).get(code, []):
        if cur.state in OPEN_STATES:
            return cur
    return None


def receipts(session: Session, manifest_id: int, as_of_ms: int | None = None) -> dict[str, ReceiptRow]:
    """The latest receipt per bag linked to the manifest (a later re-weighing replaces an earlier one); with
    `as_of_ms`, only those the hub had recorded by then (what a past version of the manifest knew)."""
    query = select(ReceiptRow).where(ReceiptRow.manifest_id == manifest_id, ReceiptRow.problem.is_(None))
    if as_of_ms is not None:
        query = query.where(ReceiptRow.recorded_ms <= as_of_ms)
    rows = session.scalars(query.order_by(ReceiptRow.time_ms, ReceiptRow.id))
    return {r.code: r for r in rows}


def versions_after(
    session: Session, after: tuple[int, int, int] | None, until_ms: int, limit: int
) -> list[Current]:
    """Every version of every manifest in the order the hub recorded them — (recorded time, manifest id,
    version) — after the key `after`, recorded by `until_ms`: each a `Current` of that version."""
    v = ManifestVersion
    query = select(Manifest, v).join(v, v.manifest_id == Manifest.id).where(v.recorded_ms <= until_ms)
    if after is not None:
        ms, manifest_id, version = after
        query = query.where(
            or_(
                v.recorded_ms > ms,
                and_(v.recorded_ms == ms, v.manifest_id > manifest_id),
                and_(v.recorded_ms == ms, v.manifest_id == manifest_id, v.version > version),
            )
        )
    rows = session.execute(query.order_by(v.recorded_ms, v.manifest_id, v.version).limit(limit)).all()
    return [Current(m, mv) for m, mv in rows]


def problem_receipts(session: Session, manifest_id: int) -> list[ReceiptRow]:
    return list(
        session.scalars(
            select(ReceiptRow)
            .where(ReceiptRow.manifest_id == manifest_id, ReceiptRow.problem.is_not(None))
            .order_by(ReceiptRow.time_ms)
        )
    )


def arrivals(session: Session, manifest_ids: list[int]) -> dict[int, int]:
    """The first accepted receipt of each of these manifests (those with one)."""
    if not manifest_ids:
        return {}
    rows = session.execute(
        select(ReceiptRow.manifest_id, func.min(ReceiptRow.time_ms))
        .where(ReceiptRow.manifest_id.in_(manifest_ids), ReceiptRow.problem.is_(None))
        .group_by(ReceiptRow.manifest_id)
    )
    return {int(m): int(t) for m, t in rows}


def arrival_ms(session: Session, manifest_id: int) -> int | None:
    return session.scalar(
        select(func.min(ReceiptRow.time_ms)).where(
            ReceiptRow.manifest_id == manifest_id, ReceiptRow.problem.is_(None)
        )
    )


def departed_bags(session: Session) -> Iterator[tuple[int, int, str | None, int]]:
    """(shipper id, departure time, waste code, shipped grams) of every bag on every manifest that departed,
    as loaded when it departed: what hub/stats/rebuild.py counts as shipped."""
    query = (
        select(
            Manifest.shipper_id,
            ManifestVersion.departed_ms,
            ManifestBag.waste_code,
            ManifestBag.shipped_grams,
        )
        .join(ManifestVersion, ManifestVersion.manifest_id == Manifest.id)
        .join(
            ManifestBag,
            (ManifestBag.manifest_id == ManifestVersion.manifest_id)
            & (ManifestBag.version == ManifestVersion.version),
        )
        .where(ManifestVersion.command == "depart")
        .execution_options(yield_per=10_000)
    )
    for row in session.execute(query):
        yield row.shipper_id, row.departed_ms, row.waste_code, row.shipped_grams


def departures(
    session: Session, ids: set[int] | None, since_ms: int, until_ms: int
) -> list[tuple[str, int, int | None, int]]:
    """(number, shipper id, receiver id, shipped grams) of every manifest that departed in the period and that
    one of the enterprises `ids` (None: all) ships or receives."""
    shipped = (
        select(
            ManifestBag.manifest_id, ManifestBag.version, func.sum(ManifestBag.shipped_grams).label("grams")
        )
        .group_by(ManifestBag.manifest_id, ManifestBag.version)
        .subquery()
    )
    query = (
        select(Manifest.number, Manifest.shipper_id, ManifestVersion.receiver_id, shipped.c.grams)
        .join(ManifestVersion, ManifestVersion.manifest_id == Manifest.id)
        .join(
            shipped,
            (shipped.c.manifest_id == ManifestVersion.manifest_id)
            & (shipped.c.version == ManifestVersion.version),
        )
        .where(
            ManifestVersion.command == "depart",
            ManifestVersion.departed_ms >= since_ms,
            ManifestVersion.departed_ms < until_ms,
        )
    )
    if ids is not None:
        listed = list(ids)
        query = query.where(Manifest.shipper_id.in_(listed) | ManifestVersion.receiver_id.in_(listed))
    return [(n, s, r, int(g or 0)) for n, s, r, g in session.execute(query).all()]
