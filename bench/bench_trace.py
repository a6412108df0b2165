"""Trace latency for one bag with many events stored (issue #6: goal p99 ≤ 20 ms server-side at 10 M events).

    python bench/bench_trace.py --events 1000000 --db sqlite
    python bench/bench_trace.py --events 1000000 --db postgresql      # a scratch database on 127.0.0.1:5432
    python bench/bench_trace.py --events 10000000 --db sqlite --report docs/bench-hub.md
    python bench/bench_trace.py --db URL --measure-only --baseline-tree DIR   # a kept database, two trees

What it does: migrates a fresh database, loads `--events` ledger events directly into the tables (8 events per
bag across producer, carrier and disposer devices, with their batches, bags and HJ 1259 storage records), with
the secondary indexes dropped during the load and rebuilt after (as a bulk import would), then ANALYZE. It
times two things for randomly chosen bags:

- server-side: what `GET /api/v1/packages/{code}/trace` does after the gate — who may see the bag, its
  events, the evidence, the whole life, the answer model serialised to JSON — in-process, per call;
- through the app: the whole HTTP request (gate with a session lookup, FastAPI, JSON) over an in-process
  ASGI client, so no network, for a smaller sample;
- over HTTP: a real `wastetrace hub serve` on the same database, one kept-alive connection, as a phone or a
  page gets it (issue #17's goal: p99 ≤ 5 ms on SQLite, ≤ 10 ms on PostgreSQL at 10 M events).

Numbers are wall-clock on this machine with whatever else runs on it; compare them side by side, not
across machines: `--baseline-tree` serves another tree's code on the same database beside this one's and
traces the two in turns.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from hub.core.db import lookup_sessions, make_engine, migrate  # noqa: E402
from hub.ledger.partitions import add_month, existing_months, months_from, partition_name  # noqa: E402
from hub.trace.life import read_trace  # noqa: E402
from hub.trace.schemas import FullTrace  # noqa: E402
from protocols.codes import uscc_check_char  # noqa: E402

EVENTS_PER_BAG = 8
KINDS = (
    "commissioning", "encoding", "storing", "staging_outbound",
    "departing", "receiving", "destroying", "inspecting",
)  # fmt: skip
PRODUCERS, CARRIERS, DISPOSERS = 1000, 50, 50
T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z
CHUNK = 50_000
PG_SERVER = os.environ.get("WT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
SECONDARY = {  # index name → (table, columns): dropped for the load, rebuilt after
    "ix_events_code_time": ("events", "code, time_ms"),
    "ix_storage_records_code": ("storage_records", "code"),
    "ix_storage_records_enterprise_time": ("storage_records", "enterprise_id, time_ms"),
    "ix_bags_enterprise_time": ("bags", "enterprise_id, commissioned_ms"),
}


def uscc(n: int) -> str:
    first17 = f"91130600MA{n:07d}"  # region 130600 (保定市): one city regulator sees every bag
    return first17 + uscc_check_char(first17)


def body_json(e: dict[str, Any]) -> str:
    # The shape of an event's RFC 8785 JSON (keys sorted), built by hand: json.dumps of 10 M dicts is slow.
    grams = "null" if e["grams"] is None else str(e["grams"])
    return (
        f'{{"attachments":[],"boot_id":"b","clock_synced":true,"code":"{e["code"]}","corrects":null,"data":{{}},'
        f'"device_id":"{e["device_id"]}","event_id":"{e["event_id"]}","grams":{grams},"kind":"{e["kind"]}",'
        f'"mono_ms":{e["seq"]},"operator":"张三","place":"危废仓库","prev_hash":"{e["prev_hash"]}",'
        f'"seq":{e["seq"]},"time_ms":{e["time_ms"]},"v":1,"waste_code":"900-249-08"}}'
    )


class Loader:
    def __init__(self, url: str, events: int) -> None:
        self.url = url
        self.bags = max(1, events // EVENTS_PER_BAG)
        self.seq: dict[str, int] = {}
        self.device_enterprise: dict[str, int] = {}
        self.codes: list[str] = []

    def devices(self) -> list[tuple[str, int]]:
        out = [(f"p{i:04d}", i + 1) for i in range(PRODUCERS)]
        out += [(f"t{i:03d}", PRODUCERS + i + 1) for i in range(CARRIERS)]
        out += [(f"d{i:03d}", PRODUCERS + CARRIERS + i + 1) for i in range(DISPOSERS)]
        return out

    def code(self, b: int) -> str:
        """The 数字识别码 of bag number b (deterministic, so a kept database can be measured again)."""
        producer, nth = b % PRODUCERS, b // PRODUCERS
        day = dt.date(2026, 1, 1) + dt.timedelta(days=nth // 999)
        return f"{uscc(producer + 1)}90024908{day:%Y%m%d}{nth % 999 + 1:03d}"

    def rows(self) -> Iterator[tuple[list[tuple], list[tuple], list[tuple]]]:
        """Chunks of (event rows, bag rows, storage rows)."""
        events, bags, storage = [], [], []
        for b in range(self.bags):
            producer = b % PRODUCERS
            code = self.code(b)
            self.codes.append(code)
            t = T0 + b * 10_000
            owners = [f"p{producer:04d}"] * 4 + [f"t{b % CARRIERS:03d}"] + [f"d{b % DISPOSERS:03d}"] * 3
            seqs = []
            for k, (kind, device) in enumerate(zip(KINDS, owners, strict=True)):
                seq = self.seq.get(device, 0) + 1
                self.seq[device] = seq
                seqs.append(seq)
                e = {
                    "device_id": device,
                    "seq": seq,
                    "event_id": f"{device}-{seq}",
                    "prev_hash": "0" * 64,
                    "kind": kind,
                    "code": code,
                    "grams": 12_340 if kind in ("commissioning", "receiving") else None,
                    "time_ms": t + k * 3_600_000,
                }
                body = body_json(e)
                digest = hashlib.sha256(body.encode()).hexdigest()
                events.append((
                    device, seq, e["event_id"], digest, e["prev_hash"], kind, code, "900-249-08", e["grams"],
                    "张三", "危废仓库", e["time_ms"], "b", seq, True, e["time_ms"] + 500,
                    f"{device}:{(seq - 1) // 500}", body,
                ))  # fmt: skip
            bags.append(
                (code, producer + 1, f"p{producer:04d}", "900-249-08", 12_340, t, "HWCS20260101001", "x")
            )
            for direction, k in (("in", 2), ("out", 3)):
                storage.append((
                    producer + 1, direction, f"HW{'RK' if direction == 'in' else 'CK'}20260101001", code,
                    "900-249-08", 12_340, t + k * 3_600_000, "F01", "张三", None, None, None, None,
                    f"p{producer:04d}", seqs[k], "x",
                ))  # fmt: skip
            if len(events) >= CHUNK:
                yield events, bags, storage
                events, bags, storage = [], [], []
        if events:
            yield events, bags, storage


EVENT_COLUMNS = (
    "device_id, seq, event_id, event_hash, prev_hash, kind, code, waste_code, grams, operator, place, "
    "time_ms, boot_id, mono_ms, clock_synced, received_ms, batch_id, body"
)
BAG_COLUMNS = "code, enterprise_id, device_id, waste_code, grams, commissioned_ms, batch_code, event_id"
STORAGE_COLUMNS = (
    "enterprise_id, direction, batch_code, code, waste_code, grams, time_ms, facility_code, operator, "
    "handler, container_type, destination, in_batch_code, device_id, seq, event_id"
)


def load(url: str, events: int) -> Loader:
    loader = Loader(url, events)
    engine = make_engine(url)
    pg = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        for name in SECONDARY:
            conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
        if pg:  # a partition for each month the events fall in, as the hub makes them ahead
            last_ms = T0 + loader.bags * 10_000 + len(KINDS) * 3_600_000
            have = existing_months(conn)
            for year, month in months_from(T0, months_between(T0, last_ms)):
                if partition_name(year, month) not in have:
                    add_month(conn, year, month)
        for i, (device, enterprise) in enumerate(loader.devices()):
            if i < PRODUCERS + CARRIERS + DISPOSERS:
                conn.execute(
                    text("INSERT INTO enterprises (id, uscc, name, created_ms) VALUES (:i, :u, :n, 0)"),
                    {"i": enterprise, "u": uscc(enterprise), "n": f"企业{enterprise}"},
                )
            conn.execute(
                text(
                    "INSERT INTO devices (device_id, enterprise_id, public_key, enrolled_ms, last_seq, "
                    "last_hash) VALUES (:d, :e, 'k', 0, 0, :h)"
                ),
                {"d": device, "e": enterprise, "h": "0" * 64},
            )
    started = time.monotonic()
    loaded = 0
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for events_rows, bag_rows, storage_rows in loader.rows():
            keys = [(row[2], row[6]) for row in events_rows]  # event_ids: (event_id, code)
            if pg:
                _copy(cur, "events", EVENT_COLUMNS, events_rows)
                _copy(cur, "event_ids", "event_id, code", keys)
                _copy(cur, "bags", BAG_COLUMNS, bag_rows)
                _copy(cur, "storage_records", STORAGE_COLUMNS, storage_rows)
            else:
                cur.execute("BEGIN")
                cur.executemany(
                    f"INSERT INTO events ({EVENT_COLUMNS}) VALUES ({','.join('?' * 18)})", events_rows
                )
                cur.executemany("INSERT INTO event_ids (event_id, code) VALUES (?, ?)", keys)
                cur.executemany(f"INSERT INTO bags ({BAG_COLUMNS}) VALUES ({','.join('?' * 8)})", bag_rows)
                cur.executemany(
                    f"INSERT INTO storage_records ({STORAGE_COLUMNS}) VALUES ({','.join('?' * 16)})",
                    storage_rows,
                )
                cur.execute("COMMIT")
            if pg:
                raw.commit()
            loaded += len(events_rows)
            if loaded % 1_000_000 < CHUNK:
                rate = loaded / max(time.monotonic() - started, 1e-9)
                print(f"  loaded {loaded:,} events ({rate:,.0f}/s)", flush=True)
        _batches(cur, loader, pg)
        if pg:
            raw.commit()
    finally:
        raw.close()
    load_s = time.monotonic() - started
    started = time.monotonic()
    with engine.begin() as conn:
        for name, (table, columns) in SECONDARY.items():
            conn.exec_driver_sql(f"CREATE INDEX {name} ON {table} ({columns})")
        conn.exec_driver_sql("ANALYZE")
    loader.timings = {"load_s": load_s, "index_s": time.monotonic() - started}  # type: ignore[attr-defined]
    engine.dispose()
    return loader


def months_between(first_ms: int, last_ms: int) -> int:
    """How many China months after the month of `first_ms` the month of `last_ms` is."""
    (y0, m0), (y1, m1) = months_from(first_ms, 0)[0], months_from(last_ms, 0)[0]
    return (y1 * 12 + m1) - (y0 * 12 + m0)


def _copy(cur: Any, table: str, columns: str, rows: list[tuple]) -> None:
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _batches(cur: Any, loader: Loader, pg: bool) -> None:
    sig = "A" * 86 + "=="
    rows = []
    for device, last in loader.seq.items():
        for n in range((last - 1) // 500 + 1):
            first, end = n * 500 + 1, min((n + 1) * 500, last)
            envelope = f'{{"alg":"Ed25519","body":{{"batch_id":"{device}:{n}"}},"sig":"{sig}"}}'
            rows.append((device, f"{device}:{n}", first, end, T0, T0, end - first + 1, 0, envelope))
    columns = "device_id, batch_id, first_seq, last_seq, sent_ms, received_ms, stored, duplicates, envelope"
    if pg:
        _copy(cur, "batches", columns, rows)
    else:
        cur.execute("BEGIN")
        cur.executemany(f"INSERT INTO batches ({columns}) VALUES (?,?,?,?,?,?,?,?,?)", rows)
        cur.execute("COMMIT")


def server_side(url: str, codes: list[str], samples: int) -> list[float]:
    engine = make_engine(url)
    sessions = lookup_sessions(engine)  # as the route reads (hub/trace/routes.py)
    out = []
    try:
        for i, code in enumerate(codes[: samples + 100]):
            started = time.perf_counter_ns()
            with sessions() as session:
                trace = read_trace(session, code, T0, lambda parties: None)  # as the route, minus the gate
                FullTrace.model_validate(trace).model_dump_json()
            if i >= 100:  # the first 100 warm the caches
                out.append((time.perf_counter_ns() - started) / 1e6)
    finally:
        engine.dispose()
    return out


def through_app(url: str, codes: list[str], samples: int, tmp: Path) -> list[float]:
    from fastapi.testclient import TestClient

    from hub.app import create_app
    from hub.settings import Settings

    token = "bench-" + "x" * 32
    app = create_app(
        Settings(admin_token=token, db_url=url, key_file=tmp / "hub-key.pem"), run_migrations=False
    )
    out = []
    with TestClient(app) as client:
        admin = {"Authorization": f"Bearer {token}"}
        account = {"username": "bench", "display_name": "b", "password": "Trace-passw0rd"}
        made = client.post("/api/v1/users", json=account, headers=admin)
        assert made.status_code in (201, 409), made.text  # 409: a kept database measured again
        client.put(
            "/api/v1/users/bench/role", json={"role": "regulator", "region_code": "130000"}, headers=admin
        )
        login = client.post(
            "/api/v1/sessions", json={"username": "bench", "password": "Trace-passw0rd"}
        ).json()
        headers = {"Authorization": f"Bearer {login['token']}"}
        for i, code in enumerate(codes[: samples + 50]):
            started = time.perf_counter_ns()
            answer = client.get(f"/api/v1/packages/{code}/trace", headers=headers)
            elapsed = (time.perf_counter_ns() - started) / 1e6
            assert answer.status_code == 200, answer.text
            if i >= 50:
                out.append(elapsed)
    return out


def over_http(url: str, codes: list[str], samples: int, tmp: Path) -> list[float]:
    """The trace as a phone or a page gets it: a real `wastetrace hub serve` (one worker, its socket as
    served, TCP_NODELAY), one kept-alive HTTP/1.1 connection, a regulator's session."""
    from bench_ingest import HubProcess

    hub = HubProcess(url, tmp)
    try:
        token = _login(hub, "bench-http")
        out = []
        for i, code in enumerate(codes[: samples + 100]):
            started = time.perf_counter_ns()
            status, data = hub.conn.call("GET", f"/api/v1/packages/{code}/trace", token=token)
            elapsed = (time.perf_counter_ns() - started) / 1e6
            assert status == 200, data[:300]
            if i >= 100:  # the first 100 warm the caches
                out.append(elapsed)
        return out
    finally:
        hub.stop()


