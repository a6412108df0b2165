"""Several devices' messages at once, each device's strictly in arrival order: a thread pool over lanes.

The MQTT worker hands every message to the lane of its device (the key). A lane runs one job at a time, in
the order the jobs were submitted, so a device's next batch never starts before its previous one has been
answered; lanes of different devices run side by side on `threads` threads. After each job a lane with more
work goes to the back of the pool's queue, so one device with a long backlog cannot hold a thread while other
devices wait.

Memory is bounded: at most `limit` jobs are held (running or queued). Past it, `submit(wait=True)` blocks
the caller, which is paho's network thread: the worker stops reading from the broker, and the broker keeps
the excess (it is what a broker is for). `submit(wait=False)` refuses instead, for messages that may be
dropped (QoS 0 heartbeats: the next one replaces a lost one).

`close()` finishes the jobs already running, drops the queued ones without running them (their messages
stay unacknowledged, so the broker hands them out again) and stops the threads.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger(__name__)


class Lanes:
    def __init__(self, threads: int, limit: int, *, name: str = "lane") -> None:
        if threads < 1 or limit < threads:
            raise ValueError(
                f"lanes need at least one thread and a limit of at least that many ({threads}, {limit})"
            )
        self.threads, self.limit = threads, limit
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix=name)
        self._changed = threading.Condition()
        # key -> its jobs in arrival order; the head is the one running or about to run. A key is here only
        # while it has work, and then exactly one _run of it is queued in the pool or running.
        self._lanes: dict[str, deque[Callable[[], None]]] = {}
        self._held = 0
        self._closing = False

    @property
    def held(self) -> int:
        """Jobs running or queued."""
        with self._changed:
            return self._held

    def submit(self, key: str, job: Callable[[], None], *, wait: bool) -> bool:
        """Queue `job` behind `key`'s earlier jobs; False if it was not taken (full and not waiting, or
        closing)."""
        with self._changed:
            if self._held >= self.limit and not wait:
                return False
            self._changed.wait_for(lambda: self._held < self.limit or self._closing)
            if self._closing:
                return False
            self._held += 1
            lane = self._lanes.get(key)
            if lane is not None:
                lane.append(job)
                return True
            self._lanes[key] = deque([job])
            # Inside the lock, so close() cannot shut the pool between the check above and this.
            self._pool.submit(self._run, key)
        return True

    def close(self, timeout_s: float = 30.0) -> bool:
        """Stop taking jobs, finish the running ones, drop the queued ones; True if all ended in time."""
        with self._changed:
            self._closing = True
            self._changed.notify_all()
            ended = self._changed.wait_for(lambda: self._held == 0, timeout_s)
        self._pool.shutdown(wait=ended, cancel_futures=True)
        return ended

    def _run(self, key: str) -> None:
        with self._changed:
            lane = self._lanes[key]
            if self._closing:
                self._drop(key, lane)
                return
            job = lane[0]  # stays at the head while it runs, so later jobs of this key queue behind it
        try:
            job()
        except Exception:  # noqa: BLE001 - a supervised boundary: one job's failure never stops its lane
            log.exception("a job of %s failed", key)
        with self._changed:
            lane.popleft()
            self._held -= 1
            if self._closing or not lane:
                self._drop(key, lane)
                return
            self._changed.notify_all()
            self._pool.submit(self._run, key)  # to the back of the queue: fair to the other keys

    def _drop(self, key: str, lane: deque[Callable[[], None]]) -> None:
        """Forget a lane that is done or closing (lock held): its queued jobs never run."""
        self._held -= len(lane)
        lane.clear()
        del self._lanes[key]
        self._changed.notify_all()
