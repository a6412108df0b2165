"""Which enterprises a bag concerns, for its trace and who may read it."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.access.principal import Party
from hub.devices.tables import Device
from hub.ledger.tables import EventRow
from hub.manifests.store import Current, manifests_holding
from hub.registry.enterprises import enterprise_by_id, prefetch_enterprises


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
