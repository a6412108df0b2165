"""The manifest and stock list pages at city scale (issue 14: every list page p95 ≤ 500 ms server-side),
beside the bare SQL of the same query, in one run.

    python bench/bench_lists.py --manifests 100000 --enterprises 4200 --db sqlite
    python bench/bench_lists.py --manifests 100000 --enterprises 4200 --db postgresql   # scratch db on :5432

What it does: migrates a fresh database, registers `--enterprises` enterprises (producers, carriers and
receivers in 30 districts of one city) and loads `--manifests` manifests straight into the tables, each with
three versions (draft, submitted, departed; a tenth still in transit, the rest confirmed) and five bags. Then
it puts as many bags in storage, spread over the producers, and times, in-process, what the list pages'
routes do after the gate (the search in the database, the rows of
the page, the listing; hub/manifests/pages.py) for a city regulator, for typical queries, and the bare SQL of
each query's page and count beside it.
"""

from __future__ import annotations

import argparse
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
from hub.inventory.stock_search import StockSearch, search_stock  # noqa: E402
from hub.manifests.search import Search, search  # noqa: E402
from hub.registry.pages import COLUMNS, FILTERS, enterprise_rows  # noqa: E402
from hub.registry.pages import row_matches as matches  # noqa: E402
from hub.web.listing import make_listing  # noqa: E402
from protocols.codes import uscc_check_char  # noqa: E402

T0 = 1_735_660_800_000  # 2025-01-01 00:00 Beijing
NOW_MS = 1_795_392_000_000
CHUNK = 20_000


def uscc(n: int, district: int) -> str:
    first17 = f"911306{district:02d}MB{n:07d}"
    return first17 + uscc_check_char(first17)


def load(url: str, enterprises: int, manifests: int) -> None:
    engine = create_engine(url)
    rng = random.Random(17)
    roles = ("producer", "transporter", "receiver")
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO enterprises (id, uscc, name, created_ms) VALUES (:id, :uscc, :name, 0)"),
            [{"id": i, "uscc": uscc(i, 1 + i % 30), "name": f"企业{i}"} for i in range(1, enterprises + 1)],
        )
        conn.execute(
            text(
                "INSERT INTO enterprise_versions (enterprise_id, version, active, recorded_ms,"
                " recorded_by, name, region_code, roles, contacts)"
                " VALUES (:id, 1, true, 0, 'bench', :name, :region, :role, '[]')"
            ),
            [
                {"id": i, "name": f"保定第{i}企业", "region": f"1306{1 + i % 30:02d}", "role": roles[i % 3]}
                for i in range(1, enterprises + 1)
            ],
        )
        by_role = {r: [i for i in range(1, enterprises + 1) if roles[i % 3] == r] for r in roles}
        heads, versions, bags = [], [], []

        def flush() -> None:
            if heads:
                conn.execute(
                    text(
                        "INSERT INTO manifests (id, number, shipper_id, created_ms, created_by, bags,"
                        " shipped_grams, current_version)"
                        " VALUES (:id, :number, :shipper, :t, 'bench', 5, :grams, 3)"
                    ),
                    heads,
                )
                conn.execute(
                    text(
                        "INSERT INTO manifest_versions (manifest_id, version, state, command, carrier_id,"
                        " receiver_id, vehicle_plate, departed_ms, arrived_ms, confirm_due_ms, confirmed_ms,"
                        " recorded_ms, recorded_by) VALUES (:m, :v, :state, :cmd, :carrier, :receiver,"
                        " '冀F12345', :departed, :arrived, :due, :confirmed, :t, 'bench')"
                    ),
                    versions,
                )
                conn.execute(
                    text(
                        "INSERT INTO manifest_bags (manifest_id, version, code, waste_code, shipped_grams)"
                        " VALUES (:m, :v, :code, '900-249-08', :grams)"
                    ),
                    bags,
                )
                heads.clear()
                versions.clear()
                bags.clear()

        for m in range(1, manifests + 1):
            t = T0 + m * 600_000
            moving = m % 10 == 0
            shipper = rng.choice(by_role["producer"])
            loaded = [rng.randrange(1_000, 90_000) for _ in range(5)]
            heads.append(
                {"id": m, "number": f"1306{m:010d}", "shipper": shipper, "t": t, "grams": sum(loaded)}
            )
            base = {"m": m, "carrier": rng.choice(by_role["transporter"]),
                    "receiver": rng.choice(by_role["receiver"])}  # fmt: skip
            for v, state, cmd in ((1, "draft", "create"), (2, "submitted", "submit")):
                empty = dict.fromkeys(("departed", "arrived", "due", "confirmed"))
                versions.append({**base, **empty, "v": v, "state": state, "cmd": cmd, "t": t + v})
            arrived = None if moving and m % 100 else t + 7_200_000
            last = {"departed": t + 3_600_000, "arrived": arrived}
            last |= {
                "due": None if moving else t + 5 * 86_400_000,
                "confirmed": None if moving else t + 9_000_000,
            }
            versions.append({**base, **last, "v": 3, "state": "in_transit" if moving else "received",
                             "cmd": "depart" if moving else "confirm", "t": t + 3})  # fmt: skip
            for v in (1, 2, 3):
                for b in range(5 if v == 3 else 2):
                    bags.append({"m": m, "v": v, "code": f"B{m:07d}{b}", "grams": loaded[b]})
            if len(versions) >= CHUNK:
                flush()
        flush()
        # Bags in storage: one per manifest number, spread over the producers and two facilities each,
        # stored over the last year.
        conn.execute(
            text(
                "INSERT INTO stock (code, enterprise_id, facility_code, waste_code, grams, stored_ms,"
                " in_batch_code) VALUES (:code, :eid, :facility, :waste, :grams, :t, :batch)"
            ),
            [
                {
                    "code": f"S{m:09d}",
                    "eid": rng.choice(by_role["producer"]),
                    "facility": f"F0{m % 2 + 1}",
                    "waste": ("900-249-08", "900-041-49", "772-006-49")[m % 3],
                    "grams": rng.randrange(1_000, 900_000),
                    "t": NOW_MS - rng.randrange(365) * 86_400_000,
                    "batch": f"HWRK{m:010d}",
                }
                for m in range(1, manifests + 1)
            ],
        )
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()


