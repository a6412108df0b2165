"""The warning and 督办单 state tables (protocols/warnings), read both ways; the holiday calendar."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from hub.warnings.settings import DEFAULT_CALENDAR, WarningSettings, WarningSettingsError, load_calendar
from protocols.manifest import confirmation_due_ms
from protocols.warnings import (
    ORDER_TRANSITIONS,
    TRANSITIONS,
    Action,
    CalendarError,
    OrderAction,
    OrderState,
    State,
    TransitionRefused,
    next_order_state,
    next_state,
    parse_calendar,
)
from protocols.warnings.states import LIVE_STATES, STATE_LABELS

CHINA = dt.timezone(dt.timedelta(hours=8))


@pytest.mark.parametrize(("state", "action"), sorted(TRANSITIONS))
def test_every_transition_in_the_table_is_allowed(state, action):
    assert next_state(state, action) == TRANSITIONS[(state, action)]


@pytest.mark.parametrize(
    ("state", "action"), [p for p in itertools.product(State, Action) if p not in TRANSITIONS]
)
def test_every_transition_not_in_the_table_is_refused(state, action):
    with pytest.raises(TransitionRefused):
        next_state(state, action)


def test_what_a_regulator_has_dealt_with_stays_dealt_with():
    for done in (State.RESOLVED, State.CLOSED):
        assert not [a for a in Action if (done, a) in TRANSITIONS]
    assert next_state(State.CLEARED, Action.RECUR) == State.OPEN
    assert set(STATE_LABELS) == set(State) and LIVE_STATES < set(State)


@pytest.mark.parametrize(("state", "action"), list(itertools.product(OrderState, OrderAction)))
def test_the_order_table_both_ways(state, action):
    if (state, action) in ORDER_TRANSITIONS:
        assert next_order_state(state, action) == ORDER_TRANSITIONS[(state, action)]
    else:
        with pytest.raises(TransitionRefused):
            next_order_state(state, action)


def test_an_order_is_answered_returned_answered_and_accepted():
    s = OrderState.ISSUED
    for action in (OrderAction.ANSWER, OrderAction.RETURN, OrderAction.ANSWER, OrderAction.ACCEPT):
        s = next_order_state(s, action)
    assert s == OrderState.ACCEPTED


def _due(arrived: dt.datetime, holidays=(), working=()) -> dt.date:
    ms = int(arrived.timestamp()) * 1000
    return dt.datetime.fromtimestamp(confirmation_due_ms(ms, 5, holidays, working) // 1000, tz=CHINA).date()


def test_the_bundled_calendar_moves_the_deadline_over_the_national_day_holiday():
    cal = load_calendar(str(DEFAULT_CALENDAR))
    assert {2025, 2026} <= set(cal.years)
    arrived = dt.datetime(2026, 9, 29, 10, tzinfo=CHINA)
    assert _due(arrived) == dt.date(2026, 10, 6)  # weekdays only
    # 9-30, then the holiday 10-1…10-7, then 10-8, 10-9, 10-10 (a Saturday made a working day), 10-12
    assert _due(arrived, cal.holidays, cal.working_days) == dt.date(2026, 10, 12)


def test_a_calendar_file_of_your_own_is_read_and_bad_ones_are_refused(tmp_path):
    own = tmp_path / "cal.toml"
    own.write_text('[2027]\nholidays = ["2027-01-01"]\nworking_days = []\n', encoding="utf-8")
    settings = WarningSettings.from_env({"WT_HUB_WARN_CALENDAR_FILE": str(own)})
    assert settings.calendar.holidays == frozenset({dt.date(2027, 1, 1)})
    for bad in (
        "not toml [",
        "[twenty]\nholidays = []",
        '[2027]\nholidays = ["2026-01-01"]',
        '[2027]\nholidays = ["2027-13-01"]',
        '[2027]\nholidays = ["2027-01-01"]\nworking_days = ["2027-01-01"]',
        "[2027]\nholiday = []",
    ):
        with pytest.raises(CalendarError):
            parse_calendar(bad)


def test_thresholds_come_from_the_environment_and_nonsense_is_refused():
    s = WarningSettings.from_env({"WT_HUB_WARN_PLAN_APPROACH_PCT": "85", "WT_HUB_WARN_SILENT_HOURS": "6"})
    assert (s.plan_approach_pct, s.silent_hours, s.storage_days_operator) == (85, 6, 365)
    for bad in ("ninety", "-1", "1.5"):
        with pytest.raises(WarningSettingsError):
            WarningSettings.from_env({"WT_HUB_WARN_PLAN_APPROACH_PCT": bad})
