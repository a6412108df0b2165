"""The transfer manifest's states and the table of who may move it where (令第23号 §§10–18).

The table is the whole state machine: `(state, command) → Transition`. Reading it top to bottom is the
life of a manifest: the shipper (移出人) drafts it, loads bags and submits it; the carrier (承运人)
departs with it; the receiver (接受人) confirms what arrived — everything, part, or nothing accepted —
and the receiver or the shipper closes it. A correction changes fields, never the state, and is
recorded as a new version.

`rejected` (the whole load refused) and `cancelled` (a draft or submitted manifest abandoned before the
truck left) are added to the six states the issue names: without them a fully refused load would have to be
called "partly rejected", and an abandoned draft would stay open for ever.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    PARTLY_REJECTED = "partly_rejected"
    REJECTED = "rejected"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Command(StrEnum):
    LOAD = "load"  # put bags on the manifest
    UNLOAD = "unload"  # take bags off again
    CORRECT = "correct"  # change fields (a new version; the state stays)
    SUBMIT = "submit"
    CANCEL = "cancel"
    DEPART = "depart"  # the carrier has the load and leaves
    CONFIRM = "confirm"  # the receiver confirms what arrived (within 5 working days, §18)
    CLOSE = "close"


class Party(StrEnum):
    SHIPPER = "shipper"  # 移出人
    CARRIER = "carrier"  # 承运人
    RECEIVER = "receiver"  # 接受人


STATE_LABELS: dict[State, tuple[str, str]] = {
    State.DRAFT: ("草稿", "Draft"),
    State.SUBMITTED: ("已提交", "Submitted"),
    State.IN_TRANSIT: ("运输中", "In transit"),
    State.RECEIVED: ("已接收", "Received"),
    State.PARTLY_REJECTED: ("部分拒收", "Partly rejected"),
    State.REJECTED: ("全部拒收", "Rejected"),
    State.CLOSED: ("已办结", "Closed"),
    State.CANCELLED: ("已作废", "Cancelled"),
}

OPEN_STATES = frozenset({State.DRAFT, State.SUBMITTED, State.IN_TRANSIT})
"""While a manifest is in one of these, its bags may not be put on another one."""


@dataclass(frozen=True, slots=True)
class Transition:
    to: State
    parties: frozenset[Party]
    # CONFIRM ends in one of several states, chosen by what the receiver accepted (machine.confirm_outcome).
    outcomes: frozenset[State] = frozenset()


def _t(to: State, *parties: Party, outcomes: tuple[State, ...] = ()) -> Transition:
    return Transition(to, frozenset(parties), frozenset(outcomes))


S, C, P = State, Command, Party
TRANSITIONS: dict[tuple[State, Command], Transition] = {
    (S.DRAFT, C.LOAD): _t(S.DRAFT, P.SHIPPER),
    (S.DRAFT, C.UNLOAD): _t(S.DRAFT, P.SHIPPER),
    (S.DRAFT, C.CORRECT): _t(S.DRAFT, P.SHIPPER),
    (S.DRAFT, C.SUBMIT): _t(S.SUBMITTED, P.SHIPPER),
    (S.DRAFT, C.CANCEL): _t(S.CANCELLED, P.SHIPPER),
    (S.SUBMITTED, C.CORRECT): _t(S.SUBMITTED, P.SHIPPER, P.CARRIER),
    (S.SUBMITTED, C.CANCEL): _t(S.CANCELLED, P.SHIPPER),
    (S.SUBMITTED, C.DEPART): _t(S.IN_TRANSIT, P.CARRIER),
    (S.IN_TRANSIT, C.CORRECT): _t(S.IN_TRANSIT, P.CARRIER),
    (S.IN_TRANSIT, C.CONFIRM): _t(
        S.RECEIVED, P.RECEIVER, outcomes=(S.RECEIVED, S.PARTLY_REJECTED, S.REJECTED)
    ),
    (S.RECEIVED, C.CORRECT): _t(S.RECEIVED, P.RECEIVER),
    (S.RECEIVED, C.CLOSE): _t(S.CLOSED, P.RECEIVER, P.SHIPPER),
    (S.PARTLY_REJECTED, C.CORRECT): _t(S.PARTLY_REJECTED, P.RECEIVER),
    (S.PARTLY_REJECTED, C.CLOSE): _t(S.CLOSED, P.RECEIVER, P.SHIPPER),
    (S.REJECTED, C.CORRECT): _t(S.REJECTED, P.RECEIVER),
    (S.REJECTED, C.CLOSE): _t(S.CLOSED, P.RECEIVER, P.SHIPPER),
    (S.CLOSED, C.CORRECT): _t(S.CLOSED, P.RECEIVER, P.SHIPPER),
}
del S, C, P

# The fields each party may change by a correction, per state. The shipper's declaration is frozen once the
# truck has left (as e-Manifest freezes generator data from InTransit); after that only the carrier's and the
# receiver's own parts change, and after receipt every correction needs a reason.
SHIPPER_FIELDS = frozenset(
    {"carrier_uscc", "receiver_uscc", "waste_description", "hazards", "emergency_measures", "note"}
)
CARRIER_FIELDS = frozenset({"vehicle_plate", "vehicle_permit", "driver", "route_note"})
RECEIVER_FIELDS = frozenset({"disposal_method", "receiver_note"})

EDITABLE: dict[State, dict[Party, frozenset[str]]] = {
    State.DRAFT: {Party.SHIPPER: SHIPPER_FIELDS | CARRIER_FIELDS},
    State.SUBMITTED: {Party.SHIPPER: SHIPPER_FIELDS, Party.CARRIER: CARRIER_FIELDS},
    State.IN_TRANSIT: {Party.CARRIER: CARRIER_FIELDS},
    State.RECEIVED: {Party.RECEIVER: RECEIVER_FIELDS},
    State.PARTLY_REJECTED: {Party.RECEIVER: RECEIVER_FIELDS},
    State.REJECTED: {Party.RECEIVER: RECEIVER_FIELDS},
    State.CLOSED: {Party.RECEIVER: RECEIVER_FIELDS, Party.SHIPPER: frozenset({"note"})},
}

REASON_NOT_NEEDED = frozenset({State.DRAFT})
"""Outside a draft, a correction must say why (it is evidence a regulator reads)."""
