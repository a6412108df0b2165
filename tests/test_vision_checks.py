"""The image checks on rendered scenes: QR label, person on the scale, motion off hours, plugins."""

from __future__ import annotations

import numpy as np
import pytest

from edge.cameras.jpeg import check_jpeg
from edge.vision import CheckResult, WatchContext, WeighingContext, hookimpl
from edge.vision.motion import MotionOffHoursCheck
from edge.vision.qr_label import code_in
from edge.vision.runner import VisionRunner
from simulators.scene import Scene, render_scene

CODE = "91130200699229617X9002490820261123001"
OTHER = "91130200699229617X9002490820261123002"
HUB = "http://hub.test"
SCALE_ROI = (336, 597, 328, 292)  # simulators.scene.SCALE_BOX in thousandths


def frame(**scene) -> np.ndarray:
    return check_jpeg(render_scene(Scene(**scene)))


def weighing(stage: str = "weighing", roi=SCALE_ROI) -> WeighingContext:
    return WeighingContext(code=CODE, camera="scale", time_ms=0, stage=stage, grams=12340, scale_roi=roi)


@pytest.fixture(scope="module")
def runner() -> VisionRunner:
    return VisionRunner(load_entry_points=False)


def by_check(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {r.check: r for r in results}


def test_the_label_in_a_rendered_scene_is_found_and_matches_the_bag(runner):
    result = by_check(runner.check_weighing(frame(label_text=f"{HUB}/t/{CODE}"), weighing("labelled")))
    assert result["qr_label"].outcome == "pass"
    assert result["qr_label"].details["seen"] == [CODE]


def test_a_scene_showing_another_code_is_refused(runner):
    result = by_check(runner.check_weighing(frame(label_text=f"{HUB}/t/{OTHER}"), weighing()))
    assert result["qr_label"].outcome == "warn"
    assert OTHER in result["qr_label"].message_zh and CODE in result["qr_label"].message_en


def test_the_label_is_found_in_a_small_frame_too(runner):
    result = by_check(
        runner.check_weighing(frame(label_text=f"{HUB}/t/{CODE}", width=640, height=360), weighing())
    )
    assert result["qr_label"].outcome == "pass"


def test_an_unlabelled_bag_at_the_stable_weight_says_nothing(runner):
    assert "qr_label" not in by_check(runner.check_weighing(frame(label_text=None), weighing()))


def test_no_label_after_printing_is_a_warning(runner):
    result = by_check(runner.check_weighing(frame(label_text=None), weighing("labelled")))
    assert result["qr_label"].outcome == "warn"


def test_the_code_is_taken_from_a_trace_url_or_given_bare():
    assert code_in(f"{HUB}/t/{CODE}?lang=en") == CODE
    assert code_in(CODE) == CODE


def test_a_person_standing_on_the_scale_is_a_warning(runner):
    result = by_check(runner.check_weighing(frame(label_text=None, person_on_scale=True), weighing()))
    warning = result["person_at_scale"]
    assert warning.outcome == "warn" and warning.details["grams"] == 12340


def test_a_person_away_from_the_scale_is_not(runner):
    scene = frame(label_text=None, bag=False, intruder_at=60)
    assert "person_at_scale" not in by_check(runner.check_weighing(scene, weighing()))


def test_an_empty_scale_raises_nothing(runner):
    assert runner.check_weighing(frame(label_text=None), weighing()) == []


def test_motion_outside_working_hours_is_seen_after_the_model_learns_the_scene():
    check = MotionOffHoursCheck(fraction_permille=20)
    quiet = frame(bag=False, seed=1)
    for i in range(4):
        assert (
            check.wastetrace_watch_frame(frame(bag=False, seed=i), WatchContext("hall", i * 10_000, False))
            is None
        )
    result = check.wastetrace_watch_frame(
        frame(bag=False, intruder_at=300, seed=9), WatchContext("hall", 50_000, False)
    )
    assert result is not None and result.check == "motion_off_hours"
    assert result.details["changed_permille"] >= 20
    assert check.changed_permille("hall", quiet) is not None


def test_no_motion_warning_during_working_hours():
    check = MotionOffHoursCheck()
    for i in range(5):
        check.wastetrace_watch_frame(frame(bag=False, seed=i), WatchContext("hall", i * 10_000, False))
    busy = frame(bag=False, intruder_at=300)
    assert check.wastetrace_watch_frame(busy, WatchContext("hall", 60_000, True)) is None


class _Plugin:
    name = "always_warns"

    @hookimpl
    def wastetrace_check_weighing(self, frame, context):
        return CheckResult(self.name, "warn", "测试", "test", {"height": int(frame.shape[0])})


class _Broken:
    name = "broken"

    @hookimpl
    def wastetrace_check_weighing(self, frame, context):
        raise RuntimeError("plugin bug")


def test_a_plugin_adds_its_check_and_a_broken_one_is_skipped():
    runner = VisionRunner(plugins=[_Plugin(), _Broken()], load_entry_points=False)
    result = by_check(runner.check_weighing(frame(label_text=f"{HUB}/t/{OTHER}"), weighing()))
    assert result["always_warns"].details == {"height": 720}
    assert result["qr_label"].outcome == "warn"


def test_disabled_checks_do_not_run():
    runner = VisionRunner(disabled=["person_at_scale"], load_entry_points=False)
    assert "person_at_scale" not in runner.names
    assert runner.check_weighing(frame(label_text=None, person_on_scale=True), weighing()) == []
