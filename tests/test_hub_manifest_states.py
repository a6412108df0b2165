"""protocols/manifest: the state machine table, who may do what, the 5-working-day deadline, weights."""

from __future__ import annotations

import datetime as dt

import pytest

from protocols.manifest import (
    EDITABLE,
    TRANSITIONS,
    Command,
    CorrectionRefused,
    NotYourPart,
    Party,
    Receipt,
    State,
    TransitionRefused,
    add_working_days,
    allowed_commands,
    check_correction,
    confirm_outcome,
    confirmation_due_ms,
    next_state,
    reconcile,
    tolerance_grams,
)

S, C, P = State, Command, Party
CHINA = dt.timezone(dt.timedelta(hours=8))


def ms(*args: int) -> int:
    return int(dt.datetime(*args, tzinfo=CHINA).timestamp()) * 1000


@pytest.mark.parametrize(
    ("state", "command", "party", "to"),
    [
        (S.DRAFT, C.SUBMIT, P.SHIPPER, S.SUBMITTED),
        (S.SUBMITTED, C.DEPART, P.CARRIER, S.IN_TRANSIT),
        (S.IN_TRANSIT, C.CONFIRM, P.RECEIVER, S.RECEIVED),
        (S.RECEIVED, C.CLOSE, P.SHIPPER, S.CLOSED),
        (S.PARTLY_REJECTED, C.CLOSE, P.RECEIVER, S.CLOSED),
        (S.DRAFT, C.CANCEL, P.SHIPPER, S.CANCELLED),
        (S.SUBMITTED, C.CANCEL, P.SHIPPER, S.CANCELLED),
        (S.DRAFT, C.LOAD, P.SHIPPER, S.DRAFT),
    ],
)
def test_the_lawful_path_through_the_table(state, command, party, to):
    assert next_state(state, command, {party}) == to


@pytest.mark.parametrize(
    ("state", "command"),
    [
        (S.DRAFT, C.DEPART),
        (S.DRAFT, C.CONFIRM),
        (S.SUBMITTED, C.LOAD),
        (S.IN_TRANSIT, C.CANCEL),
        (S.IN_TRANSIT, C.LOAD),
        (S.CLOSED, C.SUBMIT),
        (S.CANCELLED, C.CORRECT),
    ],
)
def test_a_command_out_of_step_is_refused_as_out_of_step(state, command):
    with pytest.raises(TransitionRefused):
        next_state(state, command, set(Party))


@pytest.mark.parametrize(
    ("state", "command", "party"),
    [
        (S.DRAFT, C.SUBMIT, P.CARRIER),
        (S.SUBMITTED, C.DEPART, P.SHIPPER),
        (S.IN_TRANSIT, C.CONFIRM, P.CARRIER),
        (S.RECEIVED, C.CLOSE, P.CARRIER),
        (S.DRAFT, C.LOAD, P.RECEIVER),
    ],
)
def test_the_wrong_party_is_refused_as_not_its_part(state, command, party):
    with pytest.raises(NotYourPart, match="只能由"):
        next_state(state, command, {party})


def test_no_state_but_the_end_states_is_a_dead_end():
    reachable = {s for (s, _) in TRANSITIONS}
    assert set(State) - reachable == {S.CANCELLED}
    assert {t.to for t in TRANSITIONS.values()} | {
        o for t in TRANSITIONS.values() for o in t.outcomes
    } >= set(State) - {S.DRAFT}


@pytest.mark.parametrize(
    ("accepted", "rejected", "state"),
    [(10, 0, S.RECEIVED), (9, 1, S.PARTLY_REJECTED), (0, 10, S.REJECTED)],
)
def test_confirmation_outcome_follows_what_was_accepted(accepted, rejected, state):
    assert confirm_outcome(accepted, rejected) == state


def test_nothing_received_cannot_be_confirmed():
    with pytest.raises(TransitionRefused):
        confirm_outcome(0, 0)


def test_commands_offered_are_those_of_the_callers_party():
    assert allowed_commands(S.SUBMITTED, {P.CARRIER}) == [C.CORRECT, C.DEPART]
    assert allowed_commands(S.SUBMITTED, {P.RECEIVER}) == []


def test_shipper_declaration_is_frozen_once_the_truck_has_left():
    with pytest.raises(NotYourPart):
        check_correction(S.IN_TRANSIT, {P.SHIPPER}, {"receiver_uscc"}, "wrong receiver")
    check_correction(S.IN_TRANSIT, {P.CARRIER}, {"vehicle_plate"}, "truck broke down")
    assert "receiver_uscc" not in EDITABLE[S.IN_TRANSIT].get(P.CARRIER, frozenset())


def test_a_correction_after_submission_needs_a_reason():
    check_correction(S.DRAFT, {P.SHIPPER}, {"note"}, None)
    with pytest.raises(CorrectionRefused, match="原因"):
        check_correction(S.SUBMITTED, {P.SHIPPER}, {"note"}, "  ")


def test_a_correction_must_change_something():
    with pytest.raises(CorrectionRefused):
        check_correction(S.DRAFT, {P.SHIPPER}, set(), None)


def test_five_working_days_skip_the_weekend():
    # Arrived Friday 2026-11-27: Mon, Tue, Wed, Thu, Fri → Friday 2026-12-04.
    assert add_working_days(dt.date(2026, 11, 27), 5) == dt.date(2026, 12, 4)


def test_public_holidays_and_make_up_working_days_are_configuration():
    national_day = {dt.date(2026, 10, d) for d in range(1, 8)}
    # Arrived Wednesday 30 September 2026; 1–7 October off, Saturday 10 October worked (调休).
    due = add_working_days(dt.date(2026, 9, 30), 5, national_day, {dt.date(2026, 10, 10)})
    assert due == dt.date(2026, 10, 13)


def test_deadline_is_the_end_of_the_last_working_day_china_time():
    arrival = ms(2026, 11, 25, 23, 30)  # Wednesday, late evening in China (still Wednesday)
    assert confirmation_due_ms(arrival) == ms(2026, 12, 3) - 1


def test_weights_are_compared_per_bag_within_tolerance():
    balance = reconcile(
        {"a": 10_000, "b": 20_000, "c": 5_000, "d": 1_000},
        {"a": Receipt(9_950, True), "b": Receipt(18_000, True), "c": Receipt(5_000, False)},
    )
    assert balance.discrepancies == ("b",)
    assert (balance.accepted, balance.rejected, balance.missing) == (2, 1, ("d",))
    assert balance.received_grams == 9_950 + 18_000 + 5_000
    assert balance.accepted_grams == 9_950 + 18_000
    assert balance.difference_grams == -2_050


def test_tolerance_is_a_permille_with_a_floor():
    assert tolerance_grams(1_000_000, 10, 100) == 10_000
    assert tolerance_grams(5_000, 10, 100) == 100
