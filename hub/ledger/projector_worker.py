"""`wastetrace hub project`: the projector as a process of its own (WT_HUB_PROJECTION=deferred).

A city's hub gives custody and the projection a process beside its HTTP and MQTT workers, which then run none
(WT_HUB_PROJECTOR=off): the batches' stores and their projection then use two cores instead of taking turns
on one (docs/scale.md). `--once` projects the backlog there is and exits, for maintenance and tests.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
from typing import Any

from hub.core.collector import settle_heap
from hub.core.db import make_engine, migrate, read_sessions, write_sessions
from hub.core.deps import wall_clock_ms
from hub.core.wal import background_checkpoints
from hub.ledger.pending import backlog
from hub.ledger.projector import project_backlog, run_projector
from hub.settings import DEFAULT_DB

log = logging.getLogger(__name__)


def add_parser(sub: Any) -> None:
    project = sub.add_parser(
        "project", help="custody and the projection of stored batches (WT_HUB_PROJECTION=deferred)"
    )
    project.add_argument("--db", help="SQLAlchemy URL (default: $WT_HUB_DB or sqlite:///hub.db)")
    project.add_argument("--once", action="store_true", help="project the backlog there is, then exit")
    project.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])


def main(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    db_url = args.db or os.environ.get("WT_HUB_DB") or DEFAULT_DB
    migrate(db_url)
    engine = make_engine(db_url, pool_size=2)
    checkpoints = background_checkpoints(engine)  # SQLite's WAL copied by a thread (hub/core/wal.py)
    write = write_sessions(engine)
    if checkpoints is not None:
        checkpoints.start()
    try:
        if args.once:
            total = project_backlog(write, wall_clock_ms)
            left = backlog(read_sessions(engine))
            print(
                f"hub project: {total.events} events of {total.batches} batches projected, "
                f"{total.refused} refused by custody; {left.batches} batches pending",
                flush=True,
            )
            return 0
        settle_heap()
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        print("hub project: projecting", flush=True)
        run_projector(write, wall_clock_ms, stop)
        return 0
    finally:
        if checkpoints is not None:
            checkpoints.stop()
        engine.dispose()
