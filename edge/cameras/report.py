"""A camera's entry in the heartbeat, built here and only here."""

from __future__ import annotations

from dataclasses import dataclass

from edge.cameras.state import CameraState, CameraStatus
from edge.device_report import DeviceReport


@dataclass(frozen=True, slots=True)
class CameraReport(DeviceReport):
    clock_offset_ms: int | None = None

    @classmethod
    def of(cls, state: CameraState) -> CameraReport:
        return cls(
            status=state.status,
            ok=state.status == CameraStatus.ONLINE,
            last_ok_ms=state.last_ok_ms,
            detail=state.last_error,
            clock_offset_ms=state.clock_offset_ms,
        )
