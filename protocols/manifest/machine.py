"""Reading the table in `states`: may this party do this now, and where does it lead.

Two kinds of refusal, as in h11: `TransitionRefused` when the command makes no sense in the manifest's
state (the caller is out of step: HTTP 409), `NotYourPart` when the caller is not the party the table names
(HTTP 403). Both carry a Chinese message first, English after.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from protocols.manifest.states import (
    EDITABLE,
    REASON_NOT_NEEDED,
    STATE_LABELS,
    TRANSITIONS,
    Command,
    Party,
    State,
)

PARTY_LABELS: dict[Party, str] = {Party.SHIPPER: "移出人", Party.CARRIER: "承运人", Party.RECEIVER: "接受人"}


class ManifestError(ValueError):
    """A manifest operation refused; `message` is readable by an operator."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TransitionRefused(ManifestError):
    """The command is not possible in the manifest's present state."""


class NotYourPart(ManifestError):
    """The caller is not a party that may give this command, or change these fields."""


class CorrectionRefused(ManifestError):
    """A correction that names no change, a field that does not exist, or lacks its reason."""


def _label(state: State) -> str:
    zh, en = STATE_LABELS[state]
    return f"{zh} ({en})"


def next_state(state: State, command: Command, parties: Collection[Party]) -> State:
    """The state after `command` given by a caller holding `parties` on this manifest.

    For CONFIRM this is the nominal target; the real one comes from `confirm_outcome`.
    """
    transition = TRANSITIONS.get((state, command))
    if transition is None:
        raise TransitionRefused(
            f"联单当前状态为{_label(state)}，不能执行“{command}” "
            f"(a manifest that is {state} cannot {command})"
        )
    if not transition.parties & set(parties):
        who = "、".join(PARTY_LABELS[p] for p in sorted(transition.parties))
        raise NotYourPart(
            f"“{command}”只能由{who}执行 (only the {', '.join(sorted(transition.parties))} may {command} "
            f"a manifest that is {state})"
        )
    return transition.to


def confirm_outcome(accepted: int, rejected: int) -> State:
    """What a receiver's confirmation means: all accepted, some refused, or the whole load refused."""
    if accepted < 0 or rejected < 0 or accepted + rejected == 0:
        raise TransitionRefused("没有可确认的接收记录 (nothing was received to confirm)")
    if rejected == 0:
        return State.RECEIVED
    return State.PARTLY_REJECTED if accepted else State.REJECTED


def allowed_commands(state: State, parties: Collection[Party]) -> list[Command]:
    """The commands this caller may give now, in table order (for the manifest view's buttons)."""
    return [c for (s, c), t in TRANSITIONS.items() if s == state and t.parties & set(parties)]


def editable_fields(state: State, parties: Iterable[Party]) -> frozenset[str]:
    by_party = EDITABLE.get(state, {})
    fields: frozenset[str] = frozenset()
    for party in parties:
        fields |= by_party.get(party, frozenset())
    return fields


def check_correction(
    state: State, parties: Collection[Party], changed: Collection[str], reason: str | None
) -> None:
    """Raise unless this caller may change exactly these fields now, with a reason where one is needed."""
    next_state(state, Command.CORRECT, parties)
    if not changed:
        raise CorrectionRefused("更正没有修改任何内容 (a correction must change at least one field)")
    known = frozenset().union(*(fs for by in EDITABLE.values() for fs in by.values()))
    unknown = sorted(set(changed) - known)
    if unknown:
        raise CorrectionRefused(f"联单没有这些字段: {', '.join(unknown)} (unknown manifest fields)")
    allowed = editable_fields(state, parties)
    refused = sorted(set(changed) - allowed)
    if refused:
        raise NotYourPart(
            f"联单状态为{_label(state)}时，您不能修改: {', '.join(refused)} "
            f"(in state {state} your party may not change {', '.join(refused)})"
        )
    if state not in REASON_NOT_NEEDED and not (reason and reason.strip()):
        raise CorrectionRefused("提交后的更正必须说明原因 (a correction after submission needs a reason)")
