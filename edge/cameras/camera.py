"""One supervised camera: it keeps its source connected, reports its state, and gives bounded snapshots.

Failures are sorted as Home Assistant's ONVIF integration sorts them: a refused password waits for new
credentials (retried slowly, never hammered), an unreachable or silent camera is retried with backoff, and
every snapshot is bounded by the camera's `timeout_s` whatever the source does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Protocol

from edge.cameras.errors import CameraAuthError, CameraError, CameraTimeout
from edge.cameras.report import CameraReport
from edge.cameras.settings import CameraSettings
from edge.cameras.state import CameraState, CameraStatus
from edge.cameras.uri import redact

log = logging.getLogger(__name__)

AUTH_RETRY_S = 300.0
MAX_BACKOFF_S = 60.0


class SnapshotSource(Protocol):
    kind: str
    clock_offset_ms: int | None

    @property
    def connected(self) -> bool: ...

    async def connect(self) -> None: ...

    async def snapshot(self, timeout_s: float) -> bytes: ...

    async def close(self) -> None: ...


class SupervisedCamera:
    def __init__(self, settings: CameraSettings, source: SnapshotSource, clock_ms: Callable[[], int]) -> None:
        self.settings = settings
        self.source = source
        self.clock_ms = clock_ms
        self.state = CameraState(settings.name, source.kind)
        self._wake = asyncio.Event()

    @property
    def name(self) -> str:
        return self.settings.name

    async def run(self) -> None:
        """Connect, and reconnect after failures, until cancelled."""
        backoff = 1.0
        try:
            while True:
                if self.source.connected:
                    backoff = 1.0
                    await self._sleep(30.0)
                    continue
                try:
                    await self.source.connect()
                except CameraAuthError as exc:
                    self._failed(exc)
                    await self._sleep(AUTH_RETRY_S)
                    continue
                except CameraError as exc:
                    self._failed(exc)
                    await self._sleep(backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF_S)
                    continue
                self._succeeded()
        finally:
            await self.source.close()

    async def _sleep(self, seconds: float) -> None:
        self._wake.clear()
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except TimeoutError:
            pass

    async def snapshot(self, timeout_s: float | None = None) -> bytes:
        """JPEG bytes within `timeout_s` (default: the camera's), or a CameraError saying why not."""
        timeout = timeout_s if timeout_s is not None else self.settings.timeout_s
        try:
            async with asyncio.timeout(timeout):
                data = await self.source.snapshot(timeout)
        except TimeoutError as exc:
            error = CameraTimeout(f"camera {self.name} gave no snapshot in {timeout:g} s", "摄像头抓拍超时")
            self._failed(error)
            raise error from exc
        except CameraError as exc:
            self._failed(exc)
            self._wake.set()
            raise
        self._succeeded()
        return data

    def probe(self) -> CameraReport:
        """The camera's state as the heartbeat reports it."""
        return CameraReport.of(self.state)

    def _succeeded(self) -> None:
        if self.state.status != CameraStatus.ONLINE:
            log.info("camera %s online (%s)", self.name, self.source.kind)
        self.state.status = CameraStatus.ONLINE
        self.state.last_ok_ms = self.clock_ms()
        self.state.last_error = None
        self.state.last_reason = None
        self.state.clock_offset_ms = self.source.clock_offset_ms

    def _failed(self, exc: CameraError) -> None:
        message = redact(str(exc))
        if message != self.state.last_error:
            log.warning("camera %s: %s", self.name, message)
        failed = CameraStatus.AUTH_FAILED if isinstance(exc, CameraAuthError) else CameraStatus.OFFLINE
        self.state.status = failed
        self.state.last_error = message
        self.state.last_reason = exc.reason
