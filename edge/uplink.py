"""Forward the ledger to the hub: signed batches, signed receipts, a cursor moved only by receipts.

Delivery is at-least-once: a batch whose receipt never arrived is sent again from the same cursor, and
the hub de-duplicates on (device, seq). Nothing is queued in memory and nothing is read ahead: each round
reads what the ledger holds after the acknowledged cursor, seals it and waits for its receipt. The
transport (HTTP or MQTT) only carries one sealed batch and brings back the hub's answer; the cursor rules
live here, once, for both.

A batch closes at `BatchPolicy.max_events` events or `max_bytes` bytes; a batch that is not full waits at
most `max_age_ms` for more events, so a burst goes in one batch and a single bag still goes within a second.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from edge.ledger import HUB, Ledger, OutboxBatch
from protocols.ledger import EnvelopeError, Receipt, SignatureError, open_receipt, seal_canonical_batch

log = logging.getLogger(__name__)

# The hub's cursor in the ledger: one per hub, whichever transport carries the batches.
DESTINATION = HUB


class UplinkError(RuntimeError):
    """One upload round failed; `retry` says whether trying again soon can help."""

    def __init__(self, message: str, *, retry: bool = True) -> None:
        super().__init__(message)
        self.retry = retry


class HubRefused(UplinkError):
    """The hub answered, unsigned, that it will not store the batch; `expected_seq` names a gap."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        expected_seq: int | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        retry = status >= 500 or status in (408, 429) or expected_seq is not None
        super().__init__(f"hub answered {status}: {detail}", retry=retry)
        self.status = status
        self.detail = detail
        self.expected_seq = expected_seq
        # A busy hub (503, 429) names the wait before the batch is welcome again (Retry-After, seconds).
        self.retry_after_s = retry_after_s


@dataclass
class UplinkState:
    transport: str = "http"
    last_error: str | None = None
    last_ok_ms: int | None = None
    sent_batches: int = 0


@dataclass(frozen=True, slots=True)
class BatchPolicy:
    max_events: int = 1000
    max_bytes: int = 2_000_000
    max_age_ms: int = 1000


class Transport(Protocol):
    """Carries one sealed batch to the hub and returns the hub's receipt envelope (not yet verified)."""

    name: str

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def exchange(self, batch_id: str, envelope: bytes) -> dict[str, Any]: ...


