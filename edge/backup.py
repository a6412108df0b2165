"""`wastetrace edge backup --config FILE --out DIR`: a consistent copy of the box's ledger (SQLite's online
backup API, while the agent runs), its configuration and its device key, checked after copying.

The ledger is the box's record until the hub has acknowledged every event; a copy kept off the box (a USB
stick, the enterprise's file server) covers the weeks a box may be offline. The device key is in the copy
because a restored box must sign with the key the hub enrolled: keep the copy where the key is safe.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from edge.config import ConfigError, load_config
from edge.ledger import Ledger, LedgerCorrupt


def add_parser(sub: Any) -> None:
    cmd = sub.add_parser("backup", help="copy the ledger, configuration and device key into a new folder")
    cmd.add_argument("--config", required=True, help="path to the edge's TOML file")
    cmd.add_argument("--out", type=Path, required=True, help="folder that collects the backups")


def back_up(config_path: Path, out: Path, now_ms: int) -> tuple[Path, int]:
    """Write the copy into a new folder under `out`; return it and the number of events verified in it."""
    config = load_config(config_path)
    stamp = dt.datetime.fromtimestamp(now_ms / 1000, tz=dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = out / f"edge-{config.device_id}-{stamp}"
    folder.mkdir(parents=True, mode=0o700)
    source = sqlite3.connect(f"file:{config.data_dir / 'ledger.db'}?mode=ro", uri=True)
    target = sqlite3.connect(folder / "ledger.db")
    try:
        with target:
            source.backup(target, pages=1024)
    finally:
        source.close()
        target.close()
    shutil.copyfile(config_path, folder / config_path.name)
    if config.key_file.exists():
        shutil.copyfile(config.key_file, folder / config.key_file.name)
        os.chmod(folder / config.key_file.name, 0o600)
    copy = Ledger(folder / "ledger.db", config.device_id)
    try:
        checked, problem = copy.verify_chain()
    finally:
        copy.close()
    if problem:
        raise LedgerCorrupt(f"the copy in {folder} fails its check after {checked} events: {problem}")
    return folder, checked


def run(args: argparse.Namespace) -> int:
    try:
        folder, checked = back_up(Path(args.config), args.out, time.time_ns() // 1_000_000)
    except (ConfigError, LedgerCorrupt, OSError, sqlite3.Error) as exc:
        print(f"wastetrace edge backup: {exc}", file=sys.stderr)
        return 1
    print(f"台账已备份 / ledger backed up: {checked} events verified in {folder}")
    return 0
