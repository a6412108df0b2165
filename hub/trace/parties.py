"""Which enterprises a bag concerns, for its trace and who may read it: custody, not who named the code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from hub.access.principal import Party
from hub.inventory.storage import bags_by_code
from hub.inventory.tables import Bag
from hub.manifests import receiving
from hub.manifests.store import Current, manifests_holding
from hub.registry.enterprises import enterprise_by_id, enterprise_ids_by_uscc, prefetch_enterprises

USCC_LENGTH = 18


def bag_parties(
    session: Session,
    code: str,
    holding: list[Current] | None = None,
    bags: Mapping[str, Bag | Row[Any]] | None = None,
) -> list[Party]:
    """The bag's producer, whoever holds it by an accepted receipt, and every party (shipper, carrier,
    receiver) of a manifest that carries it.

    A regulator of any of their regions, and a user of any of them, may read the bag's history. A device of
    another enterprise that named the code (its events refused, hub/custody) opens nothing. `holding` and
    `bags` are what `manifests_holding` and `bags_by_code` said, when the caller asked them already.
    """
    bag = (bags if bags is not None else bags_by_code(session, [code])).get(code)
    ids: set[int] = set()
    if bag is not None:
        ids.add(bag.enterprise_id)
    else:  # not (yet) commissioned at the hub: the enterprise whose USCC the code carries
        ids |= set(enterprise_ids_by_uscc(session, {code[:USCC_LENGTH]}).values())
    holder = receiving.holders_by_receipt(session, [code]).get(code)
    if holder is not None:
        ids.add(holder)
    if holding is None:
        holding = manifests_holding(session, [code]).get(code, [])
    for cur in holding:
        ids |= {cur.manifest.shipper_id, cur.version.carrier_id, cur.version.receiver_id} - {None}
    prefetch_enterprises(session, ids)
    return [enterprise_by_id(session, eid).party for eid in sorted(ids)]