class Uplink:
    def __init__(
        self,
        ledger: Ledger,
        transport: Transport,
        device_key: Ed25519PrivateKey,
        hub_key: Ed25519PublicKey,
        *,
        policy: BatchPolicy | None = None,
        min_backoff_s: float = 0.5,
        max_backoff_s: float = 60.0,
        clock_ms: Callable[[], int] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """`clock_ms` (monotonic milliseconds) times how long a partial batch has waited; `sleep` paces
        the rounds and the backoff (a `notify()` cuts it short). Tests pass their own to skip waiting."""
        self.ledger = ledger
        self.transport = transport
        self.device_key = device_key
        self.hub_key = hub_key
        self.policy = policy or BatchPolicy()
        self.min_backoff_s = min_backoff_s
        self.max_backoff_s = max_backoff_s
        self.state = UplinkState(transport=transport.name)
        self._clock_ms = clock_ms or _mono_ms
        self._sleep_for = sleep
        self._wake = asyncio.Event()
        # (first seq, monotonic ms) of a batch that is not full yet: it waits for more events until max_age.
        self._lingering: tuple[int, int] | None = None

    def notify(self) -> None:
        """A new event was committed: look at the outbox now rather than at the next poll."""
        self._wake.set()

    async def run(self, poll_s: float = 5.0) -> None:
        await self.transport.start()
        backoff = self.min_backoff_s
        try:
            while True:
                try:
                    sent = await self.flush_once()
                except UplinkError as exc:
                    self.state.last_error = str(exc)
                    log.warning("upload failed: %s", exc)
                    asked = getattr(exc, "retry_after_s", None)
                    if asked is not None:
                        # The hub is busy and said when to come back: that wait in full (a new event does
                        # not cut it short), and a little more at random, so sites asked back together
                        # do not all return in the same second.
                        await self._sleep_for(min(asked, self.max_backoff_s) * random.uniform(1.0, 1.25))
                        continue
                    if not exc.retry:
                        backoff = self.max_backoff_s
                    await self._sleep(backoff * random.uniform(0.5, 1.5))
                    backoff = min(backoff * 2, self.max_backoff_s)
                    continue
                backoff = self.min_backoff_s
                if sent == 0:
                    await self._sleep(self._linger_left_s() or poll_s)
        finally:
            await self.transport.close()

    async def _sleep(self, seconds: float) -> None:
        """Sleep `seconds`, or less if a new event is committed meanwhile."""
        self._wake.clear()
        woken = asyncio.ensure_future(self._wake.wait())
        slept = asyncio.ensure_future(self._sleep_for(seconds))
        try:
            await asyncio.wait({woken, slept}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            woken.cancel()
            slept.cancel()

    def _linger_left_s(self) -> float | None:
        if self._lingering is None:
            return None
        left = self.policy.max_age_ms - (self._clock_ms() - self._lingering[1])
        return max(0.01, left / 1000)

    def _ready(self, batch: OutboxBatch, full: bool) -> bool:
        if full:
            self._lingering = None
            return True
        if self._lingering is None or self._lingering[0] != batch.first_seq:
            self._lingering = (batch.first_seq, self._clock_ms())
        if self._clock_ms() - self._lingering[1] >= self.policy.max_age_ms:
            self._lingering = None
            return True
        return False

    async def flush_once(self, *, wait_for_full: bool = True) -> int:
        """Send one batch from the cursor; return how many events the hub acknowledged anew.

        With `wait_for_full` False a partial batch goes at once (tests, a flush on shutdown).
        """
        cursor = await asyncio.to_thread(self.ledger.cursor, DESTINATION)
        policy = self.policy
        batch = await asyncio.to_thread(self.ledger.batch_after, cursor, policy.max_events, policy.max_bytes)
        if batch is None:
            self._lingering = None
            return 0
        if wait_for_full and not self._ready(batch, batch.full):
            return 0
        device_id = self.ledger.device_id
        batch_id = f"{device_id}:{batch.first_seq}-{batch.last_seq}"
        envelope = seal_canonical_batch(
            self.device_key, device_id, batch_id, self.ledger.clock.now_ms(), batch.events
        )
        try:
            answer = await self.transport.exchange(batch_id, envelope)
        except HubRefused as refusal:
            if refusal.expected_seq is not None:
                await self._rewind(refusal.expected_seq - 1)
            raise
        receipt = self._verify(answer, device_id, batch_id)
        await self._advance(receipt, batch)
        self.state.last_error = None
        self.state.last_ok_ms = self.ledger.clock.now_ms()
        self.state.sent_batches += 1
        return max(0, receipt.acked_seq - cursor)

    def _verify(self, answer: dict[str, Any], device_id: str, batch_id: str) -> Receipt:
        try:
            return open_receipt(answer, self.hub_key, device_id=device_id, batch_id=batch_id)
        except (EnvelopeError, SignatureError) as exc:
            raise UplinkError(f"the hub's receipt was not accepted: {exc}") from exc

    async def _advance(self, receipt: Receipt, batch: OutboxBatch) -> None:
        head, _ = await asyncio.to_thread(self.ledger.head)
        if receipt.acked_seq > head:
            # The hub holds events this ledger does not: the ledger was replaced by an older copy. Sending
            # anything now would make a fork at the hub; a person has to look (docs/edge-recovery.md).
            raise UplinkError(
                f"the hub holds events up to seq {receipt.acked_seq} but this ledger ends at {head}: "
                "the ledger was restored from an older copy; see docs/edge-recovery.md",
                retry=False,
            )
        if receipt.acked_seq < batch.last_seq:
            log.warning(
                "hub acknowledged up to %d of a batch ending at %d", receipt.acked_seq, batch.last_seq
            )
        await asyncio.to_thread(self.ledger.set_cursor, DESTINATION, receipt.acked_seq)

    async def _rewind(self, hub_holds: int) -> None:
        """The hub holds less than our cursor says (restored from a backup): resend from where it is.

        An unsigned answer may only move the cursor back, never forward: only a signed receipt can say that
        events have arrived.
        """
        cursor = await asyncio.to_thread(self.ledger.cursor, DESTINATION)
        if 0 <= hub_holds < cursor:
            await asyncio.to_thread(self.ledger.set_cursor, DESTINATION, hub_holds)
            raise UplinkError(f"the hub holds events up to {hub_holds} only; resending from there")


class HttpTransport:
    """POST /api/v1/batches; the receipt is the response."""

    name = "http"

    def __init__(self, hub_url: str, *, timeout_s: float = 15.0) -> None:
        self.url = hub_url.rstrip("/") + "/api/v1/batches"
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self.timeout)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def exchange(self, batch_id: str, envelope: bytes) -> dict[str, Any]:
        await self.start()
        assert self._session is not None
        try:
            async with self._session.post(
                self.url, data=envelope, headers={"Content-Type": "application/json"}
            ) as resp:
                try:
                    body = await resp.json(content_type=None)
                except ValueError:
                    body = {"detail": (await resp.text())[:200]}
                if resp.status == 200 and isinstance(body, dict):
                    receipt = body.get("receipt")
                    return receipt if isinstance(receipt, dict) else {}
                detail = body.get("detail") if isinstance(body, dict) else body
                expected = body.get("expected_seq") if isinstance(body, dict) else None
                raise HubRefused(
                    resp.status,
                    str(detail),
                    expected_seq=expected if resp.status == 409 and isinstance(expected, int) else None,
                    retry_after_s=retry_after_s(resp.status, resp.headers.get("Retry-After")),
                )
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise UplinkError(f"hub unreachable at {self.url}: {exc or type(exc).__name__}") from exc


def retry_after_s(status: int, header: str | None) -> float | None:
    """The wait a busy hub (503 or 429) asks for in `Retry-After`, in seconds; None for another answer or a
    header that is not a number of seconds (the HTTP-date form: the usual backoff applies)."""
    if status not in (429, 503) or header is None or not header.strip().isdigit():
        return None
    return float(int(header.strip()))


def _mono_ms() -> int:
    return time.monotonic_ns() // 1_000_000
