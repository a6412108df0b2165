"""`wastetrace edge …`: run the site agent."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys

from edge.config import ConfigError, load_config
from edge.ledger import LedgerError


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="wastetrace edge", description="the site agent")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the edge agent from a TOML configuration")
    run.add_argument("--config", required=True, help="path to the edge's TOML file")
    run.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)

    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command == "run":
        from edge.app import run_edge

        try:
            config = load_config(args.config)
            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(run_edge(config))
        except (ConfigError, LedgerError) as exc:
            print(f"wastetrace edge: {exc}", file=sys.stderr)
            return 2
    return 0
