"""`wastetrace hub warnings sweep [--once]`: run every warning rule over every enterprise, once or every
`--every` seconds. Any number of these (and hubs with WT_HUB_WARN_SWEEP_SECONDS) may run at once: the
database keeps each warning single."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import os
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from hub.core.db import make_engine, migrate, read_sessions, write_sessions
from hub.core.deps import wall_clock_ms
from hub.core.keys import load_or_create_hub_key
from hub.settings import DEFAULT_DB, DEFAULT_KEY_FILE, DEFAULT_NAME, DEFAULT_PUBLIC_URL
from hub.warnings import digest, webhooks
from hub.warnings.evaluate import evaluate_triggers, sweep
from hub.warnings.settings import WarningSettings
from protocols.china_time import china_date

DEFAULT_EVERY = 300


def add_parser(sub: Any) -> None:
    warnings = sub.add_parser(
        "warnings", help="the warning centre: run the rules (sweep), post webhooks (deliver)"
    )
    actions = warnings.add_subparsers(dest="warnings_command", required=True)
    run = actions.add_parser("sweep", help="evaluate every rule over every enterprise")
    run.add_argument("--db", help="SQLAlchemy URL (default: $WT_HUB_DB or sqlite:///hub.db)")
    run.add_argument("--once", action="store_true", help="one sweep, print what it found, and exit")
    run.add_argument(
        "--every",
        type=int,
        help=f"seconds between sweeps (default: $WT_HUB_WARN_SWEEP_SECONDS or {DEFAULT_EVERY})",
    )
    run.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    deliver = actions.add_parser("deliver", help="post the warnings' webhook deliveries that are due")
    deliver.add_argument("--db", help="SQLAlchemy URL (default: $WT_HUB_DB or sqlite:///hub.db)")
    deliver.add_argument(
        "--key-file",
        help="the hub's key, which opens the webhooks' secrets (default: $WT_HUB_KEY_FILE or hub-key.pem)",
    )
    deliver.add_argument(
        "--once", action="store_true", help="one round, print how many were delivered, and exit"
    )
    deliver.add_argument("--every", type=int, default=5, help="seconds between rounds (default 5)")
    daily = actions.add_parser("digest", help="build the daily digest messages for the mail relay")
    daily.add_argument("--db", help="SQLAlchemy URL (default: $WT_HUB_DB or sqlite:///hub.db)")
    daily.add_argument("--day", help="the China day YYYY-MM-DD (default: today)")


def main(args: argparse.Namespace) -> int:
    if args.warnings_command == "deliver":
        return deliver(args)
    if args.warnings_command == "digest":
        return build_digest(args)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = WarningSettings.from_env()
    except ValueError as exc:
        print(f"hub warnings: {exc}", flush=True)
        return 2
    url = args.db or os.environ.get("WT_HUB_DB") or DEFAULT_DB
    migrate(url)
    engine = make_engine(url)
    write = write_sessions(engine)
    every = args.every or settings.sweep_seconds or DEFAULT_EVERY
    try:
        while True:
            evaluate_triggers(write, wall_clock_ms(), settings)  # queued mode's triggers, if any
            outcome = sweep(write, settings, wall_clock_ms())
            print(json.dumps(asdict(outcome), ensure_ascii=False, sort_keys=True), flush=True)
            if args.once:
                return 1 if outcome.failed else 0
            time.sleep(every)
    except KeyboardInterrupt:
        return 0
    finally:
        engine.dispose()


def deliver(args: argparse.Namespace) -> int:
    """`wastetrace hub warnings deliver`: the webhook deliverer on its own (any number may run at once)."""
    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    key_file = Path(args.key_file or os.environ.get("WT_HUB_KEY_FILE") or DEFAULT_KEY_FILE)
    if not key_file.exists():
        print(f"hub warnings deliver: no hub key at {key_file} (the one the hub serves with)", flush=True)
        return 2
    url = args.db or os.environ.get("WT_HUB_DB") or DEFAULT_DB
    migrate(url)
    engine = make_engine(url)
    read, write = read_sessions(engine), write_sessions(engine)
    key = load_or_create_hub_key(key_file)
    send = webhooks.aiohttp_sender()
    try:
        while True:
            done = asyncio.run(webhooks.deliver_due(read, write, key, wall_clock_ms, send))
            print(json.dumps({"delivered": done}), flush=True)
            if args.once:
                return 0
            time.sleep(args.every)
    except KeyboardInterrupt:
        return 0
    finally:
        engine.dispose()


def build_digest(args: argparse.Namespace) -> int:
    """`wastetrace hub warnings digest`: one message per subscriber for the day (from cron at the day's end;
    running it twice adds nothing)."""
    try:
        day = dt.date.fromisoformat(args.day) if args.day else china_date(wall_clock_ms())
    except ValueError:
        print(f"hub warnings digest: --day must be YYYY-MM-DD, got {args.day!r}", flush=True)
        return 2
    url = args.db or os.environ.get("WT_HUB_DB") or DEFAULT_DB
    migrate(url)
    engine = make_engine(url)
    try:
        with write_sessions(engine)() as session, session.begin():
            made = digest.build_day(
                session,
                day,
                hub_name=os.environ.get("WT_HUB_NAME") or DEFAULT_NAME,
                public_url=(os.environ.get("WT_HUB_PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/"),
                now_ms=wall_clock_ms(),
            )
    finally:
        engine.dispose()
    print(json.dumps({"day": day.isoformat(), "messages": made}), flush=True)
    return 0
