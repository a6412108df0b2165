"""Who may act on a bag: the custody rules, judged on each newly stored event before it is projected.

- commissioning: only a device of the enterprise whose USCC the code carries (the 数字识别码 begins with the
  producer's 统一社会信用代码, in the default layout and in the HJ 608 one);
- storing, staging_outbound, correcting, decommissioning: only the enterprise that holds the bag now — the
  producer, until a receiver's accepted receipt against a manifest makes the receiver the holder; a
  correction must name an event of the same bag;
- receiving: only the receiver named on a manifest that carries the bag; destroying: only the receiver of
  a manifest that carries it. The producer itself only when it holds a licence (危险废物经营许可证) that
  approves the bag's waste code on that day (自行利用处置);
- every other kind (encoding, departing, transporting, inspecting): the producer, the holder, or a party
  (shipper, carrier, receiver) of a manifest that carries the bag.

Whatever the kind: a device time outside 2000–2099 (1970–2099 when the device says its clock is not
synchronised: a Pi without a real-time clock boots in 1970) and a weight below 0 or above 100 t are refused.

A refused event stays in the chain (the chain is signed; dropping a link would block the device), and the
batch is acknowledged; the event is recorded in `refused_events` with its reason and never projected.
The rules see the batch in chain order: a bag commissioned or received earlier in the same batch counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hub.inventory.storage import producers_by_code
from hub.ledger.events import codes_of_events
from hub.manifests import receiving, store
from hub.registry.enterprises import enterprise_ids_by_uscc
from hub.registry.licences import licence_for
from protocols.codes import china_date_from_ms
from protocols.ledger import Event, EventKind

USCC_LENGTH = 18
# 2000-01-01 and 2100-01-01, UTC ms. A clock that says it is not synchronised may be as early as 1970.
MIN_TIME_MS, MAX_TIME_MS = 946_684_800_000, 4_102_444_800_000
# A bag, drum or tonne bag weighs kilograms to a few tonnes; 100 t is more than any container on a scale.
MAX_GRAMS = 100_000_000

# Receipts refused for not fitting a manifest are still kept against the manifest, flagged with the problem.
FLAGGED_RECEIPTS = frozenset({"no_manifest", "not_on_manifest", "not_receiver"})

HOLDER_KINDS = frozenset(
    {EventKind.STORING, EventKind.STAGING_OUTBOUND, EventKind.CORRECTING, EventKind.DECOMMISSIONING}
)

REASONS: dict[str, tuple[str, str]] = {
    "time_out_of_range": ("事件时间不在2000–2099年之间", "the event's time is outside 2000–2099"),
    "bad_weight": ("重量为负或超过100吨", "the weight is negative or above 100 t"),
    "not_producer": (
        "数字识别码中的单位代码不是本企业的统一社会信用代码，不能赋码",
        "the code does not carry this enterprise's USCC: only its producer may commission it",
    ),
    "not_holder": ("该袋不在本企业手中，不能入库、出库、更正或作废", "this enterprise does not hold the bag"),
    "unknown_bag": ("平台不知道该袋属于哪家企业", "the hub does not know whose bag this is"),
    "corrects_other_bag": ("更正的事件不属于该袋", "the corrected event belongs to another bag"),
    "no_manifest": ("没有载有该袋的转移联单", "no manifest carries this bag"),
    "not_on_manifest": ("该袋不在所指的转移联单上", "the bag is not on the manifest named"),
    "not_receiver": ("本企业不是转移联单上的接收单位", "this enterprise is not the manifest's receiver"),
    "not_a_party": (
        "本企业既不是产生单位、持有单位，也不是载有该袋的联单的当事方",
        "this enterprise is neither the producer, the holder nor a party of a manifest carrying the bag",
    ),
}


@dataclass(frozen=True, slots=True)
class Refused:
    event: Event
    reason: str

    @property
    def message(self) -> str:
        zh, en = REASONS[self.reason]
        return f"{zh} ({en})"


@dataclass(slots=True)
class Known:
    """What the hub knows of the batch's bags, updated as the batch's own events are judged (`read_known`).
    Batches that name no bag in common may share one: each event updates only its own bag's entries."""

    producer: dict[str, int]
    holder: dict[str, int]
    waste: dict[str, str | None]
    holding: dict[str, list[store.Current]]
    corrected_code: dict[str, str]


