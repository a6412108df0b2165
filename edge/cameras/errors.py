"""Why a camera gave no picture. Each error carries a short `reason` that the ledger records."""

from __future__ import annotations


class CameraError(Exception):
    """A camera could not give a usable snapshot; `message_zh` is for the operator, str() for the log."""

    reason = "error"

    def __init__(self, message: str, message_zh: str | None = None) -> None:
        super().__init__(message)
        self.message_zh = message_zh or f"摄像头故障：{message}"


class CameraTimeout(CameraError):
    reason = "timeout"


class CameraUnreachable(CameraError):
    reason = "unreachable"


class CameraAuthError(CameraError):
    reason = "auth"


class BrokenImage(CameraError):
    reason = "broken_image"


class CameraOffline(CameraError):
    """The camera is not connected (never came up, or its registration lapsed)."""

    reason = "offline"


class CameraProtocolError(CameraError):
    """The camera answered, but not as its protocol says it should."""

    reason = "protocol"


class CameraUriError(CameraError, ValueError):
    reason = "config"


class CameraBusy(CameraError):
    """The previous request to this camera has not finished (a hung stream still holds its thread)."""

    reason = "busy"
