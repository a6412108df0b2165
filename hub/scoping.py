"""Which enterprises a caller may see, and which enterprises a bag concerns — for lists and traces."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.access import Access, Party, Scope
from hub.manifest_store import Current, manifests_holding
from hub.models import Device, EventRow
from hub.registry import enterprise_by_id, list_enterprises, prefetch_enterprises


def visible_enterprise_ids(session: Session, access: Access) -> set[int] | None:
    """None means every enterprise."""
    if access.scope == Scope.ALL:
        return None
    if access.scope == Scope.OWN:
        eid = access.principal.enterprise_id if access.principal else None
        return {eid} if eid is not None else set()
    return {e.id for e in list_enterprises(session) if access.sees(e.party)}


def bag_parties(
    session: Session,
    code: str,
    device_ids: Iterable[str] | None = None,
    holding: list[Current] | None = None,
) -> list[Party]:
    """Every enterprise whose device recorded an event of this bag, and every party of a manifest holding it.

    A regulator of any of their regions, and a user of any of them, may read the bag's history. A caller
    that has the bag's events already passes their `device_ids` and saves reading them again.
    """
    if device_ids is None:
        query = select(Device.enterprise_id).join(EventRow, EventRow.device_id == Device.device_id)
        ids = set(session.scalars(query.where(EventRow.code == code)))
    else:
        ids = set(session.scalars(select(Device.enterprise_id).where(Device.device_id.in_(set(device_ids)))))
    if holding is None:
        holding = manifests_holding(session, [code]).get(code, [])
    for cur in holding:
        ids |= {cur.manifest.shipper_id, cur.version.carrier_id, cur.version.receiver_id} - {None}
    prefetch_enterprises(session, ids)
    return [enterprise_by_id(session, eid).party for eid in sorted(ids)]
