"""The cameras of one box, as the weighing workflow and the agent see them.

- `capture_for_weighing()`: a snapshot from every camera at the scale, all at once, each bounded by its own
  `timeout_s`; never raises, so the weighing goes on whatever the cameras do. Each outcome is either a
  SHA-256 (the image kept in the store) or the reason it is missing.
- `after_commit(event, outcomes)`: binds the images to the committed event, and runs the image checks in
  the background; each result becomes an `inspecting` event naming the bag and the image.
- `after_label(event)`: where a camera asks for it, a later look for the printed label on the bag.
- A watch loop per `watch = true` camera looks for motion outside working hours.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from edge.cameras.camera import SupervisedCamera
from edge.cameras.errors import CameraError
from edge.cameras.jpeg import check_jpeg
from edge.cameras.settings import CameraChecks, CamerasConfig
from edge.cameras.sources import Platforms, make_source
from edge.cameras.store import SnapshotStore
from edge.cameras.uploader import SnapshotUploader
from edge.ledger import Ledger, LedgerError
from edge.vision.results import CheckResult, WatchContext, WeighingContext
from edge.vision.runner import VisionRunner
from protocols.china_time import CHINA
from protocols.ledger import Attachment, Event, EventKind

log = logging.getLogger(__name__)

MEDIA_TYPE = "image/jpeg"
ROLE = "snapshot"


@dataclass(frozen=True, slots=True)
class SnapshotOutcome:
    camera: str
    sha256: str | None = None
    reason: str | None = None
    detail: str | None = None

    def ledger_data(self) -> dict[str, str]:
        if self.sha256:
            return {"camera": self.camera, "sha256": self.sha256}
        return {"camera": self.camera, "missing": self.reason or "error", "detail": self.detail or ""}

    def attachment(self) -> Attachment | None:
        return Attachment(self.sha256, MEDIA_TYPE, ROLE) if self.sha256 else None


def is_working_time(time_ms: int, checks: CameraChecks) -> bool:
    """Working hours are the warehouse's, in Beijing time."""
    local = (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=time_ms)).astimezone(CHINA)
    minute = local.hour * 60 + local.minute
    start, end = checks.working_hours
    in_hours = start <= minute < end if start <= end else (minute >= start or minute < end)
    return local.isoweekday() in checks.working_days and in_hours


