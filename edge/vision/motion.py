"""Motion in the warehouse outside working hours (MOG2 background subtraction, one model per camera).

Frames come every few seconds, so the model learns the empty warehouse from the first few frames after
working hours end, and is dropped when work starts again or when frames stop coming for a while (lights,
doors and people change everything in between). Shadows, which MOG2 marks grey, are not counted.
"""

from __future__ import annotations

import threading

import cv2
import numpy as np

from edge.vision.hookspecs import hookimpl
from edge.vision.results import CheckResult, WatchContext

NAME = "motion_off_hours"
_WIDTH = 320
WARMUP_FRAMES = 3
RESET_AFTER_MS = 10 * 60 * 1000


class MotionOffHoursCheck:
    name = NAME

    def __init__(self, fraction_permille: int = 20) -> None:
        self.fraction_permille = fraction_permille
        self._models: dict[str, tuple[cv2.BackgroundSubtractorMOG2, int]] = {}
        self._last_ms: dict[str, int] = {}
        self._lock = threading.Lock()

    def changed_permille(self, camera: str, frame: np.ndarray) -> int | None:
        """Thousandths of the frame that moved; None while the model is still learning the scene."""
        small = cv2.resize(frame, (_WIDTH, max(1, frame.shape[0] * _WIDTH // frame.shape[1])))
        small = cv2.GaussianBlur(small, (5, 5), 0)
        with self._lock:
            model, seen = self._models.get(camera) or (
                cv2.createBackgroundSubtractorMOG2(history=50, varThreshold=25, detectShadows=True),
                0,
            )
            # Learn quickly while warming up, slowly afterwards so a lingering intruder is not absorbed.
            mask = model.apply(small, learningRate=-1 if seen < WARMUP_FRAMES else 0.02)
            self._models[camera] = (model, seen + 1)
        if seen < WARMUP_FRAMES:
            return None
        return int(np.count_nonzero(mask == 255) * 1000 // mask.size)

    @hookimpl
    def wastetrace_watch_frame(self, frame: np.ndarray, context: WatchContext) -> CheckResult | None:
        with self._lock:
            last = self._last_ms.get(context.camera)
            self._last_ms[context.camera] = context.time_ms
            if context.working or last is None or context.time_ms - last > RESET_AFTER_MS:
                self._models.pop(context.camera, None)
        if context.working:
            return None
        changed = self.changed_permille(context.camera, frame)
        if changed is None or changed < self.fraction_permille:
            return None
        return CheckResult(
            NAME,
            "warn",
            "非工作时间危废库内有活动",
            "motion in the warehouse outside working hours",
            {"changed_permille": changed, "threshold_permille": self.fraction_permille},
        )
