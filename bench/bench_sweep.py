"""A full warning sweep at city size (issue 13: every rule over 10 M events and 4,200 enterprises in under
60 s on this machine).

    python bench/bench_sweep.py                                  # 4,200 enterprises, 1 M events (SQLite)
    python bench/bench_sweep.py --events 10000000 --db postgresql

The data is bulk-inserted with SQL (the ingest path would take hours): enterprises with a plan, a facility
and an enrolled box; a year of events spread over them (two per bag: commissioning, storing), with the bags,
their stock and the last two days' events arriving recently, as a live hub would hold them. Then one sweep
(every rule, every enterprise) is timed, and each rule's share printed. Wall-clock on this machine, with
whatever else runs on it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_warnings import T0, Site, db_url, prepare, uscc  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from hub.inventory.tables import Bag, Stock  # noqa: E402
from hub.ledger.tables import EventRow  # noqa: E402
from hub.registry.enterprises import enterprise_ids_by_uscc  # noqa: E402
from hub.warnings import evaluate  # noqa: E402
from hub.warnings.rules import RULES  # noqa: E402
from hub.warnings.settings import WarningSettings  # noqa: E402

DAY_MS = 86_400_000
CHUNK = 50_000
NOW = T0 + 30 * DAY_MS  # 2026-12-23: this year's plans apply, the bags span the year before it


def fill(write, sites: list[Site], events: int) -> None:  # noqa: ANN001 - a sessionmaker
    """`events` events over a year (two per bag), every bag in stock, the last two days' arriving now."""
    bags = events // 2
    span = 365 * DAY_MS
    with write() as session, session.begin():
        ids = enterprise_ids_by_uscc(session, {uscc(s.n) for s in sites})
    rows_e: list[dict] = []
    rows_b: list[dict] = []
    rows_s: list[dict] = []
    seqs = {s.device_id: 0 for s in sites}

    def flush() -> None:
        with write() as session, session.begin():
            if rows_e:
                session.execute(insert(EventRow), rows_e)
            if rows_b:
                session.execute(insert(Bag), rows_b)
            if rows_s:
                session.execute(insert(Stock), rows_s)
        rows_e.clear(), rows_b.clear(), rows_s.clear()

    for n in range(bags):
        site = sites[n % len(sites)]
        eid = ids[uscc(site.n)]
        t = NOW - span + (n * span) // bags
        code = f"{uscc(site.n)}90024908{n:011d}"[-37:]
        for kind in ("commissioning", "storing"):
            seqs[site.device_id] += 1
            seq = seqs[site.device_id]
            rows_e.append(
                {
                    "device_id": site.device_id, "seq": seq, "event_id": f"{site.device_id}-{seq}",
                    "event_hash": "0" * 64, "prev_hash": "0" * 64, "kind": kind, "code": code,
                    "waste_code": "900-249-08", "grams": 12_340, "operator": "张三", "place": "库",
                    "time_ms": t, "boot_id": "b", "mono_ms": seq, "clock_synced": True, "received_ms": t,
                    "batch_id": f"{site.device_id}:{seq // 100}", "body": "{}",
                }
            )  # fmt: skip
        bag = {"code": code, "enterprise_id": eid, "waste_code": "900-249-08", "grams": 12_340}
        rows_b.append({**bag, "device_id": site.device_id, "commissioned_ms": t, "batch_code": f"HWCS{n}",
                       "event_id": f"e{n}"})  # fmt: skip
        rows_s.append({**bag, "facility_code": "F01", "stored_ms": t, "in_batch_code": f"HWRK{n}"})
        if len(rows_e) >= CHUNK:
            flush()
    flush()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--enterprises", type=int, default=4200)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sites = [Site(n) for n in range(1, args.enterprises + 1)]
        started = time.perf_counter()
        engine, _read, write = prepare(db_url(args.db, Path(tmp), "sweep"), sites)
        fill(write, sites, args.events)
        built = time.perf_counter() - started
        print(f"built {args.events} events, {args.enterprises} enterprises in {built:.0f} s")
        now = NOW
        settings = WarningSettings()
        timings: dict[str, float] = {}
        total = time.perf_counter()
        for rule in RULES:
            began = time.perf_counter()
            outcome = evaluate.sweep(write, settings, now, rules=[rule])
            timings[rule.code] = time.perf_counter() - began
            if outcome.failed:
                print(f"  {rule.code} failed: {outcome.failed}")
        took = time.perf_counter() - total
        print(
            f"full sweep over {args.events} events, {args.enterprises} enterprises ({args.db}): {took:.1f} s"
        )
        for code, seconds in sorted(timings.items(), key=lambda kv: -kv[1]):
            print(f"  {code:26} {seconds:7.2f} s")
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
