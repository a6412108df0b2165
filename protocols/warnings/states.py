"""The life of a warning and of a supervision order (督办单), each a table `(state, action) → state`.

A warning is raised `open`; a regulator acknowledges it, turns it into a 督办单 (`supervised`), resolves it
(dealt with) or closes it (not pursued, with a note). The evaluator clears an open or acknowledged warning
whose condition has gone (`cleared`: it stays on record) and opens it again if the condition comes back
in the same period. A resolved or closed warning stays so: a condition that lasts the whole period (a
plan exceeded for the year) updates its facts, it does not reopen what a regulator has dealt with.

A 督办单 is `issued` to the enterprise with a due date; the enterprise answers (`answered`); the regulator
accepts it (`accepted`, and the warning is resolved) or returns it (`returned`, to be answered again).
Being overdue is a mark on the order (and an escalation to the next region level), not a state.
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    SUPERVISED = "supervised"  # 督办中
    RESOLVED = "resolved"
    CLOSED = "closed"
    CLEARED = "cleared"  # the condition went away by itself


class Action(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    SUPERVISE = "supervise"  # a 督办单 is issued
    RESOLVE = "resolve"
    CLOSE = "close"
    CLEAR = "clear"  # the evaluator: the condition is gone
    RECUR = "recur"  # the evaluator: a cleared condition is back


S, A = State, Action
TRANSITIONS: dict[tuple[State, Action], State] = {
    (S.OPEN, A.ACKNOWLEDGE): S.ACKNOWLEDGED,
    (S.OPEN, A.SUPERVISE): S.SUPERVISED,
    (S.OPEN, A.RESOLVE): S.RESOLVED,
    (S.OPEN, A.CLOSE): S.CLOSED,
    (S.OPEN, A.CLEAR): S.CLEARED,
    (S.ACKNOWLEDGED, A.SUPERVISE): S.SUPERVISED,
    (S.ACKNOWLEDGED, A.RESOLVE): S.RESOLVED,
    (S.ACKNOWLEDGED, A.CLOSE): S.CLOSED,
    (S.ACKNOWLEDGED, A.CLEAR): S.CLEARED,
    (S.SUPERVISED, A.RESOLVE): S.RESOLVED,  # its 督办单 accepted
    (S.CLEARED, A.ACKNOWLEDGE): S.ACKNOWLEDGED,
    (S.CLEARED, A.SUPERVISE): S.SUPERVISED,
    (S.CLEARED, A.RESOLVE): S.RESOLVED,
    (S.CLEARED, A.CLOSE): S.CLOSED,
    (S.CLEARED, A.RECUR): S.OPEN,
}
del S, A

# Actions a person takes through the API; the others belong to the evaluator or to the 督办单.
PERSON_ACTIONS = frozenset({Action.ACKNOWLEDGE, Action.RESOLVE, Action.CLOSE})
LIVE_STATES = frozenset({State.OPEN, State.ACKNOWLEDGED, State.SUPERVISED})

STATE_LABELS: dict[State, tuple[str, str]] = {
    State.OPEN: ("待处理", "Open"),
    State.ACKNOWLEDGED: ("已确认", "Acknowledged"),
    State.SUPERVISED: ("督办中", "Under supervision"),
    State.RESOLVED: ("已办结", "Resolved"),
    State.CLOSED: ("已关闭", "Closed"),
    State.CLEARED: ("已自动消除", "Cleared"),
}

SEVERITIES = ("notice", "warning", "serious")
SEVERITY_LABELS = {
    "notice": ("提示", "Notice"),
    "warning": ("预警", "Warning"),
    "serious": ("严重", "Serious"),
}


class OrderState(StrEnum):
    ISSUED = "issued"
    ANSWERED = "answered"
    RETURNED = "returned"
    ACCEPTED = "accepted"


class OrderAction(StrEnum):
    ANSWER = "answer"  # the enterprise
    ACCEPT = "accept"  # the regulator: verified, closed (销号)
    RETURN = "return"  # the regulator: sent back


OS, OA = OrderState, OrderAction
ORDER_TRANSITIONS: dict[tuple[OrderState, OrderAction], OrderState] = {
    (OS.ISSUED, OA.ANSWER): OS.ANSWERED,
    (OS.RETURNED, OA.ANSWER): OS.ANSWERED,
    (OS.ANSWERED, OA.ACCEPT): OS.ACCEPTED,
    (OS.ANSWERED, OA.RETURN): OS.RETURNED,
}
del OS, OA

ORDER_WAITING = frozenset({OrderState.ISSUED, OrderState.RETURNED})  # the enterprise's turn
ORDER_LABELS: dict[OrderState, tuple[str, str]] = {
    OrderState.ISSUED: ("待企业反馈", "Awaiting the enterprise"),
    OrderState.ANSWERED: ("待核实", "Awaiting verification"),
    OrderState.RETURNED: ("已退回，待重新反馈", "Returned to the enterprise"),
    OrderState.ACCEPTED: ("已核实销号", "Verified and closed"),
}


class TransitionRefused(ValueError):
    """The action is not possible in the current state."""

    def __init__(self, state: str, action: str) -> None:
        super().__init__(f"cannot {action} in state {state}")
        self.state = state
        self.action = action


def next_state(state: State, action: Action) -> State:
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise TransitionRefused(state, action) from None


def next_order_state(state: OrderState, action: OrderAction) -> OrderState:
    try:
        return ORDER_TRANSITIONS[(state, action)]
    except KeyError:
        raise TransitionRefused(state, action) from None
