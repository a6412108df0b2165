"""Statistics latency (issue 14: every statistic's API p95 ≤ 300 ms server-side) over a large daily rollup,
the monthly report (月报) included.

    python bench/bench_stats.py --enterprises 1000 --days 100 --db sqlite
    python bench/bench_stats.py --enterprises 4200 --days 150 --db postgresql   # scratch db on 127.0.0.1:5432

What it does: migrates a fresh database, registers `--enterprises` producers across 30 districts of one city
(130600), and loads the rollups directly: for each enterprise `--days` days in each of the last three years,
two waste codes, five kinds (weighed, stored, taken out, received, disposed) — so enterprises × days × 3 × 2
× 5 daily rollup rows (and their monthly and yearly sums); at ~10 events per row that stands for ten times
as many events. Then it times, in-process, what each statistics route does after the gate (scope → figures →
answer model → JSON) for a city regulator (every enterprise) and a district regulator (1/30 of them), and
the bare SQL of the year-to-date sum beside them. Stock, manifests and disposals are left empty: their
figures read other tables, not the rollup.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scratch_db import scratch_db  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from hub.access.principal import Access, Principal, Scope  # noqa: E402
from hub.access.roles import Role  # noqa: E402
from hub.core.db import make_engine, migrate  # noqa: E402
from hub.stats import reports  # noqa: E402
from hub.stats.monthly_report import monthly_report  # noqa: E402
from hub.stats.scope import covered  # noqa: E402
from protocols.codes import uscc_check_char  # noqa: E402

NOW_MS = 1_795_392_000_000 + 3_600_000  # 2026-11-23 09:00 Beijing
KINDS = ("weighed", "stored", "taken_out", "received", "disposed")
CODES = ("900-249-08", "900-041-49")
INDUSTRIES = ("化学原料和化学制品制造业", "金属制品业", "汽车制造业", "医药制造业", "电气机械和器材制造业")
CHUNK = 50_000


def uscc(n: int, district: int) -> str:
    first17 = f"911306{district:02d}MA{n:07d}"
    return first17 + uscc_check_char(first17)


def load(url: str, enterprises: int, days: int) -> int:
    engine = create_engine(url)
    rng = random.Random(14)
    rows = 0
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO enterprises (id, uscc, name, created_ms) VALUES (:id, :uscc, :name, 0)"),
            [{"id": i, "uscc": uscc(i, 1 + i % 30), "name": f"企业{i}"} for i in range(1, enterprises + 1)],
        )
        conn.execute(
            text(
                "INSERT INTO enterprise_versions (enterprise_id, version, active, recorded_ms, recorded_by,"
                " name, region_code, roles, industry, contacts, lon_e6, lat_e6) VALUES (:id, 1, true, 0,"
                " 'bench', :name, :region, 'producer', :industry, '[]', :lon, :lat)"
            ),
            [
                {
                    "id": i,
                    "name": f"企业{i}",
                    "region": f"1306{1 + i % 30:02d}",
                    "industry": INDUSTRIES[i % len(INDUSTRIES)],
                    "lon": 115_000_000 + rng.randrange(1_000_000),
                    "lat": 38_500_000 + rng.randrange(1_000_000),
                }
                for i in range(1, enterprises + 1)
            ],
        )
        batch: list[dict[str, int | str]] = []
        insert = text(
            "INSERT INTO stat_daily (day, enterprise_id, waste_code, kind, grams, count)"
            " VALUES (:day, :eid, :code, :kind, :grams, :count)"
        )
        for eid in range(1, enterprises + 1):
            for year in (2024, 2025, 2026):
                picked = rng.sample(range(0 if year < 2026 else 0, 365 if year < 2026 else 326), days)
                for offset in picked:
                    d = dt.date(year, 1, 1) + dt.timedelta(days=offset)
                    day = d.year * 10_000 + d.month * 100 + d.day
                    for code in CODES:
                        for kind in KINDS:
                            batch.append(
                                {"day": day, "eid": eid, "code": code, "kind": kind,
                                 "grams": rng.randrange(1_000, 500_000), "count": rng.randrange(1, 20)}
                            )  # fmt: skip
                            if len(batch) >= CHUNK:
                                conn.execute(insert, batch)
                                rows += len(batch)
                                batch = []
        if batch:
            conn.execute(insert, batch)
            rows += len(batch)
        conn.execute(
            text(
                "INSERT INTO stat_monthly (kind, month, enterprise_id, waste_code, grams, count)"
                " SELECT kind, day / 100, enterprise_id, waste_code, sum(grams), sum(count) FROM stat_daily"
                " GROUP BY kind, day / 100, enterprise_id, waste_code"
            )
        )
        conn.execute(
            text(
                "INSERT INTO stat_yearly (kind, year, enterprise_id, waste_code, grams, count)"
                " SELECT kind, month / 100, enterprise_id, waste_code, sum(grams), sum(count)"
                " FROM stat_monthly GROUP BY kind, month / 100, enterprise_id, waste_code"
            )
        )
    if engine.dialect.name == "postgresql":
        # As autovacuum would leave it: the visibility map set, so index-only scans stay index-only.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()
    return rows


def p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enterprises", type=int, default=1000)
    parser.add_argument("--days", type=int, default=100, help="days with activity per enterprise and year")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with scratch_db(args.db, "stats") as url:
        return run(url, args)


def run(url: str, args: argparse.Namespace) -> int:
    migrate(url)
    started = time.perf_counter()
    rows = load(url, args.enterprises, args.days)
    print(f"{args.db}: {rows:,} rollup rows for {args.enterprises:,} enterprises "
          f"(≈{rows * 10:,} events) loaded in {time.perf_counter() - started:.0f} s")  # fmt: skip
    engine = make_engine(url)
    who = {
        "city regulator": Access(Principal("city", Role.REGULATOR, region_code="130600"), Scope.REGION),
        "district regulator": Access(
            Principal("district", Role.REGULATOR, region_code="130601"), Scope.REGION
        ),
    }
    builds = {
        "production": reports.production,
        "storage": reports.storage,
        "transfer": reports.transfer,
        "disposal": reports.disposal,
        "live": reports.live,
        "map": reports.points,
        "monthly": lambda session, ids, now, scope: monthly_report(session, ids, scope, "2026-10", now),
    }
    print(f"{'statistic':<12} {'caller':<20} {'p50 ms':>8} {'p95 ms':>8}")
    for caller, access in who.items():
        for name, build in builds.items():
            times = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                with Session(engine) as session:
                    ids, scope = covered(session, access, None)
                    build(session, ids, NOW_MS, scope).model_dump_json()
                times.append((time.perf_counter() - t0) * 1000)
            print(f"{name:<12} {caller:<20} {statistics.median(times):8.1f} {p(times, 0.95):8.1f}")
    bare = text(
        "SELECT sum(grams), sum(count) FROM stat_daily"
        " WHERE kind = 'weighed' AND day BETWEEN 20260101 AND 20261123"
    )
    times = []
    with engine.connect() as conn:
        for _ in range(args.runs):
            t0 = time.perf_counter()
            conn.execute(bare).one()
            times.append((time.perf_counter() - t0) * 1000)
    print(f"{'bare SQL':<12} {'YTD sum, all':<20} {statistics.median(times):8.1f} {p(times, 0.95):8.1f}")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
