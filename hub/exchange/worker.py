"""`wastetrace hub exchange pull|push`: the exchange with the provincial platform from the command line, once
(`--once`, e.g. from cron or a systemd timer) or unattended (every `--interval` seconds until stopped)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from dataclasses import asdict
from typing import Any

from hub.core.db import make_engine, migrate, write_sessions
from hub.core.deps import wall_clock_ms
from hub.exchange.client import ProvinceClient
from hub.exchange.profiles import load_profile
from hub.exchange.pull import pull_all
from hub.exchange.push import push_all
from hub.settings import DEFAULT_DB
from protocols.province import ProfileError


def add_parser(sub: Any) -> None:
    ex = sub.add_parser("exchange", help="pull from (回流) and push to the provincial platform")
    ex.add_argument("direction", choices=["pull", "push"])
    ex.add_argument("--province", required=True, help="the platform's base URL, e.g. https://gf.hebei.gov.cn")
    ex.add_argument("--cert", default=os.environ.get("WT_HUB_PROVINCE_CERT"), help="the certCode (资源凭证)")
    ex.add_argument("--profile", default="hebei", help="firmware-config/province/NAME.toml, or a path")
    ex.add_argument("--db", help="SQLAlchemy URL (default: $WT_HUB_DB or sqlite:///hub.db)")
    ex.add_argument(
        "--datasets",
        help="comma-separated datasets to pull or push (default: all the profile names for that direction)",
    )
    ex.add_argument("--once", action="store_true", help="one run, then exit (0 when every dataset completed)")
    ex.add_argument("--interval", type=float, default=900.0, help="seconds between unattended runs")
    ex.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])


def main(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if not args.cert:
        print("hub exchange: --cert (or $WT_HUB_PROVINCE_CERT) is required", file=sys.stderr)
        return 2
    try:
        profile = load_profile(args.profile)
    except ProfileError as exc:
        print(f"hub exchange: {exc}", file=sys.stderr)
        return 2
    datasets = [d.strip() for d in args.datasets.split(",")] if args.datasets else None
    known = profile.datasets if args.direction == "pull" else profile.push
    unknown = [d for d in datasets or [] if d not in known]
    if unknown:
        print(
            f"hub exchange: unknown {args.direction} datasets {unknown} (known: {', '.join(known)})",
            file=sys.stderr,
        )
        return 2
    url = args.db or os.environ.get("WT_HUB_DB") or DEFAULT_DB
    migrate(url)
    engine = make_engine(url)
    write = write_sessions(engine)
    client = ProvinceClient(args.province, args.cert, profile)
    stop = threading.Event()
    if not args.once:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    try:
        while True:
            if args.direction == "pull":
                reports = [
                    asdict(r) for r in pull_all(write, client, profile, now=wall_clock_ms, datasets=datasets)
                ]
            else:
                reports = [
                    asdict(r) for r in push_all(write, client, profile, now=wall_clock_ms, datasets=datasets)
                ]
            ok = all(r["complete"] for r in reports)
            for r in reports:
                words = "完成 (complete)" if r["complete"] else f"未完成 (incomplete): {r['error']}"
                counts = {k: v for k, v in r.items() if isinstance(v, int) and not isinstance(v, bool)}
                print(f"{args.direction} {r['dataset']}: {words} {counts}", flush=True)
            if args.once:
                return 0 if ok else 1
            if stop.wait(args.interval):
                return 0
    finally:
        engine.dispose()
