"""How a read session ends on PostgreSQL, side by side: ROLLBACK against COMMIT (`read_sessions`) and no
transaction at all (`lookup_sessions`), each running a bag's trace as the route reads it.

    python bench/bench_trace.py --events 1000000 --db postgresql --keep      # loads, prints the kept URL
    python bench/bench_pg_sessions.py --db postgresql+psycopg://postgres@127.0.0.1:5432/wt_bench_trace_NNN

psycopg forgets every statement it prepared on a connection at a ROLLBACK (and sends DEALLOCATE ALL); a
statement is prepared once it has run five times on a connection. A read ending in ROLLBACK therefore has
every statement parsed and planned again: on the partitioned `events` that costs more than the query. The
three ways take turns in blocks of `--block` traces, on one pooled connection each (as a busy worker's
pool hands the same connections round), and the script prints p50 / p99 per way and the ratios to ROLLBACK,
and how many statements stayed prepared on each way's connection.
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

from sqlalchemy import Engine, text  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from hub.core.db import lookup_sessions, make_engine, read_sessions  # noqa: E402
from hub.trace.life import read_trace  # noqa: E402
from hub.trace.schemas import FullTrace  # noqa: E402

T0 = 1_767_225_600_000


def trace_ms(sessions: sessionmaker[Session], code: str) -> float:
    started = time.perf_counter_ns()
    with sessions() as session:
        trace = read_trace(session, code, T0, lambda parties: None)
        FullTrace.model_validate(trace).model_dump_json()
    return (time.perf_counter_ns() - started) / 1e6


def prepared_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar_one())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a PostgreSQL URL that `bench_trace.py --keep` loaded")
    parser.add_argument("--traces", type=int, default=3000, help="traces per way")
    parser.add_argument(
        "--block", type=int, default=100, help="traces of one way before the next takes a turn"
    )
    args = parser.parse_args(argv)

    engines = {
        way: make_engine(args.db, pool_size=1, max_overflow=0) for way in ("rollback", "commit", "none")
    }
    ways = {
        "ROLLBACK (a plain session)": (engines["rollback"], sessionmaker(engines["rollback"])),
        "COMMIT, READ ONLY (read_sessions)": (engines["commit"], read_sessions(engines["commit"])),
        "no transaction (lookup_sessions)": (engines["none"], lookup_sessions(engines["none"])),
    }
    with engines["none"].connect() as conn:
        codes = list(
            conn.execute(text("SELECT code FROM bags ORDER BY random() LIMIT :n"), {"n": 20_000}).scalars()
        )
    times: dict[str, list[float]] = {way: [] for way in ways}
    for _, sessions in ways.values():  # warm each connection and its caches alike
        for code in random.sample(codes, 200):
            trace_ms(sessions, code)
    while min(len(t) for t in times.values()) < args.traces:
        for way, (_, sessions) in ways.items():
            times[way] += [trace_ms(sessions, code) for code in random.sample(codes, args.block)]

    base = statistics.median(times["ROLLBACK (a plain session)"])
    print(f"A bag's trace server-side, {args.traces:,} per way, in turns of {args.block}:\n")
    print("| read session ends with | p50 ms | p99 ms | p50 / ROLLBACK | statements prepared after |")
    print("|---|---:|---:|---:|---:|")
    for way, spent in times.items():
        q = statistics.quantiles(spent, n=100, method="inclusive")
        engine, _ = ways[way]
        prepared = prepared_count(engine)
        print(f"| {way} | {q[49]:.2f} | {q[98]:.2f} | {q[49] / base:.2f} | {prepared} |")
    for engine in engines.values():
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
