"""Signed-batch ingest of a served hub against a bare reference path, side by side in one run (issue #17).

    python bench/bench_ingest.py                                   # 200 k events, SQLite and PostgreSQL
    python bench/bench_ingest.py --events 1000000 --report docs/bench-hub.md
    python bench/bench_ingest.py --db sqlite --events 50000 --pairs 3

What it does, for each database:

- **hub**: a real `wastetrace hub serve` subprocess (one uvicorn worker) on a fresh database; the sites'
  devices are enrolled through the enrolment API; signed batches of `--batch` events, sealed as the edge
  seals them (`seal_canonical_batch`, RFC 8785 bytes), are POSTed to /api/v1/batches one after another over
  one kept-alive HTTP connection. The hub verifies, stores, projects (bags, HJ 1259 records, stock) and
  answers a signed receipt for each.
- **reference**: the bare work in this process on a database of its own: verify the batch signature over the
  body, decode it, hash every event and check the chain, store the events with de-duplication on
  (device, seq) into one plain table with a primary key and nothing else, one transaction per batch.

The events are cut into `--pairs` segments; each pair sends one segment to the hub and the next one to the
reference (alternating which goes first), so both tables grow side by side from 0 to `--events`, and the
machine's load at any time touches both. Each line prints events/s for each, and the ratio hub / reference;
the summary gives medians of the pairs with min–max. Each site (device) records bags as a producer's box
does: commissioning, encoding (label), storing (入库), staging_outbound (出库) — 4 events per bag, with
event ids made as the edge makes them (UUIDv7, protocols/ledger/ids.py).

`--baseline-tree DIR` runs a third hub, from another source tree, in each pair; `--baseline-tree .
--baseline-ids uuid4` runs this hub again, fed random event ids as edges made them before (side by side,
what time-ordered ids save the hub).

Then the trace of a bag over real HTTP: `GET /api/v1/packages/{code}/trace` with a regulator's session
token, over one kept-alive connection, for `--traces` random bags (p50 / p99), against the hub as served
(a listening socket made with IPPROTO_TCP, so asyncio sets TCP_NODELAY) and against the same database
served from a socket made with protocol 0 (the old behaviour: no TCP_NODELAY, small answers wait for the
client's delayed ACK).

Numbers are wall-clock on this machine with whatever else runs on it; compare the columns of one run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import http.client
import json
import os
import platform
import random
import secrets
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: E402
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from protocols.codes import uscc_check_char  # noqa: E402
from protocols.ledger import (  # noqa: E402
    GENESIS_HASH,
    Event,
    generate_private_key,
    new_event_id,
    public_key_b64,
    seal_canonical_batch,
)
from protocols.ledger.signing import verify  # noqa: E402

PG_SERVER = os.environ.get("WT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
ADMIN_TOKEN = "bench-admin-" + secrets.token_hex(16)
T0 = 1_796_083_200_000  # 2026-12-01T00:00:00Z
KINDS = ("commissioning", "encoding", "storing", "staging_outbound")
REGION = "130600"  # 保定市: one city regulator sees every bag


def uscc(n: int) -> str:
    first17 = f"91{REGION}MA{n:07d}"
    return first17 + uscc_check_char(first17)


# ----------------------------------------------------------------------------------------------- workload


@dataclass
class Site:
    """One producer's weighing box: its own key and chain, bags of one waste code."""

    n: int
    key: Ed25519PrivateKey = field(default_factory=generate_private_key)
    seq: int = 0
    last_hash: str = GENESIS_HASH
    bags: int = 0
    batches: int = 0
    codes: list[str] = field(default_factory=list)
    ids: str = "uuid7"  # event ids as the edge makes them (protocols/ledger/ids.py); "uuid4": as before

    @property
    def device_id(self) -> str:
        return f"bench-{self.n:04d}"

    @property
    def uscc(self) -> str:
        return uscc(self.n + 1)

    def events(self, count: int) -> list[bytes]:
        """The next `count` events of this site's ledger, as their canonical bytes."""
        out = []
        for _ in range(count):
            step = self.seq % len(KINDS)
            if step == 0:
                self.bags += 1
                day = dt.date(2026, 12, 1) + dt.timedelta(days=self.bags // 900)
                code = f"{self.uscc}90024908{day:%Y%m%d}{self.bags % 900 + 1:03d}"
                self.codes.append(code)
            self.seq += 1
            kind = KINDS[step]
            time_ms = T0 + self.seq * 15_000
            event = Event(
                event_id=new_event_id(time_ms) if self.ids == "uuid7" else str(uuid.uuid4()),
                device_id=self.device_id,
                seq=self.seq,
                prev_hash=self.last_hash,
                kind=kind,
                code=self.codes[-1],
                time_ms=time_ms,
                boot_id="boot-1",
                mono_ms=1_000 + self.seq * 15_000,
                clock_synced=True,
                waste_code="900-249-08",
                grams=12_340 + self.seq % 977 if kind in ("commissioning", "storing") else None,
                operator="张三",
                place="危废仓库A",
                data={"container_type": "吨袋"} if kind == "commissioning" else {},
            )
            self.last_hash = event.hash
            out.append(event.canonical)
        return out

    def batches_of(self, count: int, size: int) -> Iterator[bytes]:
        events = self.events(count)
        for i in range(0, len(events), size):
            self.batches += 1
            chunk = events[i : i + size]
            yield seal_canonical_batch(self.key, self.device_id, f"b{self.batches}", T0, chunk)


def segment(sites: list[Site], events: int, size: int) -> list[bytes]:
    """The next `events` events of all sites, as signed batches of `size`, the sites taking turns."""
    per_site = events // len(sites)
    streams = [list(s.batches_of(per_site, size)) for s in sites]
    out = []
    for i in range(max(len(s) for s in streams)):
        out += [s[i] for s in streams if i < len(s)]
    return out


# ------------------------------------------------------------------------------------------------ the hub


class HubProcess:
    """`wastetrace hub serve` (or the same with the old protocol-0 socket) as a subprocess."""

    def __init__(
        self,
        db_url: str,
        workdir: Path,
        *,
        legacy_socket: bool = False,
        code: Path = ROOT,
        projection: str = "inline",
        projector: bool = True,
        projector_code: Path | None = None,
    ) -> None:
        env = {
            **os.environ,
            "WT_HUB_ADMIN_TOKEN": ADMIN_TOKEN,
            "WT_HUB_KEY_FILE": str(workdir / "hub-key.pem"),
            "PYTHONPATH": str(code),  # another tree (--baseline-tree) is imported before the installed one
        }
        self.projector: ProjectorProcess | None = None
        if projection == "deferred":
            # The city's layout (docs/scale.md): the HTTP workers store, one `hub project` process projects.
            env.update(DEFERRED)
        args = ["serve", "--db", db_url, "--port", "0", "--log-level", "warning"]
        if legacy_socket:
            cmd = [sys.executable, __file__, "serve-legacy-socket", *args]
        else:
            cmd = [str(Path(sys.executable).with_name("wastetrace")), "hub", *args]
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True, cwd=workdir)
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("hub: http"):
                url = line.split()[1]
                break
        else:
            raise RuntimeError(f"the hub did not start (exit {self.proc.wait()})")
        self.url = url
        self.conn = self.connect(url)
        if projection == "deferred" and projector:  # after the hub has migrated the database
            # `projector_code`: the projector of another tree, beside this tree's workers (bench_storm).
            self.projector = ProjectorProcess(
                db_url, workdir, env if projector_code is None else {**env, "PYTHONPATH": str(projector_code)}
            )

    @staticmethod
    def connect(url: str) -> Client:
        host, port = url.removeprefix("http://").rsplit(":", 1)
        return Client(host, int(port))

    def cpu_s(self) -> float:
        """The serving process's CPU, and its projector's with it."""
        return self.own_cpu_s() + (self.projector.cpu_s() if self.projector is not None else 0.0)

    def own_cpu_s(self) -> float:
        """The serving process's CPU alone."""
        return process_cpu_s(self.proc.pid)

    def rss_mb(self) -> float:
        """The serving process's peak (the projector's is its own, and smaller)."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def wait_projected(self) -> None:
        """Until the projector has taken every stored batch: a deferred hub's ingest is done only then."""
        if self.projector is not None:
            self.projector.wait_done()

    def stop(self) -> None:
        self.conn.close()
        if self.projector is not None:
            self.projector.stop()
        self.proc.terminate()
        self.proc.wait(timeout=30)