class CameraService:
    def __init__(
        self,
        config: CamerasConfig,
        *,
        data_dir: Path,
        ledger: Ledger,
        hub_url: str,
        place: str | None = None,
        on_commit: Callable[[], None] = lambda: None,
        vision: VisionRunner | None = None,
    ) -> None:
        self.config = config
        self.ledger = ledger
        self.place = place
        self.on_commit = on_commit
        self.clock_ms = ledger.clock.now_ms
        checks = config.checks
        self.store = SnapshotStore(data_dir / "snapshots", checks.snapshot_max_mb * 1024 * 1024)
        self.platforms = Platforms()
        self.cameras = {
            c.name: SupervisedCamera(c, make_source(c.uri, self.platforms), self.clock_ms)
            for c in config.cameras
        }
        self.vision = vision or VisionRunner(
            disabled=checks.disabled, motion_fraction_permille=checks.motion_fraction_permille
        )
        self.uploader = SnapshotUploader(self.store, hub_url, ledger.device_id) if checks.upload else None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._last_warning: dict[tuple[str, str], int] = {}

    # -- lifecycle --------------------------------------------------------------------------------

    async def start(self) -> None:
        await self.platforms.start()
        for camera in self.cameras.values():
            self._spawn(camera.run(), f"camera {camera.name}")
            if camera.settings.watch:
                self._spawn(self._watch(camera), f"watch {camera.name}")
        if self.uploader is not None:
            self._spawn(self.uploader.run(), "snapshot upload")

    async def stop(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=10)
        await self.platforms.stop()
        self.store.close()

    async def drain(self) -> None:
        """Wait for the background checks started so far (the long-running loops are not waited for)."""
        pending = [t for t in self._tasks if t.get_name().startswith("check")]
        await asyncio.gather(*pending, return_exceptions=True)

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s stopped", task.get_name(), exc_info=task.exception())

    def states(self) -> list[dict[str, Any]]:
        return [c.state.as_dict() for c in self.cameras.values()]

    # -- the weighing -------------------------------------------------------------------------------

    @property
    def at_scale(self) -> list[SupervisedCamera]:
        return [c for c in self.cameras.values() if c.settings.at_scale]

    async def capture_for_weighing(self) -> list[SnapshotOutcome]:
        """A snapshot from each camera at the scale, at once; never raises, never waits past the timeouts."""
        cameras = self.at_scale
        return list(await asyncio.gather(*(self._capture(c) for c in cameras)))

    async def _capture(self, camera: SupervisedCamera) -> SnapshotOutcome:
        try:
            jpeg = await camera.snapshot()
        except CameraError as exc:
            return SnapshotOutcome(camera.name, reason=exc.reason, detail=camera.state.last_error or str(exc))
        try:
            sha = await asyncio.to_thread(self.store.put, jpeg, camera.name, self.clock_ms())
        except OSError as exc:
            log.error("snapshot from %s not stored: %s", camera.name, exc)
            return SnapshotOutcome(camera.name, reason="storage", detail=str(exc))
        return SnapshotOutcome(camera.name, sha256=sha)

    async def capture_for_movement(self) -> list[SnapshotOutcome]:
        """A snapshot from each camera watching 入库, 出库 and 装车; never raises, bounded by the timeouts."""
        cameras = [c for c in self.cameras.values() if c.settings.at_movements]
        return list(await asyncio.gather(*(self._capture(c) for c in cameras)))

    def after_movement(self, event: Event, outcomes: list[SnapshotOutcome]) -> None:
        """Bind the images to the movement's event, for the uploader (no image checks: those look at the
        scale platform)."""
        for outcome in outcomes:
            if outcome.sha256:
                self.store.bind(outcome.sha256, event.seq)
        if self.uploader is not None:
            self.uploader.notify()

    def after_commit(self, event: Event, outcomes: list[SnapshotOutcome]) -> None:
        for outcome in outcomes:
            if outcome.sha256:
                self.store.bind(outcome.sha256, event.seq)
                camera = self.cameras[outcome.camera]
                self._spawn(self._check(event, camera, outcome.sha256, "weighing"), f"check {event.code}")
        if self.uploader is not None:
            self.uploader.notify()

    def after_label(self, event: Event) -> None:
        for camera in self.at_scale:
            if camera.settings.label_check_after_s > 0:
                self._spawn(self._label_check(event, camera), f"check label {event.code}")

    async def _label_check(self, event: Event, camera: SupervisedCamera) -> None:
        await asyncio.sleep(camera.settings.label_check_after_s)
        outcome = await self._capture(camera)
        if outcome.sha256 is None:
            log.info("label check for %s: no snapshot (%s)", event.code, outcome.reason)
            return
        await self._check(event, camera, outcome.sha256, "labelled")

    async def _check(self, event: Event, camera: SupervisedCamera, sha: str, stage: str) -> None:
        frame = await asyncio.to_thread(self._frame, sha)
        if frame is None:
            return
        context = WeighingContext(
            code=event.code,
            camera=camera.name,
            time_ms=self.clock_ms(),
            stage=stage,  # type: ignore[arg-type]
            waste_code=event.waste_code,
            grams=event.grams,
            scale_roi=camera.settings.scale_roi,
        )
        results = await asyncio.to_thread(self.vision.check_weighing, frame, context)
        for result in results:
            await self._record(event.code, camera.name, sha, result, waste_code=event.waste_code)

    def _frame(self, sha: str) -> Any:
        data = self.store.read(sha)
        if data is None:
            return None
        try:
            return check_jpeg(data)
        except CameraError as exc:
            log.warning("stored snapshot %s unreadable: %s", sha, exc)
            return None

    async def _record(
        self, code: str, camera: str, sha: str, result: CheckResult, waste_code: str | None = None
    ) -> Event | None:
        data = result.ledger_data() | {"camera": camera, "snapshot": sha}
        try:
            event = await asyncio.to_thread(
                self.ledger.append,
                EventKind.INSPECTING,
                code,
                waste_code=waste_code,
                place=self.place,
                attachments=(Attachment(sha, MEDIA_TYPE, ROLE),),
                data=data,
            )
        except LedgerError as exc:
            log.error("check %s on %s not recorded: %s", result.check, code, exc)
            return None
        self.store.bind(sha, event.seq)
        if result.warning:
            log.warning("check %s on %s: %s", result.check, code, result.message_en)
        self.on_commit()
        return event

    # -- watching the warehouse --------------------------------------------------------------------

    def site_code(self, camera: str) -> str:
        """The code site-level camera events are filed under (they concern the warehouse, not one bag)."""
        return f"camera:{self.ledger.device_id}:{camera}"

    async def _watch(self, camera: SupervisedCamera) -> None:
        checks = self.config.checks
        while True:
            await asyncio.sleep(checks.watch_interval_s)
            now = self.clock_ms()
            if is_working_time(now, checks):
                continue
            await self.watch_once(camera, now)

    async def watch_once(self, camera: SupervisedCamera, now_ms: int) -> list[Event]:
        try:
            jpeg = await camera.snapshot()
            frame = await asyncio.to_thread(check_jpeg, jpeg)
        except CameraError as exc:
            log.debug("watch %s: %s", camera.name, exc)
            return []
        context = WatchContext(camera.name, now_ms, is_working_time(now_ms, self.config.checks))
        recorded = []
        for result in await asyncio.to_thread(self.vision.watch, frame, context):
            key = (camera.name, result.check)
            cooldown_ms = int(self.config.checks.motion_cooldown_s * 1000)
            if now_ms - self._last_warning.get(key, -cooldown_ms) < cooldown_ms:
                continue
            self._last_warning[key] = now_ms
            sha = await asyncio.to_thread(self.store.put, jpeg, camera.name, now_ms)
            event = await self._record(self.site_code(camera.name), camera.name, sha, result)
            if event is not None:
                recorded.append(event)
        return recorded
