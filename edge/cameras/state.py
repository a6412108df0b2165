"""A camera's state as the agent keeps it and the touchscreen shows it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class CameraStatus(StrEnum):
    STARTING = "starting"
    ONLINE = "online"
    OFFLINE = "offline"
    AUTH_FAILED = "auth_failed"


@dataclass
class CameraState:
    name: str
    kind: str
    status: CameraStatus = CameraStatus.STARTING
    last_ok_ms: int | None = None
    last_error: str | None = None
    last_reason: str | None = None
    clock_offset_ms: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
