"""One scale on its serial port: a supervised reader that keeps the latest reading and judges stability.

Blocking pyserial reads (and, in command mode, the poll requests) run on one dedicated thread (0.2 s
timeout, so stopping never waits long); every byte is parsed and judged on the event loop, so no state is
shared between threads. When the port fails or disappears (a USB adapter unplugged, the indicator
switched off) the reader closes it and tries again with growing pauses, for as long as it runs.

Any protocol of `protocols.scale.registry` is read through its parser; `ScaleReader.from_profile` sets
the port, parser, polling and stability rule from an indicator profile.
"""

from __future__ import annotations

import asyncio
import logging
import termios
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import serial

from edge.scales.errors import ScaleNotConnected, ScaleNotStable
from edge.scales.state import MESSAGES_ZH, ScaleState, ScaleStatus
from protocols.scale import (
    NEED_DATA,
    AndStParser,
    Reading,
    Reply,
    ScaleEvent,
    ScaleParser,
    ScaleProfile,
    StabilityJudge,
)

log = logging.getLogger(__name__)

NO_DATA_MS = 2000
"""Silence on an open port after which the scale counts as not sending."""

_READ_TIMEOUT_S = 0.2
# Replies that show the indicator is there and understood us, though they carry no weight.
_BENIGN_REPLIES = frozenset({"ack", "busy", "motion", "refused", "other"})
_BACKOFF_MIN_S = 0.2
_BACKOFF_MAX_S = 5.0
_WAIT_TICK_S = 0.05


def monotonic_ms() -> int:
    return time.monotonic_ns() // 1_000_000


@dataclass(slots=True)
class _Waiter:
    judge: StabilityJudge
    result: asyncio.Future[int]