# A hub's settings for custody and the projection after the answer, by a projector process of its own.
DEFERRED = {"WT_HUB_PROJECTION": "deferred", "WT_HUB_PROJECTOR": "off"}


def process_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ProjectorProcess:
    """`wastetrace hub project` as a subprocess: a deferred hub's custody and projection."""

    def __init__(self, db_url: str, workdir: Path, env: dict[str, str]) -> None:
        self.db_url = db_url
        wastetrace = str(Path(sys.executable).with_name("wastetrace"))
        self.proc = subprocess.Popen(
            [wastetrace, "hub", "project", "--db", db_url, "--log-level", "warning"],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
            cwd=workdir,
        )
        assert self.proc.stdout is not None
        if not self.proc.stdout.readline().startswith("hub project: projecting"):
            raise RuntimeError(f"the projector did not start (exit {self.proc.wait()})")

    def cpu_s(self) -> float:
        return process_cpu_s(self.proc.pid)

    def wait_done(self) -> None:
        """Until no stored batch waits for it."""
        pending = Backlog(self.db_url)
        try:
            while pending():
                if self.proc.poll() is not None:
                    raise RuntimeError(f"the projector stopped (exit {self.proc.returncode})")
                time.sleep(0.01)
        finally:
            pending.close()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


class Client:
    """One kept-alive HTTP/1.1 connection (http.client sets TCP_NODELAY on its side)."""

    def __init__(self, host: str, port: int) -> None:
        self.http = http.client.HTTPConnection(host, port, timeout=120)

    def call(self, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
        try:
            self.http.request(method, path, body=body, headers=headers)
            answer = self.http.getresponse()
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            # uvicorn closes a connection idle for 5 s (while the other side of a pair ran): open a new one.
            self.http.close()
            self.http.request(method, path, body=body, headers=headers)
            answer = self.http.getresponse()
        return answer.status, answer.read()

    def close(self) -> None:
        self.http.close()


class Backlog:
    """Batches waiting for a deferred hub's projector, read beside the hub over one connection of its own."""

    def __init__(self, db_url: str) -> None:
        if db_url.startswith("sqlite"):
            self.conn: Any = sqlite3.connect(
                db_url.removeprefix("sqlite:///"), timeout=30, isolation_level=None
            )
        else:
            import psycopg

            self.conn = psycopg.connect(db_url.replace("postgresql+psycopg", "postgresql"), autocommit=True)

    def __call__(self) -> int:
        row = self.conn.execute("SELECT count(*) FROM pending_projections").fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        self.conn.close()


def enrol(hub: HubProcess, sites: list[Site]) -> None:
    for s in sites:
        status, data = hub.conn.call(
            "POST",
            "/api/v1/enrolment-tokens",
            {"enterprise_uscc": s.uscc, "enterprise_name": f"保定某化工{s.n}厂", "device_id": s.device_id},
            ADMIN_TOKEN,
        )
        assert status == 201, data
        token = json.loads(data)["token"]
        status, data = hub.conn.call(
            "POST",
            "/api/v1/devices/enrol",
            {"token": token, "device_id": s.device_id, "public_key": public_key_b64(s.key)},
        )
        assert status == 201, data


def hub_ingest(hub: HubProcess, batches: list[bytes], answers_ms: list[float] | None = None) -> int:
    """POST each batch and wait for its receipt; the events stored. `answers_ms`: each batch's time from
    sending to its answer is appended."""
    stored = 0
    for raw in batches:
        start = time.perf_counter()
        status, data = hub.conn.call("POST", "/api/v1/batches", raw)
        if answers_ms is not None:
            answers_ms.append((time.perf_counter() - start) * 1000)
        if status != 200:
            raise RuntimeError(f"the hub refused a batch: {status} {data[:300]!r}")
        stored += json.loads(data)["receipt"]["body"]["stored"]
    return stored


def regulator_token(hub: HubProcess) -> str:
    name = "bench-regulator"
    user = {"username": name, "display_name": name, "password": "Bench-passw0rd"}
    status, data = hub.conn.call("POST", "/api/v1/users", user, ADMIN_TOKEN)
    assert status == 201, data
    status, data = hub.conn.call(
        "PUT", f"/api/v1/users/{name}/role", {"role": "regulator", "region_code": REGION}, ADMIN_TOKEN
    )
    assert status == 200, data
    status, data = hub.conn.call("POST", "/api/v1/sessions", {"username": name, "password": "Bench-passw0rd"})
    assert status == 201, data
    return str(json.loads(data)["token"])


def trace_latency(hub: HubProcess, token: str, codes: list[str], count: int) -> dict[str, float]:
    rng = random.Random(17)
    times = []
    for i in range(count + 50):
        code = rng.choice(codes)
        start = time.perf_counter()
        status, data = hub.conn.call("GET", f"/api/v1/packages/{code}/trace", token=token)
        elapsed = time.perf_counter() - start
        assert status == 200, data[:300]
        if i >= 50:  # the first 50 warm up
            times.append(elapsed * 1000)
    times.sort()
    return {
        "p50": statistics.median(times),
        "p99": times[min(len(times) - 1, int(len(times) * 0.99))],
        "max": times[-1],
    }


# ------------------------------------------------------------------------------------------ the reference


class Reference:
    """The bare path: verify, decode, hash and chain, store with de-duplication into one plain table."""

    PREFIX = b'{"alg":"Ed25519","body":'

    def __init__(self, kind: str, url: str, keys: dict[str, Ed25519PublicKey]) -> None:
        self.kind = kind
        self.keys = keys
        self.heads: dict[str, tuple[int, str]] = {}
        ddl = (
            "CREATE TABLE ref_events (device_id VARCHAR(128) NOT NULL, seq BIGINT NOT NULL, "
            "event_id VARCHAR(255) NOT NULL, event_hash VARCHAR(64) NOT NULL, "
            "prev_hash VARCHAR(64) NOT NULL, "
            "kind VARCHAR(32) NOT NULL, code VARCHAR(128) NOT NULL, waste_code VARCHAR(32), grams BIGINT, "
            "time_ms BIGINT NOT NULL, received_ms BIGINT NOT NULL, body TEXT NOT NULL, "
            "PRIMARY KEY (device_id, seq))"
        )
        if kind == "sqlite":
            self.db: Any = sqlite3.connect(url, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute(ddl)
            self.sql = "INSERT INTO ref_events VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING"
        else:
            import psycopg

            self.db = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True)
            self.db.execute(ddl)
            self.sql = (
                "INSERT INTO ref_events VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT DO NOTHING"
            )

    def ingest(self, raw: bytes) -> int:
        envelope = json.loads(raw)
        body = envelope["body"]
        end = raw.rindex(b',"sig":')
        message = raw[len(self.PREFIX) : end]  # the body's bytes as they came (canonical from the edge)
        device = body["device_id"]
        verify(self.keys[device], message, envelope["sig"])
        last_seq, last_hash = self.heads.get(device, (0, GENESIS_HASH))
        now = int(time.time() * 1000)
        rows = []
        for e in body["events"]:
            text = json.dumps(e, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            digest = hashlib.sha256(text.encode()).hexdigest()
            if e["seq"] <= last_seq:
                continue  # a duplicate: the insert below would skip it too
            if e["seq"] != last_seq + 1 or e["prev_hash"] != last_hash:
                raise RuntimeError(f"chain broken at {device} {e['seq']}")
            rows.append(
                (device, e["seq"], e["event_id"], digest, e["prev_hash"], e["kind"], e["code"],
                 e["waste_code"], e["grams"], e["time_ms"], now, text)
            )  # fmt: skip
            last_seq, last_hash = e["seq"], digest
        if self.kind == "sqlite":
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany(self.sql, rows)
            self.db.execute("COMMIT")
        else:
            with self.db.transaction(), self.db.cursor() as cur:
                cur.executemany(self.sql, rows)
        self.heads[device] = (last_seq, last_hash)
        return len(rows)

    def close(self) -> None:
        self.db.close()


# --------------------------------------------------------------------------------------------- the run


@dataclass
class Pair:
    events: int
    hub_s: float
    ref_s: float
    hub_cpu_s: float
    ref_cpu_s: float
    base_s: float = 0.0  # the baseline hub (--baseline-tree), when there is one
    base_cpu_s: float = 0.0
    hub_answers_ms: list[float] = field(default_factory=list)  # each batch's, sent to answered
    base_answers_ms: list[float] = field(default_factory=list)

    @property
    def base_rate(self) -> float:
        return self.events / self.base_s

    @property
    def base_ratio(self) -> float:
        return self.base_rate / self.ref_rate

    @property
    def hub_rate(self) -> float:
        return self.events / self.hub_s

    @property
    def ref_rate(self) -> float:
        return self.events / self.ref_s

    @property
    def ratio(self) -> float:
        return self.hub_rate / self.ref_rate


@dataclass
class DbResult:
    kind: str
    pairs: list[Pair] = field(default_factory=list)
    rss_mb: float = 0.0
    hub_db_mb: float = 0.0
    ref_db_mb: float = 0.0
    traces: dict[str, dict[str, float]] = field(default_factory=dict)
    base_rss_mb: float = 0.0
    base_db_mb: float = 0.0


class Target:
    """One database kind: the served hub on one database, the reference on another."""

    def __init__(self, kind: str, workdir: Path) -> None:
        self.kind = kind
        self.workdir = workdir / kind
        self.workdir.mkdir()
        if kind == "sqlite":
            self.hub_url = f"sqlite:///{self.workdir / 'hub.db'}"
            self.ref_url = str(self.workdir / "ref.db")
            self.created: list[str] = []
        else:
            tag = f"{os.getpid()}_{secrets.token_hex(3)}"
            self.created = [f"wt_bench_ingest_hub_{tag}", f"wt_bench_ingest_ref_{tag}"]
            for name in self.created:
                _pg_admin(f'CREATE DATABASE "{name}"')
            self.hub_url = f"{PG_SERVER}/{self.created[0]}"
            self.ref_url = f"{PG_SERVER}/{self.created[1]}"
        self.sites: list[Site] = []  # the hub's sites
        self.ref_sites: list[Site] = []  # the same sites' twins for the reference: chains of their own
        self.hub: HubProcess | None = None
        self.ref: Reference | None = None
        self.base: HubProcess | None = None
        self.base_sites: list[Site] = []
        self.result = DbResult(kind)

    def start(
        self,
        sites: int,
        baseline: Path | None = None,
        baseline_ids: str = "uuid7",
        projection: str = "inline",
        baseline_projection: str = "inline",
    ) -> None:
        self.sites = [Site(n) for n in range(sites)]
        self.ref_sites = [Site(n) for n in range(sites)]
        self.hub = HubProcess(self.hub_url, self.workdir, projection=projection)
        enrol(self.hub, self.sites)
        if baseline is not None:
            if self.kind == "sqlite":
                base_url = f"sqlite:///{self.workdir / 'base.db'}"
            else:
                name = self.created[0].replace("_hub_", "_base_")
                _pg_admin(f'CREATE DATABASE "{name}"')
                self.created.append(name)
                base_url = f"{PG_SERVER}/{name}"
            basedir = self.workdir / "base"
            basedir.mkdir()
            self.base = HubProcess(base_url, basedir, code=baseline.resolve(), projection=baseline_projection)
            self.base_sites = [Site(n, ids=baseline_ids) for n in range(sites)]
            enrol(self.base, self.base_sites)
        keys = {s.device_id: s.key.public_key() for s in self.ref_sites}
        self.ref = Reference(self.kind, self.ref_url, keys)

    def pair(self, events: int, size: int, hub_first: bool) -> Pair:
        assert self.hub is not None and self.ref is not None
        for_hub = segment(self.sites, events // 2, size)
        for_ref = segment(self.ref_sites, events // 2, size)
        hub_answers: list[float] = []
        base_answers: list[float] = []

        def run_hub() -> tuple[float, float]:
            assert self.hub is not None
            cpu, start = self.hub.cpu_s(), time.perf_counter()
            stored = hub_ingest(self.hub, for_hub, hub_answers)
            self.hub.wait_projected()
            elapsed, used = time.perf_counter() - start, self.hub.cpu_s() - cpu
            assert stored == sum(b.count(b'"event_id"') for b in for_hub), stored
            return elapsed, used

        def run_ref() -> tuple[float, float]:
            assert self.ref is not None
            cpu, start = time.process_time(), time.perf_counter()
            stored = sum(self.ref.ingest(raw) for raw in for_ref)
            elapsed, used = time.perf_counter() - start, time.process_time() - cpu
            assert stored == sum(b.count(b'"event_id"') for b in for_ref), stored
            return elapsed, used

        def run_base() -> tuple[float, float]:
            if self.base is None:
                return 0.0, 0.0
            for_base = segment(self.base_sites, events // 2, size)
            cpu, start = self.base.cpu_s(), time.perf_counter()
            hub_ingest(self.base, for_base, base_answers)
            self.base.wait_projected()
            return time.perf_counter() - start, self.base.cpu_s() - cpu

        if hub_first:
            (hub_s, hub_cpu), (ref_s, ref_cpu), (base_s, base_cpu) = run_hub(), run_ref(), run_base()
        else:
            (base_s, base_cpu), (ref_s, ref_cpu), (hub_s, hub_cpu) = run_base(), run_ref(), run_hub()
        n = sum(b.count(b'"event_id"') for b in for_hub)
        pair = Pair(n, hub_s, ref_s, hub_cpu, ref_cpu, base_s, base_cpu, hub_answers, base_answers)
        self.result.pairs.append(pair)
        return pair

    def traces(self, count: int) -> None:
        assert self.hub is not None
        codes = [c for s in self.sites for c in s.codes]
        token = regulator_token(self.hub)
        self.result.traces["TCP_NODELAY (as served)"] = trace_latency(self.hub, token, codes, count)
        legacy = HubProcess(self.hub_url, self.workdir, legacy_socket=True)
        try:
            self.result.traces["protocol-0 socket (old)"] = trace_latency(legacy, token, codes, count)
        finally:
            legacy.stop()

    def finish(self) -> None:
        if self.base is not None:
            self.result.base_rss_mb = self.base.rss_mb()
            self.base.stop()
        if self.hub is not None:
            self.result.rss_mb = self.hub.rss_mb()
            self.hub.stop()
        if self.ref is not None:
            self.ref.close()
        if self.kind == "sqlite":
            self.result.hub_db_mb = _files_mb(self.workdir, "hub.db")
            self.result.ref_db_mb = _files_mb(self.workdir, "ref.db")
            self.result.base_db_mb = _files_mb(self.workdir, "base.db")
        else:
            for name, attr in zip(self.created, ("hub_db_mb", "ref_db_mb", "base_db_mb"), strict=False):
                size = _pg_admin(f"SELECT pg_database_size('{name}')")
                setattr(self.result, attr, (size or 0) / 1e6)
            for name in self.created:
                _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _files_mb(folder: Path, name: str) -> float:
    return sum(p.stat().st_size for p in folder.glob(name + "*")) / 1e6


def _pg_admin(sql: str) -> Any:
    import psycopg

    server = PG_SERVER.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        row = conn.execute(sql).fetchone() if sql.startswith("SELECT") else conn.execute(sql)
        return row[0] if isinstance(row, tuple) else None


def pg_statistics() -> str:
    """The server's autovacuum and track_counts, as a report says them: without both, the tables a run
    grows keep no statistics and PostgreSQL plans them blind (docs/postgresql.md, "Statistics")."""
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.pool import NullPool

    from hub.core.db import STATISTICS_SETTINGS, make_engine, server_settings, statistics_warning

    engine = make_engine(f"{PG_SERVER}/postgres", poolclass=NullPool)
    try:
        found = server_settings(engine, STATISTICS_SETTINGS)
    except DBAPIError as exc:  # a report line, never a failed run
        return f"PostgreSQL's statistics settings unknown ({exc.orig})"
    finally:
        engine.dispose()
    said = ", ".join(f"{name} {found.get(name, '?')}" for name in STATISTICS_SETTINGS)
    kept = statistics_warning(found) is None
    return f"PostgreSQL {said}" + ("" if kept else " (the run's tables keep no statistics)")


def spread(values: list[float], fmt: str = "{:,.0f}") -> str:
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def answer_times(per_pair: list[list[float]]) -> str:
    """p50 / p99 of every batch's answer over all the pairs (a deferred hub answers before it projects)."""
    times = sorted(t for pair in per_pair for t in pair)
    if not times:
        return "–"
    return f"{times[len(times) // 2]:.1f} / {times[min(len(times) - 1, int(len(times) * 0.99))]:.1f}"


def report(results: list[DbResult], args: argparse.Namespace, command: str) -> str:
    lines = [
        f"### Signed-batch ingest, hub over HTTP against the bare reference, {args.events:,} events",
        "",
        f"`{command}` on {dt.date.today().isoformat()}: Python {platform.python_version()}, "
        f"{os.cpu_count()} cores, {args.sites} sites, batches of {args.batch:,} events, {args.pairs} pairs "
        f"per database (each pair {args.events // args.pairs:,} events: half to the hub, half to the "
        "reference), tables growing from 0. Medians of the pairs, (min–max)."
        + (f" {pg_statistics()}." if any(r.kind == "postgresql" for r in results) else ""),
        "",
        "| database | hub events/s | reference events/s | hub / reference | hub CPU µs/event |"
        " reference CPU µs/event | hub batch answer p50 / p99 ms | hub peak RSS MB |"
        " database MB hub / reference |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ps = r.pairs
        lines.append(
            f"| {r.kind} | {spread([p.hub_rate for p in ps])} | {spread([p.ref_rate for p in ps])} |"
            f" {spread([p.ratio for p in ps], '{:.2f}')} |"
            f" {spread([p.hub_cpu_s / p.events * 1e6 for p in ps])} |"
            f" {spread([p.ref_cpu_s / p.events * 1e6 for p in ps])} |"
            f" {answer_times([p.hub_answers_ms for p in ps])} |"
            f" {r.rss_mb:.0f} | {r.hub_db_mb:.0f} / {r.ref_db_mb:.0f} |"
        )
    if args.baseline_tree:
        lines += [
            "",
            f"The baseline hub (the code in `{args.baseline_tree}`, its sites' event ids "
            f"{args.baseline_ids}) took its own third of each pair, in the same run, on a database of "
            "its own:",
            "",
            "| database | baseline hub events/s | baseline / reference | baseline CPU µs/event |"
            " baseline batch answer p50 / p99 ms | baseline peak RSS MB | baseline database MB |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for r in results:
            ps = r.pairs
            ratios = spread([p.base_ratio for p in ps], "{:.2f}")
            lines.append(
                f"| {r.kind} | {spread([p.base_rate for p in ps])} | {ratios} |"
                f" {spread([p.base_cpu_s / p.events * 1e6 for p in ps])} |"
                f" {answer_times([p.base_answers_ms for p in ps])} | {r.base_rss_mb:.0f} |"
                f" {r.base_db_mb:.0f} |"
            )
    if any(r.traces for r in results):
        lines += [
            "",
            f"Trace of one bag over real HTTP (kept-alive connection, regulator session), {args.traces} "
            f"random bags after the ingest, {args.events // 2 // 4:,} bags stored:",
            "",
            "| database | listening socket | p50 ms | p99 ms | max ms |",
            "|---|---|---:|---:|---:|",
        ]
        for r in results:
            for label, t in r.traces.items():
                lines.append(f"| {r.kind} | {label} | {t['p50']:.2f} | {t['p99']:.2f} | {t['max']:.2f} |")
    return "\n".join(lines) + "\n"


def publish(text: str, report: Path | None) -> None:
    """A benchmark's result section, printed and, with `--report FILE`, appended to that file."""
    print(text)
    if report:
        with report.open("a", encoding="utf-8") as out:
            out.write("\n" + text)


def serve_legacy_socket(argv: list[str]) -> int:
    """`wastetrace hub serve` with the listening socket made as before the fix (protocol 0)."""
    import hub.cli

    def legacy(host: str, port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # proto 0: asyncio sets no TCP_NODELAY
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        return sock

    hub.cli.listening_socket = legacy  # type: ignore[assignment]
    return hub.cli.main(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve-legacy-socket"]:
        return serve_legacy_socket(argv[1:])
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--events", type=int, default=200_000, help="events in all: half to the hub, half to the reference"
    )
    p.add_argument("--pairs", type=int, default=5)
    p.add_argument("--batch", type=int, default=1000, help="events per signed batch")
    p.add_argument("--sites", type=int, default=20, help="devices, each with its own key and chain")
    p.add_argument("--db", default="sqlite,postgresql", help="sqlite, postgresql or both (comma-separated)")
    p.add_argument("--traces", type=int, default=500, help="trace requests per hub (0: none)")
    p.add_argument("--report", type=Path, help="append the result section to this file")
    p.add_argument(
        "--baseline-tree",
        type=Path,
        help="also run a hub from this source tree (e.g. `git archive REV | tar -x -C DIR`) in each pair",
    )
    p.add_argument(
        "--baseline-ids",
        choices=("uuid7", "uuid4"),
        default="uuid7",
        help="event ids the baseline hub's sites make: uuid4 as edges did before (with --baseline-tree .)",
    )
    p.add_argument(
        "--projection",
        choices=("inline", "deferred"),
        default="inline",
        help="the hub's WT_HUB_PROJECTION; deferred runs a `hub project` process beside it (its CPU "
        "counted), and a pair's time runs until it has projected every batch",
    )
    p.add_argument(
        "--baseline-projection", choices=("inline", "deferred"), default="inline", help="the baseline hub's"
    )
    args = p.parse_args(argv)
    kinds = [k.strip() for k in args.db.split(",") if k.strip()]
    workdir = Path(tempfile.mkdtemp(prefix="wt-bench-ingest-"))
    targets: list[Target] = []
    try:
        for kind in kinds:
            target = Target(kind, workdir)
            targets.append(target)
            target.start(
                args.sites, args.baseline_tree, args.baseline_ids, args.projection, args.baseline_projection
            )
        per_pair = args.events // args.pairs
        for i in range(args.pairs):
            for target in targets:
                pair = target.pair(per_pair, args.batch, hub_first=i % 2 == 0)
                base = (
                    f"   baseline {pair.base_rate:8,.0f} ev/s ({pair.base_ratio:.2f})" if pair.base_s else ""
                )
                print(
                    f"{target.kind:10s} pair {i + 1}: hub {pair.hub_rate:8,.0f} ev/s   "
                    f"reference {pair.ref_rate:8,.0f} ev/s   ratio {pair.ratio:.2f}{base}",
                    flush=True,
                )
        if args.traces:
            for target in targets:
                target.traces(args.traces)
    finally:
        for target in targets:
            target.finish()
        shutil.rmtree(workdir, ignore_errors=True)
    command = "python bench/bench_ingest.py " + " ".join(argv)
    publish(report([t.result for t in targets], args, command.strip()), args.report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
