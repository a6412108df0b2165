"""The bag's QR label in the frame must decode to the bag's own code.

At the stable weight the new bag has no label yet, so a label seen then must be this bag's code (a bag
re-weighed) or it is another bag's label (a bag weighed twice, or labels swapped): a warning. After the
label printed (`labelled` stage) the label must be seen, and be this bag's.
"""

from __future__ import annotations

import cv2
import numpy as np

from edge.vision.hookspecs import hookimpl
from edge.vision.results import CheckResult, WeighingContext

NAME = "qr_label"
_MIN_SIDE = 960
"""Frames narrower than this are enlarged first: a label a few centimetres wide decodes more often."""


def decode_qr_codes(frame: np.ndarray) -> list[str]:
    """Every QR text OpenCV finds in the frame (no model, no download: the detector is built in)."""
    found: list[str] = []
    if min(frame.shape[:2]) < _MIN_SIDE // 2:
        scale = _MIN_SIDE / max(frame.shape[:2])
        frame = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    detectors = [cv2.QRCodeDetector()]
    if hasattr(cv2, "QRCodeDetectorAruco"):
        detectors.append(cv2.QRCodeDetectorAruco())
    for detector in detectors:
        try:
            ok, texts, _points, _ = detector.detectAndDecodeMulti(frame)
        except cv2.error:
            ok, texts = False, ()
        if ok:
            found += [t for t in texts if t]
        if not found:
            text, _points, _ = detector.detectAndDecode(frame)
            if text:
                found.append(text)
        if found:
            break
    return list(dict.fromkeys(found))


def code_in(text: str) -> str:
    """The code a label's QR carries: the text itself, or the last part of a `…/t/{code}` trace URL."""
    text = text.strip()
    if "/t/" in text:
        return text.rsplit("/t/", 1)[1].split("?")[0].split("#")[0].strip("/")
    return text


class QrLabelCheck:
    name = NAME

    @hookimpl
    def wastetrace_check_weighing(self, frame: np.ndarray, context: WeighingContext) -> CheckResult | None:
        texts = decode_qr_codes(frame)
        codes = [code_in(t) for t in texts]
        details = {"seen": codes, "expected": context.code, "stage": context.stage}
        if context.code in codes and len(set(codes)) == 1:
            return CheckResult(
                NAME, "pass", "标签二维码与本袋编码一致", "the label in the frame carries this code", details
            )
        others = [c for c in codes if c != context.code]
        if others:
            return CheckResult(
                NAME,
                "warn",
                f"画面中的标签编码 {others[0]} 与本袋编码 {context.code} 不符",
                f"the frame shows label {others[0]}, not this bag's code {context.code}",
                details,
            )
        if context.stage == "labelled":
            return CheckResult(
                NAME, "warn", "画面中看不到本袋的标签", "no label visible on the bag after printing", details
            )
        return None