BLOCK = 200  # traces in a row to one hub before the other takes its turn


def side_by_side(
    url: str, codes: list[str], samples: int, tmp: Path, baseline: Path
) -> dict[str, tuple[list[float], float]]:
    """The served trace of this tree and of `baseline` on the same database, one hub each: blocks of
    `BLOCK` traces taken in turns (who goes first swapped every block), each hub tracing bags of its own (a
    bag one hub read would be warm in the page cache for the other). Per tree: the latencies and the hub's
    CPU seconds per trace."""
    from bench_ingest import HubProcess

    hubs = {}
    try:
        for name, code in (("this tree", ROOT), ("baseline", baseline)):
            workdir = tmp / name.replace(" ", "-")
            workdir.mkdir()
            hub = HubProcess(url, workdir, code=code)
            hubs[name] = (hub, _login(hub, f"bench-ab-{len(hubs)}"), [])
        for n, (hub, token, _) in enumerate(hubs.values()):  # warm each hub's caches on bags of its own
            for code in codes[n:200:2]:
                hub.conn.call("GET", f"/api/v1/packages/{code}/trace", token=token)
        cpu = {name: hub.cpu_s() for name, (hub, _, _) in hubs.items()}
        turns = list(hubs.items())
        for block, start in enumerate(range(0, samples, BLOCK)):
            for name, (hub, token, times) in turns if block % 2 == 0 else turns[::-1]:
                n = list(hubs).index(name)
                for i in range(start, min(start + BLOCK, samples)):
                    code = codes[(200 + 2 * i + n) % len(codes)]
                    started = time.perf_counter_ns()
                    status, data = hub.conn.call("GET", f"/api/v1/packages/{code}/trace", token=token)
                    times.append((time.perf_counter_ns() - started) / 1e6)
                    assert status == 200, data[:300]
        return {name: (times, (hub.cpu_s() - cpu[name]) / samples) for name, (hub, _, times) in hubs.items()}
    finally:
        for hub, _, _ in hubs.values():
            hub.stop()


