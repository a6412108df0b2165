"""Our stability verdict: enough agreeing, flagged readings over enough time, and a reset on any doubt."""

import pytest

from protocols.scale import Garbled, Reading, StabilityJudge


def reading(grams, stable=True, kind="gross", status="ok"):
    return Reading(grams=grams, stable=stable, kind=kind, status=status, raw=b"")


def feed(judge, grams_list, *, start_ms=0, step_ms=100, stable=True):
    t = start_ms
    for grams in grams_list:
        judge.feed(reading(grams, stable), t)
        t += step_ms
    return t


def test_settled_readings_over_the_span_are_stable():
    judge = StabilityJudge(window=5, tolerance_g=10, min_span_ms=500)
    feed(judge, [12340] * 6)
    assert judge.stable_grams == 12340


def test_noise_beyond_tolerance_is_not_stable():
    judge = StabilityJudge(window=5, tolerance_g=10, min_span_ms=500)
    feed(judge, [12340, 12360] * 10)
    assert judge.stable_grams is None


def test_noise_within_tolerance_is_stable_at_the_latest_reading():
    judge = StabilityJudge(window=5, tolerance_g=10, min_span_ms=500)
    feed(judge, [12340, 12350, 12340, 12350, 12340, 12350])
    assert judge.stable_grams == 12350


def test_settling_after_motion_gives_the_settled_weight():
    judge = StabilityJudge(window=5, tolerance_g=10, min_span_ms=500)
    t = feed(judge, [0, 3000, 8000, 11000, 12100, 12400])
    assert judge.stable_grams is None
    feed(judge, [12340] * 6, start_ms=t)
    assert judge.stable_grams == 12340


def test_too_few_readings_are_not_stable_however_long_they_span():
    judge = StabilityJudge(window=5, tolerance_g=10, min_span_ms=500)
    feed(judge, [12340] * 4, step_ms=400)
    assert judge.stable_grams is None


def test_a_burst_of_readings_shorter_than_the_span_is_not_stable():
    judge = StabilityJudge(window=5, tolerance_g=10, min_span_ms=500)
    feed(judge, [12340] * 50, step_ms=5)
    assert judge.stable_grams is None


def test_readings_without_the_indicator_flag_are_not_stable():
    judge = StabilityJudge(window=5, tolerance_g=10, min_span_ms=500)
    feed(judge, [12340] * 10, stable=False)
    assert judge.stable_grams is None


def test_indicator_flag_can_be_ignored_for_scales_that_send_none():
    judge = StabilityJudge(window=5, tolerance_g=10, min_span_ms=500, use_indicator_flag=False)
    feed(judge, [12340] * 6, stable=False)
    assert judge.stable_grams == 12340


def test_garbled_frame_resets():
    judge = StabilityJudge(window=5, tolerance_g=10, min_span_ms=500)
    t = feed(judge, [12340] * 6)
    judge.feed(Garbled("junk", b"\xff"), t)
    assert judge.stable_grams is None
    t = feed(judge, [12340] * 4, start_ms=t)
    assert judge.stable_grams is None  # the count starts over
    feed(judge, [12340] * 2, start_ms=t)
    assert judge.stable_grams == 12340


@pytest.mark.parametrize(
    "spoiler",
    [
        Reading(None, False, "gross", "overload", b""),
        Reading(None, False, "gross", "underload", b""),
        Reading(12340, False, "gross", "hold", b""),
        Reading(12340, True, "net", "ok", b""),
    ],
    ids=["overload", "underload", "hold", "kind change"],
)
def test_anything_but_a_same_kind_in_range_reading_resets(spoiler):
    judge = StabilityJudge(window=5, tolerance_g=10, min_span_ms=500)
    t = feed(judge, [12340] * 6)
    judge.feed(spoiler, t)
    assert judge.stable_grams is None


def test_a_gap_in_readings_resets():
    judge = StabilityJudge(window=5, tolerance_g=10, min_span_ms=500, max_gap_ms=2000)
    t = feed(judge, [12340] * 4)
    feed(judge, [12340], start_ms=t + 10_000)
    assert judge.stable_grams is None


def test_time_running_backwards_resets():
    judge = StabilityJudge(window=5, tolerance_g=10, min_span_ms=500)
    feed(judge, [12340] * 5, start_ms=10_000)
    feed(judge, [12340], start_ms=0)
    assert judge.stable_grams is None


def test_reset_forgets_the_run():
    judge = StabilityJudge()
    feed(judge, [12340] * 6)
    judge.reset()
    assert judge.stable_grams is None


def test_fresh_judge_has_the_same_settings_and_no_readings():
    judge = StabilityJudge(
        window=3, tolerance_g=20, min_span_ms=100, use_indicator_flag=False, max_gap_ms=900
    )
    feed(judge, [12340] * 6)
    fresh = judge.fresh()
    assert fresh.stable_grams is None
    assert (
        fresh.window,
        fresh.tolerance_g,
        fresh.min_span_ms,
        fresh.use_indicator_flag,
        fresh.max_gap_ms,
    ) == (
        3,
        20,
        100,
        False,
        900,
    )


@pytest.mark.parametrize(
    "kwargs", [{"window": 0}, {"tolerance_g": -1}, {"min_span_ms": 1.5}, {"window": True}, {"max_gap_ms": 0}]
)
def test_judge_refuses_impossible_settings(kwargs):
    with pytest.raises(ValueError):
        StabilityJudge(**kwargs)
