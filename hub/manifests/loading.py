"""Loading at the shipper's box: which manifests a box may load (signed into its heartbeat answer), and the
`departing` events it sends back, one per bag scanned onto the truck (docs/manifests.md).

The box refuses a bag the list does not name; the hub checks again when the event arrives, and keeps an
event that does not fit (no such manifest, not the sender's, bag not on it) with the problem, as evidence.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from hub.core.dialect import insert_ignore
from hub.manifests import store
from hub.manifests.tables import Loading, Manifest, ManifestBag, ManifestVersion
from hub.registry.enterprises import enterprise_by_id
from protocols.fleet.shipping import ShippingManifest, seal_shipping
from protocols.ledger import Event
from protocols.manifest import State

LOADABLE = frozenset({State.DRAFT, State.SUBMITTED})
"""A manifest's bags are scanned onto the truck before it leaves."""


def loadable_manifests(session: Session, enterprise_id: int) -> list[ShippingManifest]:
    """The enterprise's manifests not departed yet (newest 100), with their bags: asked with every heartbeat,
    so the current versions are found in one query, not one per manifest."""
    newest = (
        select(ManifestVersion.manifest_id, func.max(ManifestVersion.version).label("v"))
        .join(Manifest, Manifest.id == ManifestVersion.manifest_id)
        .where(Manifest.shipper_id == enterprise_id)
        .group_by(ManifestVersion.manifest_id)
        .subquery()
    )
    rows = session.execute(
        select(Manifest, ManifestVersion)
        .join(ManifestVersion, ManifestVersion.manifest_id == Manifest.id)
        .join(newest, (newest.c.manifest_id == Manifest.id) & (newest.c.v == ManifestVersion.version))
        .where(ManifestVersion.state.in_([s.value for s in LOADABLE]))
        .order_by(Manifest.id.desc())
        .limit(100)
    ).all()
    out = []
    for manifest, version in rows:
        cur = store.Current(manifest, version)
        out.append(
            ShippingManifest(
                number=manifest.number,
                state=version.state,
                receiver=enterprise_by_id(session, version.receiver_id).name if version.receiver_id else None,
                carrier=enterprise_by_id(session, version.carrier_id).name if version.carrier_id else None,
                plate=version.vehicle_plate,
                bags=tuple(b.code for b in store.bags(session, cur)),
            )
        )
    return out


def shipping_for(
    session: Session, hub_key: Ed25519PrivateKey, device_id: str, enterprise_id: int, now_ms: int
) -> dict:
    """The signed list of manifests the device's enterprise may load now."""
    return seal_shipping(hub_key, device_id, now_ms, loadable_manifests(session, enterprise_id))


def record_loadings(session: Session, enterprise_id: int, events: Sequence[Event]) -> None:
    """Keep each `departing` event that names a manifest, with its problem if it does not fit."""
    rows = []
    for e in events:
        number = e.data.get("manifest")
        if not isinstance(number, str) or not number:
            continue
        conn = session.connection()
        manifest = conn.execute(_MANIFEST, {"number": number[:64]}).first()
        problem = None
        version = store.latest_version(session, manifest.id) if manifest is not None else None
        if manifest is None or version is None:
            problem = "no_manifest"
        elif enterprise_id not in (manifest.shipper_id, version.carrier_id):
            problem = "not_party"  # only the shipper's and the carrier's boxes load a truck
        else:
            found = {"manifest_id": manifest.id, "version": version.version, "code": e.code}
            on = conn.execute(_ON_MANIFEST, found).scalar()
            problem = None if on is not None else "not_on_manifest"
        rows.append(
            {
                "manifest_number": number[:64],
                "manifest_id": manifest.id if manifest is not None else None,
                "code": e.code,
                "enterprise_id": enterprise_id,
                "device_id": e.device_id,
                "seq": e.seq,
                "time_ms": e.time_ms,
                "operator": e.operator,
                "problem": problem,
            }
        )
    insert_ignore(session, Loading, rows)


# Built once, read as plain rows: the ingest asks them for every departing event that names a manifest.
_MANIFESTS, _BAGS = Manifest.__table__, ManifestBag.__table__
_MANIFEST = select(_MANIFESTS.c.id, _MANIFESTS.c.shipper_id).where(_MANIFESTS.c.number == bindparam("number"))
_ON_MANIFEST = select(_BAGS.c.code).where(
    _BAGS.c.manifest_id == bindparam("manifest_id"),
    _BAGS.c.version == bindparam("version"),
    _BAGS.c.code == bindparam("code"),
)


def loadings(session: Session, manifest_id: int) -> dict[str, Loading]:
    """The first good scan of each bag onto the truck for this manifest."""
    out: dict[str, Loading] = {}
    for row in session.scalars(
        select(Loading)
        .where(Loading.manifest_id == manifest_id, Loading.problem.is_(None))
        .order_by(Loading.time_ms)
    ):
        out.setdefault(row.code, row)
    return out