def p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


QUERIES: dict[str, tuple[Search, str, bool, int]] = {
    "first page": (Search(), "number", True, 0),
    "page 500": (Search(), "number", True, 500 * 50),
    "party name": (Search(party="保定第123企业"), "number", True, 0),
    "number part": (Search(number="0000012"), "number", True, 0),
    "in transit": (Search(state="in_transit"), "departed_ms", True, 0),
    "overdue": (Search(overdue=True), "number", True, 0),
    "date range": (Search(since_ms=T0 + 200 * 86_400_000, until_ms=T0 + 230 * 86_400_000), "number", True, 0),
    "by weight": (Search(), "shipped_grams", True, 0),
}

STOCK_QUERIES: dict[str, tuple[StockSearch, str, bool]] = {
    "stock, oldest": (StockSearch(), "age_days", True),
    "stock, one firm": (StockSearch(text="保定第123企业"), "age_days", True),
    "stock, HW49": (StockSearch(category="HW49"), "grams", True),
    "stock, In, 90 d": (StockSearch(hazard="In", min_age_days=90), "stored_ms", False),
}

ENTERPRISE_QUERIES: dict[str, dict[str, str]] = {
    "firms, all": {},
    "firms, a name": {"q": "第12"},
    "firms, district": {"district": "130605", "sort": "stock_grams", "desc": "1"},
}

BARE = {
    "first page": "SELECT m.number FROM manifests m JOIN manifest_versions v ON v.manifest_id = m.id"
    " AND v.version = m.current_version ORDER BY m.number DESC LIMIT 50",
    "count all": "SELECT count(*) FROM manifests m JOIN manifest_versions v ON v.manifest_id = m.id"
    " AND v.version = m.current_version",
    "stock oldest": "SELECT code FROM stock ORDER BY stored_ms LIMIT 50",
    "in transit": "SELECT m.number FROM manifests m JOIN manifest_versions v ON v.manifest_id = m.id"
    " AND v.version = m.current_version WHERE v.state = 'in_transit' ORDER BY v.departed_ms DESC LIMIT 50",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--manifests", type=int, default=100_000)
    parser.add_argument("--enterprises", type=int, default=4200)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with scratch_db(args.db, "lists") as url:
        return run(url, args)


def run(url: str, args: argparse.Namespace) -> int:
    migrate(url)
    started = time.perf_counter()
    load(url, args.enterprises, args.manifests)
    took = time.perf_counter() - started
    print(f"{args.db}: {args.manifests:,} manifests, {args.enterprises:,} enterprises: {took:.0f} s to load")
    engine = make_engine(url)
    print(f"{'query':<14} {'rows':>7} {'p50 ms':>8} {'p95 ms':>8}")
    for name, (wanted, sort, desc, offset) in QUERIES.items():
        times, total = [], 0
        for _ in range(args.runs):
            t0 = time.perf_counter()
            with Session(engine) as session:
                _, total = search(
                    session, None, NOW_MS, wanted, sort=sort, desc=desc, offset=offset, limit=50
                )
            times.append((time.perf_counter() - t0) * 1000)
        print(f"{name:<14} {total:>7} {statistics.median(times):8.1f} {p(times, 0.95):8.1f}")
    for name, (wanted_stock, sort, desc) in STOCK_QUERIES.items():
        times, total = [], 0
        for _ in range(args.runs):
            t0 = time.perf_counter()
            with Session(engine) as session:
                _, total = search_stock(session, None, NOW_MS, wanted_stock, sort=sort, desc=desc, limit=50)
            times.append((time.perf_counter() - t0) * 1000)
        print(f"{name:<14} {total:>7} {statistics.median(times):8.1f} {p(times, 0.95):8.1f}")
    city = Access(Principal("city", Role.REGULATOR, region_code="130600"), Scope.REGION)
    for name, query in ENTERPRISE_QUERIES.items():
        times, total = [], 0
        for _ in range(args.runs):
            t0 = time.perf_counter()
            with Session(engine) as session:
                rows = [r for r in enterprise_rows(session, city, NOW_MS, "zh") if matches(r, query)]
                listing, _ = make_listing(rows, COLUMNS, query, "/enterprises", FILTERS, default_sort="uscc")
                total = listing.total
            times.append((time.perf_counter() - t0) * 1000)
        print(f"{name:<14} {total:>7} {statistics.median(times):8.1f} {p(times, 0.95):8.1f}")
    with engine.connect() as conn:
        for name, sql in BARE.items():
            times = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                conn.execute(text(sql)).all()
                times.append((time.perf_counter() - t0) * 1000)
            print(f"{'bare ' + name:<14} {'':>7} {statistics.median(times):8.1f} {p(times, 0.95):8.1f}")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
