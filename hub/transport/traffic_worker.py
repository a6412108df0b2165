"""`wastetrace hub traffic pull`: the traffic department's positions pulled from the command line, once
(`--once`, from cron or a systemd timer) or unattended (every `--interval` seconds until stopped)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from typing import Any

from hub.core.db import make_engine, migrate, write_sessions
from hub.core.deps import wall_clock_ms
from hub.settings import DEFAULT_DB
from hub.transport.traffic_pull import TrafficClient, pull


def add_parser(sub: Any) -> None:
    tr = sub.add_parser(
        "traffic", help="pull vehicle positions from the traffic department's platform (交管)"
    )
    tr.add_argument("direction", choices=["pull"])
    tr.add_argument(
        "--url", required=True, help="the platform's positions URL, e.g. https://jg.example/positions"
    )
    tr.add_argument(
        "--token",
        default=os.environ.get("WT_HUB_TRAFFIC_PULL_TOKEN"),
        help="the bearer the platform gave the hub",
    )
    tr.add_argument("--db", help="SQLAlchemy URL (default: $WT_HUB_DB or sqlite:///hub.db)")
    tr.add_argument("--once", action="store_true", help="pull until nothing is left, then exit (0 when done)")
    tr.add_argument("--interval", type=float, default=60.0, help="seconds between unattended pulls")
    tr.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])


def main(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if not args.token:
        print("hub traffic: --token (or $WT_HUB_TRAFFIC_PULL_TOKEN) is required", file=sys.stderr)
        return 2
    url = args.db or os.environ.get("WT_HUB_DB") or DEFAULT_DB
    migrate(url)
    engine = make_engine(url)
    client = TrafficClient(args.url, args.token)
    stop = threading.Event()
    if not args.once:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    try:
        while True:
            report = pull(write_sessions(engine), client, now=wall_clock_ms)
            words = "完成 (complete)" if report.complete else f"未完成 (incomplete): {report.error}"
            print(
                f"traffic pull: {words} pages={report.pages} received={report.received} "
                f"stored={report.stored} unknown={report.unknown} retries={report.retries}",
                flush=True,
            )
            if args.once:
                return 0 if report.complete else 1
            if stop.wait(args.interval):
                return 0
    finally:
        engine.dispose()
