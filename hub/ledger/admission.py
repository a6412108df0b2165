"""How many batches one hub worker takes at once; the rest are asked to come back (503 + Retry-After).

A reconnect storm (thousands of boxes back after an outage, each with a day of events) must not make a worker
hold every site's body in memory while they queue for the database: past `limit` batches in flight, a batch is
answered at once with `Retry-After` in whole seconds, its body read and dropped unlooked-at. The box keeps its
events and sends them again after that wait (edge/uplink.py honours it), so nothing is lost and nothing is
stored twice: a batch refused for load was never looked at.

The wait is the worker's recent time per batch times the batches ahead, so a busy worker spreads the
returns out instead of inviting everybody back at the same second. Per worker and in memory on purpose:
it measures this worker's own queue, which no other worker needs to know.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hub.settings import DEFAULT_INGEST_LIMIT

MAX_RETRY_AFTER_S = 30
_SMOOTHING = 0.2  # the weight of the newest batch in the running mean of the time a batch takes


@dataclass
class IngestGate:
    """Batches in flight in this worker. Entered and left on the event loop's thread only."""

    limit: int = DEFAULT_INGEST_LIMIT
    inside: int = 0
    mean_s: float = 0.05

    def enter(self) -> int | None:
        """Take a place; None when taken, else the seconds the caller should wait before sending again."""
        if self.inside >= self.limit:
            return self.retry_after_s()
        self.inside += 1
        return None

    def leave(self, took_s: float) -> None:
        self.inside -= 1
        self.mean_s += _SMOOTHING * (took_s - self.mean_s)

    def retry_after_s(self) -> int:
        return max(1, min(MAX_RETRY_AFTER_S, math.ceil(self.mean_s * (self.inside + 1))))