def _login(hub: Any, name: str) -> str:
    """A regulator's session on `hub` (the account made if an earlier run did not)."""
    from bench_ingest import ADMIN_TOKEN

    account = {"username": name, "display_name": "b", "password": "Trace-passw0rd"}
    status, data = hub.conn.call("POST", "/api/v1/users", account, ADMIN_TOKEN)
    assert status in (201, 409), data  # 409: a kept database measured again
    role = {"role": "regulator", "region_code": "130000"}
    status, data = hub.conn.call("PUT", f"/api/v1/users/{name}/role", role, ADMIN_TOKEN)
    assert status == 200, data
    status, data = hub.conn.call("POST", "/api/v1/sessions", {"username": name, "password": "Trace-passw0rd"})
    assert status == 201, data
    return str(json.loads(data)["token"])


def percentiles(values: list[float]) -> dict[str, float]:
    """p50, p95, p99 and max; nothing for fewer than two samples (`--samples 0` skips a measurement)."""
    if len(values) < 2:
        return {}
    ordered = sorted(values)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"p50": q[49], "p95": q[94], "p99": q[98], "max": ordered[-1]}


def scratch_postgres() -> tuple[str, Any]:
    name = f"wt_bench_trace_{os.getpid()}"
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return f"{PG_SERVER}/{name}", drop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--events",
        type=int,
        default=1_000_000,
        help="ledger events to store (default 1 M; with --measure-only, what the title says was loaded)",
    )
    parser.add_argument(
        "--db", default="sqlite", help="sqlite, postgresql, or a SQLAlchemy URL of an empty DB"
    )
    parser.add_argument("--samples", type=int, default=2000, help="bags traced server-side")
    parser.add_argument("--http-samples", type=int, default=500, help="bags traced through the app")
    parser.add_argument(
        "--served-samples", type=int, default=2000, help="bags traced over HTTP from a served hub"
    )
    parser.add_argument("--report", type=Path, help="append a Markdown section with the results to this file")
    parser.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    parser.add_argument(
        "--measure-only", action="store_true", help="--db names a database an earlier --keep run loaded"
    )
    parser.add_argument(
        "--baseline-tree",
        type=Path,
        help="also serve the code of this source tree (e.g. `git archive REV | tar -x -C DIR`) on the same "
        "database, the two hubs traced in turns; prints both and their ratio",
    )
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="wt-bench-trace-"))
    drop = None
    if args.db == "sqlite":
        url = f"sqlite:///{tmp / 'hub.db'}"
    elif args.db == "postgresql":
        url, drop = scratch_postgres()
    else:
        url = args.db
    if args.keep:
        drop = None
    try:
        if args.measure_only:
            loader = Loader(url, args.events)
            loader.codes = [loader.code(b) for b in range(loader.bags)]
            timings = {"load_s": float("nan"), "index_s": float("nan")}
        else:
            print(f"bench_trace: {args.events:,} events into {url.split('@')[-1]}", flush=True)
            migrate(url)
            loader = load(url, args.events)
            timings = loader.timings  # type: ignore[attr-defined]
        size = _size(url, Path(url.removeprefix("sqlite:///")).parent if url.startswith("sqlite") else tmp)
        if not args.measure_only:
            load_line = (
                f"  load {timings['load_s']:.0f} s, indexes {timings['index_s']:.0f} s, database {size}"
            )
            print(load_line, flush=True)
        rng = random.Random(6)
        sample = rng.sample(loader.codes, min(len(loader.codes), args.samples + 100))
        server = percentiles(server_side(url, sample, args.samples))
        app_sample = rng.sample(loader.codes, min(len(loader.codes), args.http_samples + 50))
        app = percentiles(through_app(url, app_sample, args.http_samples, tmp))
        served_sample = rng.sample(loader.codes, min(len(loader.codes), args.served_samples + 100))
        served = percentiles(over_http(url, served_sample, args.served_samples, tmp))
        if args.baseline_tree is not None:
            pairs = rng.sample(loader.codes, min(len(loader.codes), 2 * args.served_samples + 200))
            compared = side_by_side(url, pairs, args.served_samples, tmp, args.baseline_tree.resolve())
    finally:
        if drop is not None:
            drop()
        if args.keep:
            print(f"kept: {url}", flush=True)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    dialect = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    lines = [
        f"### {dialect}, {args.events:,} events ({loader.bags:,} bags), {dt.date.today()}",
        "",
        f"`python bench/bench_trace.py --events {args.events} --db {args.db}"
        + (" --measure-only`" if args.measure_only else "`"),
        "",
        (
            f"Measured again on the database an earlier `--keep` run loaded ({size})."
            if args.measure_only
            else f"Load: {timings['load_s']:.0f} s ({args.events / timings['load_s']:,.0f} events/s), "
            f"indexes and ANALYZE {timings['index_s']:.0f} s, database {size}."
        ),
        "",
        "| one bag's trace | samples | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|",
        _row("server-side (after the gate)", args.samples, server),
        _row("whole request, in-process client", args.http_samples, app),
        _row("over HTTP from `wastetrace hub serve`", args.served_samples, served),
        "",
    ]
    if args.baseline_tree is not None:
        lines += _compared(compared, args.baseline_tree, args.served_samples)
    print("\n".join(lines), flush=True)
    if args.report:
        with args.report.open("a", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    return 0


def _compared(compared: dict[str, tuple[list[float], float]], baseline: Path, samples: int) -> list[str]:
    lines = [
        f"Side by side over HTTP with the code in `{baseline}` on the same database, blocks of {BLOCK} "
        "traces in turns, each hub its own bags:",
        "",
        "| served trace | samples | p50 ms | p95 ms | p99 ms | max ms | hub CPU ms per trace |",
        "|---|---|---|---|---|---|---|",
    ]
    stats = {name: (percentiles(times), cpu) for name, (times, cpu) in compared.items()}
    for name, (p, cpu) in stats.items():
        lines.append(f"{_row(name, samples, p)} {cpu * 1000:.2f} |")
    (mine, mine_cpu), (base, base_cpu) = stats["this tree"], stats["baseline"]
    if not mine or not base:
        return [*lines, ""]
    lines += [
        "",
        f"This tree / baseline: p50 {mine['p50'] / base['p50']:.2f}, p99 {mine['p99'] / base['p99']:.2f}, "
        f"CPU per trace {mine_cpu / base_cpu:.2f}.",
        "",
    ]
    return lines


def _row(name: str, n: int, p: dict[str, float]) -> str:
    if not p:
        return f"| {name} | {n} | not measured | | | |"
    return f"| {name} | {n} | {p['p50']:.2f} | {p['p95']:.2f} | {p['p99']:.2f} | {p['max']:.2f} |"


def _size(url: str, tmp: Path) -> str:
    if url.startswith("sqlite"):
        total = sum(f.stat().st_size for f in tmp.glob("hub.db*"))
    else:
        engine = create_engine(url)
        with engine.connect() as conn:
            total = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        engine.dispose()
    return f"{total / 1e9:.1f} GB"


if __name__ == "__main__":
    sys.exit(main())
