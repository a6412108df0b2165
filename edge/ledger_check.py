"""`wastetrace edge check --config FILE`: the ledger's integrity, in full, with what to do if it fails.

The agent checks SQLite's structure and the newest events' chain at every start (edge/ledger.py); this
command checks every event (bytes, hash, link), compares the upload cursor with the head, and says how many
events the hub has not acknowledged. Run it with the agent stopped or running (it only reads).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from edge.config import ConfigError, load_config
from edge.ledger import HUB, Ledger, LedgerCorrupt


def add_parser(sub: Any) -> None:
    check = sub.add_parser("check", help="verify the ledger's every event and chain (read only)")
    check.add_argument("--config", required=True, help="path to the edge's TOML file")


def run(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
        ledger = Ledger(config.data_dir / "ledger.db", config.device_id)
    except (ConfigError, LedgerCorrupt) as exc:
        print(f"wastetrace edge check: {exc}", file=sys.stderr)
        return 1
    try:
        checked, problem = ledger.verify_chain()
        backlog = ledger.backlog_detail(HUB)
    finally:
        ledger.close()
    if problem:
        print(
            f"台账校验失败 / the ledger FAILED its check after {checked} good events: {problem}\n"
            "Stop the agent, keep a copy of ledger.db and ledger.db-wal, and follow docs/edge-recovery.md.",
            file=sys.stderr,
        )
        return 1
    print(
        f"台账完好 / the ledger is sound: {checked} events, every hash and link verified; "
        f"the hub has acknowledged up to seq {backlog.acked_seq}, {backlog.count} events wait to be sent."
    )
    return 0
