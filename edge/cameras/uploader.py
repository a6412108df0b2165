"""Send snapshots to the hub lazily, after the events that name them have arrived there.

The upload needs no signature of its own: the hub stores an image only when its SHA-256 is named by an
event it already holds from this device (`PUT /api/v1/snapshots/{sha256}?device_id=…&seq=…`), and the
event is signed. Until then the hub answers 404 and the image waits for the next round.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp

from edge.cameras.store import SnapshotStore, StoredSnapshot

log = logging.getLogger(__name__)


class SnapshotUploader:
    def __init__(
        self,
        store: SnapshotStore,
        hub_url: str,
        device_id: str,
        *,
        interval_s: float = 30.0,
        retry_s: float = 2.0,
        timeout_s: float = 30.0,
    ) -> None:
        self.store = store
        self.base = hub_url.rstrip("/") + "/api/v1/snapshots"
        self.device_id = device_id
        self.interval_s = interval_s
        self.retry_s = retry_s
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self.last_error: str | None = None
        self.uploaded = 0
        self._wake = asyncio.Event()

    def notify(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        async with aiohttp.ClientSession(timeout=self.timeout) as session:
            waited = self.retry_s / 2
            while True:
                self._wake.clear()  # a notify() from here on wakes the next wait
                try:
                    await self.upload_once(session)
                except (aiohttp.ClientError, TimeoutError) as exc:
                    self.last_error = f"hub unreachable: {exc or type(exc).__name__}"
                    log.info("snapshot upload: %s", self.last_error)
                # An image whose event has not reached the hub yet is offered again soon, then less often.
                pending = bool(await asyncio.to_thread(self.store.pending_uploads, 1))
                waited = min(waited * 2, self.interval_s) if pending else self.retry_s / 2
                try:
                    await asyncio.wait_for(self._wake.wait(), waited if pending else self.interval_s)
                except TimeoutError:
                    pass

    async def upload_once(self, session: aiohttp.ClientSession) -> int:
        """Upload what is pending, oldest first; stop at the first image whose event the hub lacks."""
        sent = 0
        for item in await asyncio.to_thread(self.store.pending_uploads, 20):
            outcome = await self._put(session, item)
            if outcome == "wait":
                break
            sent += outcome == "uploaded"
        return sent

    async def _put(self, session: aiohttp.ClientSession, item: StoredSnapshot) -> str:
        data = await asyncio.to_thread(self.store.read, item.sha256)
        if data is None:
            await asyncio.to_thread(self.store.mark_upload, item.sha256, "refused", "purged before upload")
            return "refused"
        url = f"{self.base}/{item.sha256}"
        params = {"device_id": self.device_id, "seq": str(item.event_seq)}
        async with session.put(url, params=params, data=data, headers={"Content-Type": "image/jpeg"}) as resp:
            text = (await resp.text())[:200]
            if resp.status in (200, 201):
                await asyncio.to_thread(self.store.mark_upload, item.sha256, "uploaded")
                self.uploaded += 1
                self.last_error = None
                return "uploaded"
            if resp.status == 404 or resp.status >= 500 or resp.status == 429:
                self.last_error = f"hub answered {resp.status}: {text}"
                return "wait"
            # Anything else will not change by asking again: keep the image, stop offering it.
            log.warning("hub refused snapshot %s (%d): %s", item.sha256, resp.status, text)
            await asyncio.to_thread(self.store.mark_upload, item.sha256, "refused", f"{resp.status}: {text}")
            return "refused"
