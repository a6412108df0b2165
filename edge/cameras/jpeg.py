"""JPEG bytes in and out: a snapshot is kept only when it is a whole, decodable JPEG."""

from __future__ import annotations

from typing import Final

import cv2
import numpy as np

from edge.cameras.errors import BrokenImage

MAX_JPEG_BYTES: Final = 8 * 1024 * 1024
_SOI: Final = b"\xff\xd8"
_EOI: Final = b"\xff\xd9"


def check_jpeg(data: bytes) -> np.ndarray:
    """Decode a snapshot; raise BrokenImage when it is empty, cut short, too large or not a JPEG at all.

    OpenCV decodes a truncated JPEG into a picture grey at the bottom, so the end-of-image marker is checked
    first: a cut-off transfer must not become evidence.
    """
    if not data:
        raise BrokenImage("the camera sent an empty image", "摄像头返回空图像")
    if len(data) > MAX_JPEG_BYTES:
        raise BrokenImage(f"the image is {len(data)} bytes, more than {MAX_JPEG_BYTES}", "图像过大")
    if not data.startswith(_SOI):
        raise BrokenImage(f"not a JPEG (starts {data[:4].hex()})", "摄像头返回的不是 JPEG 图像")
    # Some cameras pad after the end-of-image marker; allow a little of that, no more.
    if _EOI not in data[-64:]:
        raise BrokenImage("the JPEG is cut short (no end-of-image marker)", "图像不完整")
    frame = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if frame is None or frame.size == 0:
        raise BrokenImage("the JPEG cannot be decoded", "图像无法解码")
    return frame


def encode_jpeg(frame: np.ndarray, quality: int = 85) -> bytes:
    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise BrokenImage("the frame could not be encoded as JPEG", "图像编码失败")
    return buf.tobytes()
