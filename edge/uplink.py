"""Forward the ledger to the hub over HTTP: signed batches, signed receipts, a cursor moved only by receipts.

Delivery is at-least-once: a batch whose receipt never arrived is sent again from the same cursor, and
the hub de-duplicates on (device, seq). Nothing is queued in memory: each round reads what the ledger
holds after the acknowledged cursor.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass

import aiohttp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from edge.ledger import Ledger
from protocols.ledger import EnvelopeError, SignatureError, open_receipt, seal_batch

log = logging.getLogger(__name__)

DESTINATION = "hub-http"


class UplinkError(RuntimeError):
    """One upload round failed; `retry` says whether trying again later can help."""

    def __init__(self, message: str, *, retry: bool = True) -> None:
        super().__init__(message)
        self.retry = retry


@dataclass
class UplinkState:
    last_error: str | None = None
    last_ok_ms: int | None = None
    sent_batches: int = 0


class HttpUplink:
    def __init__(
        self,
        ledger: Ledger,
        hub_url: str,
        device_key: Ed25519PrivateKey,
        hub_key: Ed25519PublicKey,
        *,
        batch_events: int = 500,
        min_backoff_s: float = 0.5,
        max_backoff_s: float = 60.0,
        timeout_s: float = 15.0,
    ) -> None:
        self.ledger = ledger
        self.url = hub_url.rstrip("/") + "/api/v1/batches"
        self.device_key = device_key
        self.hub_key = hub_key
        self.batch_events = batch_events
        self.min_backoff_s = min_backoff_s
        self.max_backoff_s = max_backoff_s
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self.state = UplinkState()
        self._wake = asyncio.Event()

    def notify(self) -> None:
        """A new event was committed: send without waiting for the next poll."""
        self._wake.set()

    async def run(self, poll_s: float = 5.0) -> None:
        backoff = self.min_backoff_s
        async with aiohttp.ClientSession(timeout=self.timeout) as session:
            while True:
                try:
                    sent = await self.flush_once(session)
                except UplinkError as exc:
                    self.state.last_error = str(exc)
                    log.warning("upload failed: %s", exc)
                    if not exc.retry:
                        backoff = self.max_backoff_s
                    await self._sleep(backoff * random.uniform(0.5, 1.5))
                    backoff = min(backoff * 2, self.max_backoff_s)
                    continue
                backoff = self.min_backoff_s
                if sent == 0:
                    await self._sleep(poll_s)

    async def _sleep(self, seconds: float) -> None:
        self._wake.clear()
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        except TimeoutError:
            pass

    async def flush_once(self, session: aiohttp.ClientSession) -> int:
        """Send one batch from the cursor; return how many events the hub acknowledged anew."""
        cursor = await asyncio.to_thread(self.ledger.cursor, DESTINATION)
        events = await asyncio.to_thread(self.ledger.events_after, cursor, self.batch_events)
        if not events:
            return 0
        device_id = self.ledger.device_id
        batch_id = f"{device_id}:{events[0].seq}-{events[-1].seq}"
        envelope = seal_batch(self.device_key, device_id, batch_id, self.ledger.clock.now_ms(), events)
        body = await self._post(session, envelope)
        try:
            receipt = open_receipt(body.get("receipt"), self.hub_key, device_id=device_id, batch_id=batch_id)
        except (EnvelopeError, SignatureError) as exc:
            raise UplinkError(f"the hub's receipt was not accepted: {exc}") from exc
        if receipt.acked_seq < events[-1].seq:
            log.warning(
                "hub acknowledged up to %d of a batch ending at %d", receipt.acked_seq, events[-1].seq
            )
        await asyncio.to_thread(self.ledger.set_cursor, DESTINATION, receipt.acked_seq)
        self.state.last_error = None
        self.state.last_ok_ms = self.ledger.clock.now_ms()
        self.state.sent_batches += 1
        return max(0, receipt.acked_seq - cursor)

    async def _rewind(self, hub_holds: int) -> None:
        """The hub holds less than our cursor says (restored from a backup): resend from where it is.

        An unsigned answer may only move the cursor back, never forward: only a signed receipt can say that
        events have arrived.
        """
        cursor = await asyncio.to_thread(self.ledger.cursor, DESTINATION)
        if 0 <= hub_holds < cursor:
            await asyncio.to_thread(self.ledger.set_cursor, DESTINATION, hub_holds)
            raise UplinkError(f"the hub holds events up to {hub_holds} only; resending from there")
        raise UplinkError(f"the hub reports a gap after {hub_holds}; resending from {cursor}")

    async def _post(self, session: aiohttp.ClientSession, envelope: dict) -> dict:
        try:
            async with session.post(self.url, json=envelope) as resp:
                try:
                    body = await resp.json(content_type=None)
                except ValueError:
                    body = {"detail": (await resp.text())[:200]}
                if resp.status == 200 and isinstance(body, dict):
                    return body
                detail = body.get("detail") if isinstance(body, dict) else body
                if resp.status == 409 and isinstance(body, dict) and "expected_seq" in body:
                    await self._rewind(int(body["expected_seq"]) - 1)
                retry = resp.status >= 500 or resp.status in (408, 429)
                raise UplinkError(f"hub answered {resp.status}: {detail}", retry=retry)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise UplinkError(f"hub unreachable at {self.url}: {exc or type(exc).__name__}") from exc
