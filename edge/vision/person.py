"""A person standing on the scale platform while it weighs (OpenCV's built-in HOG people detector).

A person next to the scale is the operator and is normal; one whose feet are on the platform adds their
weight to the bag's. So a detection counts when the bottom middle of its box lies in the scale's region.
"""

from __future__ import annotations

import threading

import cv2
import numpy as np

from edge.vision.hookspecs import hookimpl
from edge.vision.results import CheckResult, WeighingContext

NAME = "person_at_scale"
_WIDTH = 640
_MIN_WEIGHT = 0.5


def find_people(frame: np.ndarray, hog: cv2.HOGDescriptor) -> list[tuple[int, int, int, int]]:
    """Boxes (x, y, w, h) in the frame's own pixels."""
    scale = 1.0
    if frame.shape[1] > _WIDTH:
        scale = _WIDTH / frame.shape[1]
        frame = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    boxes, weights = hog.detectMultiScale(frame, winStride=(8, 8), padding=(8, 8), scale=1.05)
    out = []
    for (x, y, w, h), weight in zip(boxes, np.ravel(weights), strict=False):
        if weight >= _MIN_WEIGHT:
            out.append(tuple(int(round(v / scale)) for v in (x, y, w, h)))
    return out  # type: ignore[return-value]


def feet_in_roi(
    box: tuple[int, int, int, int], roi: tuple[int, int, int, int] | None, shape: tuple[int, ...]
) -> bool:
    if roi is None:
        return True
    height, width = shape[:2]
    x, y, w, h = box
    fx, fy = (x + w / 2) * 1000 / width, (y + h) * 1000 / height
    rx, ry, rw, rh = roi
    return rx <= fx <= rx + rw and ry <= fy <= ry + rh


class PersonAtScaleCheck:
    name = NAME

    def __init__(self) -> None:
        self._hog: cv2.HOGDescriptor | None = None
        self._lock = threading.Lock()

    def _detector(self) -> cv2.HOGDescriptor:
        if self._hog is None:
            hog = cv2.HOGDescriptor()
            hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
            self._hog = hog
        return self._hog

    @hookimpl
    def wastetrace_check_weighing(self, frame: np.ndarray, context: WeighingContext) -> CheckResult | None:
        if context.stage != "weighing":
            return None
        with self._lock:
            people = find_people(frame, self._detector())
        on_scale = [b for b in people if feet_in_roi(b, context.scale_roi, frame.shape)]
        if not on_scale:
            return None
        return CheckResult(
            NAME,
            "warn",
            "称重时有人站在秤台上，重量可能不准",
            "a person stood on the scale while it weighed",
            {"boxes": [list(b) for b in on_scale], "grams": context.grams},
        )
