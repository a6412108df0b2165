"""A full 回流 of a generated city from the simulated provincial platform (issue #15: goal < 5 minutes for
4,200 enterprises with licences and a year of declarations, on this machine).

    python bench/bench_exchange.py                                  # 4,200 enterprises, 12 months, SQLite
    python bench/bench_exchange.py --db postgresql                  # a scratch database on 127.0.0.1:5432
    python bench/bench_exchange.py --size 4200 --report docs/bench-exchange.md

What it does: generates the city (simulators/province_data.py), serves it from the simulated platform over
real HTTP on 127.0.0.1 (simulators/province.py, in a thread of this process), migrates a fresh hub database
and runs the pull the way `wastetrace hub exchange pull --once` does (hebei profile: pages of 500, rate limit
and retries as configured), every record stored, mapped onto the register and 申报, one transaction per page.
Then it pulls again (the overlap window only: nothing stored twice) and times that too.

Numbers are wall-clock on this machine with whatever else runs on it; compare them side by side, not
across machines.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from hub.core.db import make_engine, migrate, write_sessions  # noqa: E402
from hub.core.deps import wall_clock_ms  # noqa: E402
from hub.exchange.client import ProvinceClient  # noqa: E402
from hub.exchange.pull import pull_all  # noqa: E402
from simulators.lifecycle import RunningApp  # noqa: E402
from simulators.province import DEFAULT_CERT, ProvincePlatform, load_profile  # noqa: E402
from simulators.province_data import generate_city  # noqa: E402

PG_SERVER = os.environ.get("WT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")


def _database(kind: str, tmp: Path) -> tuple[str, str | None]:
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'hub.db'}", None
    name = f"wt_bench_exchange_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{PG_SERVER}/{name}", name


def _drop(name: str | None) -> None:
    if name is None:
        return
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=4200)
    p.add_argument("--months", type=int, default=12)
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--report", type=Path, help="append the result to this markdown file")
    args = p.parse_args()
    profile = load_profile("hebei")
    t0 = time.perf_counter()
    city = generate_city(profile, size=args.size, months=args.months)
    generated_s = time.perf_counter() - t0
    counts = city.count()
    running = RunningApp(ProvincePlatform(profile, city))
    with tempfile.TemporaryDirectory() as tmp:
        url, pg_name = _database(args.db, Path(tmp))
        try:
            migrate(url)
            engine = make_engine(url)
            write = write_sessions(engine)
            client = ProvinceClient(running.url, DEFAULT_CERT, profile)
            t1, cpu1 = time.perf_counter(), time.process_time()
            reports = []
            per_dataset = {}
            for name in profile.datasets:
                t = time.perf_counter()
                reports += pull_all(write, client, profile, now=wall_clock_ms, datasets=[name])
                per_dataset[name] = time.perf_counter() - t
            full_s, full_cpu = time.perf_counter() - t1, time.process_time() - cpu1
            t2 = time.perf_counter()
            again = pull_all(write, client, profile, now=wall_clock_ms)
            again_s = time.perf_counter() - t2
            with engine.connect() as conn:
                stored = conn.execute(text("SELECT count(*) FROM exchange_records")).scalar()
                ents = conn.execute(text("SELECT count(*) FROM enterprises")).scalar()
            engine.dispose()
        finally:
            running.close()
            _drop(pg_name)
    ok = all(r.complete for r in reports) and all(r.complete and r.stored == 0 for r in again)
    rejected = sum(r.rejected for r in reports)
    total = sum(counts.values())
    lines = [
        f"### {dt.date.today().isoformat()} · {args.db} · {args.size} enterprises, {args.months} months",
        "",
        "| what | value |",
        "|---|---|",
        f"| records at the province | {total:,} ({', '.join(f'{k} {v:,}' for k, v in counts.items())}) |",
        f"| city generated in | {generated_s:.1f} s |",
        f"| **full pull** (HTTP, store, register and 申报, one transaction per page) | **{full_s:.1f} s** "
        f"({total / full_s:,.0f} records/s), {sum(r.pages for r in reports)} pages |",
        f"| CPU time of this process during the pull (hub and simulated platform) | {full_cpu:.1f} s |",
        f"| per dataset | {', '.join(f'{k} {v:.0f} s' for k, v in per_dataset.items())} |",
        f"| load average (1 min) when done | {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores |",
        f"| second pull (overlap window only; stored {sum(r.stored for r in again)}) | {again_s:.1f} s |",
        f"| records stored / enterprises in the register / rejected | {stored:,} / {ents:,} / {rejected} |",
        f"| every dataset complete, nothing stored twice | {'yes' if ok else 'NO'} |",
        "",
        f"Command: `python bench/bench_exchange.py --size {args.size} --months {args.months} --db {args.db}`",
        "",
    ]
    print("\n".join(lines))
    if args.report:
        with args.report.open("a", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    return 0 if ok and stored == total else 1


if __name__ == "__main__":
    sys.exit(main())
