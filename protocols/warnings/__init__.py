"""Warnings (预警) and supervision orders (督办单) as values: the state tables of both, and the
working-day calendar file format. Sans-I/O: time is passed in as UTC integer milliseconds."""

from protocols.warnings.calendar import Calendar, CalendarError, parse_calendar
from protocols.warnings.states import (
    ORDER_TRANSITIONS,
    SEVERITIES,
    TRANSITIONS,
    Action,
    OrderAction,
    OrderState,
    State,
    TransitionRefused,
    next_order_state,
    next_state,
)

__all__ = [
    "ORDER_TRANSITIONS",
    "SEVERITIES",
    "TRANSITIONS",
    "Action",
    "Calendar",
    "CalendarError",
    "OrderAction",
    "OrderState",
    "State",
    "TransitionRefused",
    "next_order_state",
    "next_state",
    "parse_calendar",
]