class ScaleReader:
    """One scale on one serial port. `start()`, then `state()` any time and `wait_stable()` per bag.

    `clock_ms` times frames, stability and silence; it defaults to the monotonic clock because a Pi
    without an RTC steps its wall clock when NTP arrives, which must neither fake nor break a stable span.
    """

    def __init__(
        self,
        port: str,
        *,
        baudrate: int = 9600,
        bytesize: int = 8,
        parity: str = "N",
        stopbits: float = 1,
        judge: StabilityJudge | None = None,
        clock_ms: Callable[[], int] = monotonic_ms,
        no_data_ms: int = NO_DATA_MS,
        parser_factory: Callable[[], ScaleParser] = AndStParser,
        poll: bytes | None = None,
        poll_interval_ms: int = 200,
        name: str = "scale",
        protocol: str = "and_st",
        mode: str = "continuous",
    ) -> None:
        self.port = port
        self.name = name
        self.protocol = protocol
        self.mode = mode
        self._poll = poll
        self._poll_interval_ms = poll_interval_ms
        self._settings = {
            "baudrate": baudrate,
            "bytesize": bytesize,
            "parity": parity,
            "stopbits": stopbits,
            # Polling never waits longer for a byte than until the next request is due.
            "timeout": min(_READ_TIMEOUT_S, poll_interval_ms / 1000) if poll else _READ_TIMEOUT_S,
            "write_timeout": 1.0,
            # Two readers on one port would each get half the bytes; refuse the second.
            "exclusive": True,
        }
        serial.Serial(port=None, **self._settings)  # refuses impossible settings now, not at first open
        self.judge = judge if judge is not None else StabilityJudge()
        self._clock_ms = clock_ms
        self._no_data_ms = no_data_ms
        self._parser_factory = parser_factory
        self._parser = parser_factory()
        self._connected_since_ms: int | None = None
        self._last_event_ms: int | None = None
        self._last_good_ms: int | None = None
        self._last_reading: Reading | None = None
        self._last_reading_ms: int | None = None
        self._moving = False
        self._garbled_count = 0
        self._missed_polls = 0
        self._poll_pending = False
        self._listeners: list[Callable[[ScaleEvent, int], None]] = []
        self._last_error = "not started"
        self._waiters: list[_Waiter] = []
        self._task: asyncio.Task[None] | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._stopping = False
        self._wake = asyncio.Event()

    @classmethod
    def from_profile(
        cls,
        port: str,
        profile: ScaleProfile,
        *,
        name: str = "scale",
        clock_ms: Callable[[], int] = monotonic_ms,
    ) -> ScaleReader:
        """A reader for an indicator set up as `profile` describes."""
        return cls(
            port,
            baudrate=profile.serial.baudrate,
            bytesize=profile.serial.bytesize,
            parity=profile.serial.parity,
            stopbits=profile.serial.stopbits,
            judge=profile.stability.judge(),
            clock_ms=clock_ms,
            no_data_ms=profile.no_data_ms,
            parser_factory=profile.parser,
            poll=profile.poll_request(),
            poll_interval_ms=profile.poll_interval_ms,
            name=name,
            protocol=profile.protocol,
            mode=profile.mode,
        )

    def add_listener(self, listener: Callable[[ScaleEvent, int], None]) -> None:
        """Call `listener(event, now_ms)` for every event parsed (the installer's scale-read tool)."""
        self._listeners.append(listener)

    # -- lifecycle -------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start reading; returns after the first attempt to open the port, whatever its outcome."""
        if self._task is not None:
            return
        self._stopping = False
        self._wake = asyncio.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scale-serial")
        first_attempt: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._supervise(first_attempt), name=f"scale {self.port}")
        await asyncio.wait({first_attempt, self._task}, return_when=asyncio.FIRST_COMPLETED)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        try:
            await self._task
        finally:
            self._task = None
            if self._executor is not None:
                self._executor.shutdown(wait=False)
                self._executor = None

    # -- what the rest of the edge asks ----------------------------------------------------------------

    def state(self) -> ScaleState:
        now = self._clock_ms()
        connected = self._connected_since_ms is not None
        status, grams, stable = self._status(now), None, False
        if status is not ScaleStatus.CONNECTED:
            message = MESSAGES_ZH[status]
        elif self._moving or self._last_reading is None:
            message = MESSAGES_ZH["unstable"]
        else:
            grams = self._last_reading.grams
            stable = self.judge.stable_grams is not None
            if self._last_reading.status == "hold":
                message = MESSAGES_ZH["hold"]
            else:
                message = MESSAGES_ZH["stable" if stable else "unstable"]
        return ScaleState(
            connected=connected,
            status=status,
            grams=grams,
            stable=stable,
            last_reading_ms=self._last_reading_ms,
            garbled_count=self._garbled_count,
            message_zh=message,
            name=self.name,
            protocol=self.protocol,
            mode=self.mode,
            missed_polls=self._missed_polls,
        )

    async def wait_stable(self, timeout_s: float) -> int:
        """The next stable weight in grams, judged only on frames that arrive after this call.

        Frames from before the call never count, so the bag weighed last time cannot be weighed again
        by a quick second press while the new one is still being put down.
        """
        self._raise_if_silent(self._clock_ms())
        loop = asyncio.get_running_loop()
        waiter = _Waiter(self.judge.fresh(), loop.create_future())
        self._waiters.append(waiter)
        deadline = loop.time() + timeout_s
        try:
            while True:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise self._not_stable(timeout_s)
                await asyncio.wait({waiter.result}, timeout=min(remaining, _WAIT_TICK_S))
                if waiter.result.done():
                    return waiter.result.result()
                self._raise_if_silent(self._clock_ms())
        finally:
            self._waiters.remove(waiter)
            waiter.result.cancel()

    # -- status ----------------------------------------------------------------------------------------

    def _status(self, now: int) -> ScaleStatus:
        if self._connected_since_ms is None:
            return ScaleStatus.DISCONNECTED
        if self._last_event_ms is None or now - self._last_event_ms > self._no_data_ms:
            return ScaleStatus.NO_DATA
        if self._last_good_ms is None or now - self._last_good_ms > self._no_data_ms:
            return ScaleStatus.GARBLED
        if self._last_reading is not None and not self._moving:
            if self._last_reading.status in (ScaleStatus.OVERLOAD, ScaleStatus.UNDERLOAD):
                return ScaleStatus(self._last_reading.status)
        return ScaleStatus.CONNECTED

    def _raise_if_silent(self, now: int) -> None:
        if self._connected_since_ms is None:
            raise ScaleNotConnected(
                f"scale port {self.port} is not open ({self._last_error})",
                MESSAGES_ZH[ScaleStatus.DISCONNECTED],
            )
        heard = max(self._connected_since_ms, self._last_event_ms or self._connected_since_ms)
        if now - heard > self._no_data_ms:
            raise ScaleNotConnected(
                f"no frames from the scale on {self.port} for {now - heard} ms",
                MESSAGES_ZH[ScaleStatus.NO_DATA],
            )

    def _not_stable(self, timeout_s: float) -> ScaleNotStable:
        status: str = self._status(self._clock_ms())
        held = self._last_reading is not None and self._last_reading.status == "hold"
        if status == ScaleStatus.CONNECTED and held:
            status = "hold"
        if status in ("garbled", "overload", "underload", "hold"):
            return ScaleNotStable(
                f"no stable weight within {timeout_s} s: scale {status}", MESSAGES_ZH[status]
            )
        return ScaleNotStable(
            f"no stable weight within {timeout_s} s",
            "读数一直不稳定，请放稳废物袋、不要触碰秤台后重试",
        )

    # -- the supervised loop ---------------------------------------------------------------------------

    async def _supervise(self, first_attempt: asyncio.Future[None]) -> None:
        loop = asyncio.get_running_loop()
        assert self._executor is not None
        backoff, failing = _BACKOFF_MIN_S, False
        while not self._stopping:
            try:
                port = await loop.run_in_executor(self._executor, self._open)
            except (serial.SerialException, OSError, termios.error) as exc:
                # termios.error: the driver refused the settings (pyserial lets it through unwrapped).
                self._last_error = str(exc)
                if not failing:
                    log.warning("scale %s: cannot open the port: %s (retrying)", self.port, exc)
                failing = True
                _settle(first_attempt)
                await self._pause(backoff)
                backoff = min(backoff * 2, _BACKOFF_MAX_S)
                continue
            failing = False
            self._on_open()
            _settle(first_attempt)
            log.info("scale %s: port open", self.port)
            try:
                await self._read_until_stopped(port)
            except (serial.SerialException, OSError, termios.error) as exc:
                self._last_error = str(exc)
                log.warning("scale %s: port lost: %s (reopening)", self.port, exc)
            except Exception as exc:
                # The supervision boundary: a bug in handling one chunk must not end weighing for good.
                self._last_error = f"internal error: {exc!r}"
                log.exception("scale %s: reader failed (reopening)", self.port)
            finally:
                self._on_close()
                await loop.run_in_executor(self._executor, port.close)
            if self._last_event_ms is not None:
                backoff = _BACKOFF_MIN_S
            await self._pause(backoff)
        _settle(first_attempt)

    def _open(self) -> serial.Serial:
        return serial.Serial(self.port, **self._settings)

    async def _read_until_stopped(self, port: serial.Serial) -> None:
        loop = asyncio.get_running_loop()
        next_poll_ms = self._clock_ms()
        while not self._stopping:
            request = None
            if self._poll is not None and self._clock_ms() >= next_poll_ms:
                request = self._poll
                if self._poll_pending:
                    self._missed_polls += 1
                self._poll_pending = True
                next_poll_ms = self._clock_ms() + self._poll_interval_ms
            data = await loop.run_in_executor(self._executor, _exchange, port, request)
            if data:
                self._on_bytes(data)

    async def _pause(self, seconds: float) -> None:
        if self._stopping:
            return
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except TimeoutError:
            pass

    def _on_open(self) -> None:
        # A fresh parser: half a line from before the unplug must not join the first line after it.
        self._parser = self._parser_factory()
        self._poll_pending = False
        self._connected_since_ms = self._clock_ms()
        self._last_error = ""

    def _on_close(self) -> None:
        self._connected_since_ms = None
        self.judge.reset()
        for waiter in self._waiters:
            waiter.judge.reset()

    def _on_bytes(self, data: bytes) -> None:
        self._parser.receive_data(data)
        now = self._clock_ms()
        while (event := self._parser.next_event()) is not NEED_DATA:
            self._on_event(event, now)
            for listener in self._listeners:
                listener(event, now)

    def _on_event(self, event: ScaleEvent, now: int) -> None:
        if isinstance(event, Reply) and event.what == "echo":
            return  # our own request, heard back on a two-wire RS-485 line
        self._last_event_ms = now
        self._poll_pending = False
        if isinstance(event, Reading):
            self._last_reading, self._last_reading_ms = event, now
            self._last_good_ms, self._moving = now, False
        elif isinstance(event, Reply) and event.what in _BENIGN_REPLIES:
            self._last_good_ms = now
            self._moving = event.what in ("busy", "motion")
        else:
            self._garbled_count += 1
            log.debug("scale %s: unusable frame (%r): %r", self.port, event, event.raw)
        self.judge.feed(event, now)
        for waiter in self._waiters:
            waiter.judge.feed(event, now)
            grams = waiter.judge.stable_grams
            if grams is not None and not waiter.result.done():
                waiter.result.set_result(grams)


def _exchange(port: serial.Serial, request: bytes | None) -> bytes:
    """Send a poll request if one is due, then read what is there."""
    if request is not None:
        port.write(request)
    return _read_available(port)


def _read_available(port: serial.Serial) -> bytes:
    """Block up to the read timeout for one byte, then take whatever else is already waiting."""
    data = port.read(1)
    if data and port.in_waiting:
        data += port.read(port.in_waiting)
    return data


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
