"""`wastetrace edge …`: run the site agent."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys

from edge import backup, commission, ledger_check
from edge.cameras import cli as snapshot_cli
from edge.config import ConfigError, load_config
from edge.ledger import LedgerError
from edge.printers import cli as print_test
from edge.scales import cli as scale_read
from edge.scales import detect as scale_detect


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="wastetrace edge", description="the site agent")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the edge agent from a TOML configuration")
    run.add_argument("--config", required=True, help="path to the edge's TOML file")
    run.add_argument("--log-level", default="INFO")
    snapshot_cli.add_parser(sub)
    print_test.add_parser(sub)
    scale_read.add_parser(sub)
    scale_detect.add_parser(sub)
    ledger_check.add_parser(sub)
    backup.add_parser(sub)
    commission.add_parser(sub)
    args = parser.parse_args(argv)

    if args.command == "snapshot":
        logging.basicConfig(level="WARNING", format="%(levelname)s %(name)s: %(message)s")
        return snapshot_cli.run(args)
    if args.command == "scale-read":
        logging.basicConfig(level="WARNING", format="%(levelname)s %(name)s: %(message)s")
        return scale_read.run(args)
    if args.command == "scale-detect":
        logging.basicConfig(level="WARNING", format="%(levelname)s %(name)s: %(message)s")
        return scale_detect.run(args)
    if args.command == "check":
        return ledger_check.run(args)
    if args.command == "backup":
        return backup.run(args)
    if args.command == "commission":
        logging.basicConfig(level="WARNING", format="%(levelname)s %(name)s: %(message)s")
        return commission.run(args)
    if args.command == "print-test":
        logging.basicConfig(level="WARNING", format="%(levelname)s %(name)s: %(message)s")
        return print_test.run(args)
    # force: python-escpos calls logging.basicConfig() when imported, which would leave ours a no-op
    # and the agent's INFO lines (a scale's port opening, the uplink's progress) unwritten.
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    if args.command == "run":
        from edge.app import run_edge

        restart = False
        try:
            config = load_config(args.config)
            with contextlib.suppress(KeyboardInterrupt):
                restart = asyncio.run(run_edge(config))
        except (ConfigError, LedgerError) as exc:
            print(f"wastetrace edge: {exc}", file=sys.stderr)
            return 2
        if restart:
            return _restart()
    return 0


def _restart() -> int:
    """Start again to take a new remote configuration: systemd does it (exit 75), or we replace ourselves."""
    if os.environ.get("INVOCATION_ID"):  # run by systemd, which restarts the unit
        return 75
    os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])
    return 75  # not reached
