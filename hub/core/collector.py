"""The garbage collector of a serving process, set for a heap that is mostly built once at start.

A hub process starts with about a million long-lived objects (modules, the app and its routes, SQLAlchemy's
mappers and compiled statements, the waste catalogue). CPython's full collection walks all of them, and a
batch's thousands of dicts, alive through the request, are promoted often enough to trigger one every few
batches: measured on the ingest, 0.7 s of collections per 100,000 events, a fifth of the hub's CPU
(docs/bench-hub.md). `gc.freeze()` moves what start-up built out of the collector's sight, and a larger
first threshold lets a batch's short-lived objects die before a collection looks at them. Reference cycles
are still collected, only less often.
"""

from __future__ import annotations

import gc

# Allocations (net of frees) before a young collection; CPython's default is 700.
YOUNG_THRESHOLD = 10_000


def settle_heap() -> None:
    """Call once a serving process has built what it keeps (its app, engine, consumer), before it serves."""
    gc.collect()  # what start-up left as garbage goes now, not frozen with the rest
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