def sane(event: Event) -> str | None:
    """The reason an event is absurd whoever sent it, or None."""
    low = 0 if not event.clock_synced else MIN_TIME_MS
    if not low <= event.time_ms < MAX_TIME_MS:
        return "time_out_of_range"
    if event.grams is not None and not 0 <= event.grams <= MAX_GRAMS:
        return "bad_weight"
    return None


def judge(
    session: Session, enterprise_id: int, uscc: str, events: Sequence[Event], known: Known | None = None
) -> list[Refused]:
    """The events of one device's batch (in chain order) that its enterprise (`uscc`, read by the ingest
    with the device) may not perform, with why. `known`: what `read_known` read for these events, with
    other batches' (the projector judges batches of distinct bags on one read)."""
    if not events:
        return []
    if known is None:
        known = read_known(session, events)
    refused = []
    for e in events:
        reason = sane(e) or _custody(session, enterprise_id, uscc, e, known)
        if reason is not None:
            refused.append(Refused(e, reason))
            continue
        if e.kind == EventKind.COMMISSIONING:
            known.producer.setdefault(e.code, enterprise_id)
            known.holder.setdefault(e.code, enterprise_id)
            known.waste.setdefault(e.code, e.waste_code)
        elif e.kind == EventKind.RECEIVING and e.data.get("accepted", True) is not False:
            known.holder[e.code] = enterprise_id
        known.corrected_code[e.event_id] = e.code
    return refused


def read_known(session: Session, events: Sequence[Event]) -> Known:
    """What the hub knows of the events' bags: their producers, holders, waste codes and manifests."""
    codes = sorted({e.code for e in events})
    bags = producers_by_code(session, codes)
    producer = {code: enterprise_id for code, (enterprise_id, _) in bags.items()}
    # A bag the hub has not seen commissioned (its producer's box may not have sent it yet) belongs to the
    # enterprise whose USCC its code carries.
    by_uscc = enterprise_ids_by_uscc(session, {c[:USCC_LENGTH] for c in codes if c not in producer})
    for code in codes:
        if code not in producer and code[:USCC_LENGTH] in by_uscc:
            producer[code] = by_uscc[code[:USCC_LENGTH]]
    holder = dict(producer) | receiving.holders_by_receipt(session, codes)
    corrected = codes_of_events(session, [e.corrects for e in events if e.corrects])
    return Known(
        producer=producer,
        holder=holder,
        waste={code: waste_code for code, (_, waste_code) in bags.items()},
        holding=store.manifests_holding(session, codes),
        corrected_code=corrected,
    )


def _custody(session: Session, enterprise_id: int, uscc: str, e: Event, known: Known) -> str | None:
    if e.kind == EventKind.COMMISSIONING:
        return None if e.code[:USCC_LENGTH] == uscc and len(e.code) > USCC_LENGTH else "not_producer"
    if e.kind in HOLDER_KINDS:
        holder = known.holder.get(e.code)
        if holder is None:
            return "unknown_bag"
        if holder != enterprise_id:
            return "not_holder"
        if e.kind == EventKind.CORRECTING and e.corrects:
            named = known.corrected_code.get(e.corrects)
            if named is not None and named != e.code:
                return "corrects_other_bag"
        return None
    if e.kind == EventKind.RECEIVING:
        _, problem = receiving.link_receipt(session, enterprise_id, e)
        if problem is None or _self_disposal(session, enterprise_id, e, known):
            return None
        return problem
    if e.kind == EventKind.DESTROYING:
        holding = known.holding.get(e.code, [])
        if any(cur.version.receiver_id == enterprise_id for cur in holding):
            return None
        if _self_disposal(session, enterprise_id, e, known):
            return None
        return "not_receiver" if holding else "no_manifest"
    parties = {known.producer.get(e.code), known.holder.get(e.code)}
    for cur in known.holding.get(e.code, []):
        parties |= {cur.manifest.shipper_id, cur.version.carrier_id, cur.version.receiver_id}
    return None if enterprise_id in parties else "not_a_party"


def _self_disposal(session: Session, enterprise_id: int, e: Event, known: Known) -> bool:
    """A producer licensed to utilise or dispose of this waste itself (自行利用处置) on the event's day."""
    if known.producer.get(e.code) != enterprise_id:
        return False
    waste_code = known.waste.get(e.code) or e.waste_code  # the bag's own, not what the event claims
    if not waste_code:
        return False
    return licence_for(session, enterprise_id, waste_code, china_date_from_ms(e.time_ms)) is not None
