"""One frame from an RTSP stream with OpenCV (FFmpeg backend), with open and read timeouts.

Without the timeouts OpenCV waits about 30 s on a camera that accepts the connection and says nothing
(opencv#20541); with them it gives up after the time asked. FFmpeg is told to use TCP, because recent
OpenCV no longer defaults to it and hangs on cameras that speak RTSP over TCP only (opencv#27091).
The grab runs in a thread that cannot be cancelled, so a second grab is refused while one still runs:
a hung camera costs one thread, never a pile of them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading

import cv2

from edge.cameras.errors import CameraBusy, CameraTimeout, CameraUnreachable
from edge.cameras.jpeg import encode_jpeg
from edge.cameras.uri import CameraUri, redact

log = logging.getLogger(__name__)

os.environ.setdefault("OPENCV_FFMPEG_CAPTURE_OPTIONS", "rtsp_transport;tcp")

GRABS_BEFORE_RETRIEVE = 3
"""Frames skipped first: the oldest frames in FFmpeg's buffer can be seconds old."""


def grab_frame(url: str, open_timeout_ms: int, read_timeout_ms: int, grabs: int = GRABS_BEFORE_RETRIEVE):  # noqa: ANN201 - an ndarray
    """Open, grab a few frames, retrieve the last, release. Blocking; returns None when no frame came."""
    capture = cv2.VideoCapture(
        url,
        cv2.CAP_FFMPEG,
        [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, open_timeout_ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, read_timeout_ms],
    )
    try:
        if not capture.isOpened():
            return None
        grabbed = False
        for _ in range(grabs):
            grabbed = capture.grab() or grabbed
        if not grabbed:
            return None
        ok, frame = capture.retrieve()
        return frame if ok else None
    finally:
        capture.release()


class RtspSource:
    kind = "rtsp"

    def __init__(self, uri: CameraUri) -> None:
        self.uri = uri
        self.clock_offset_ms: int | None = None
        self._busy = threading.Lock()

    @property
    def connected(self) -> bool:
        return True

    async def connect(self) -> None:
        """Nothing to set up: each snapshot opens the stream anew (a held-open stream costs the Pi CPU)."""

    async def snapshot(self, timeout_s: float) -> bytes:
        if not self._busy.acquire(blocking=False):
            raise CameraBusy(
                f"camera {self.uri}: the previous grab has not finished", "摄像头仍在处理上一次抓图"
            )
        budget_ms = max(500, int(timeout_s * 1000))
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(None, self._grab, budget_ms)
        # The thread cannot be stopped: wait for it without letting a cancellation or timeout leave it
        # unobserved (asyncio.wait never cancels what it waits on).
        await asyncio.wait({future}, timeout=timeout_s + 1.0)
        if not future.done():
            raise CameraTimeout(f"camera {self.uri} gave no frame in {timeout_s:g} s", "摄像头无响应（超时）")
        frame = future.result()
        if frame is None:
            raise CameraUnreachable(
                f"camera {self.uri} gave no frame (stream did not open or stayed silent)",
                "无法从摄像头取得画面，请检查网线、电源和地址",
            )
        return encode_jpeg(frame)

    def _grab(self, budget_ms: int):  # noqa: ANN202 - an ndarray or None
        try:
            return grab_frame(self.uri.raw, budget_ms, max(250, budget_ms // 2))
        except cv2.error as exc:
            log.warning("camera %s: OpenCV: %s", self.uri, redact(str(exc), self.uri.password))
            return None
        finally:
            self._busy.release()

    async def close(self) -> None:
        pass
