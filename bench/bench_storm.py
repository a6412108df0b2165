"""The reconnect storm: every site offline for a day, then all back at once, against 1, 2 and 4 hub workers
over HTTP and over MQTT, side by side in one run.

    python bench/bench_storm.py                                   # PostgreSQL, 1/2/4 workers, HTTP and MQTT
    python bench/bench_storm.py --db sqlite --workers 1 --sites 200 --transport http
    python bench/bench_storm.py --sites 4200 --events-per-site 120 --report docs/bench-hub.md
    python bench/bench_storm.py --baseline-tree /tmp/wt-main   # and the MQTT workers of another tree
    python bench/bench_storm.py --projection deferred --baseline-projector /tmp/wt-main   # its projector

For each worker count: a fresh database, that many `wastetrace hub serve` processes on it (one uvicorn
worker each, the same hub key), the sites enrolled through the API, and each site's backlog — a day of its
box's events, as signed batches of at most 1,000 sealed the edge's way — made ready. Then every site comes
back: `--clients` connections (kept alive), so that many sites at a time (by default as many as the workers
admit at once: WT_HUB_INGEST_LIMIT, 8 each), take sites from one queue and send each site's batches in order
to the worker the site's index picks (a load balancer's hash); more at once meet a worker's admission limit
(503 with Retry-After). The figure is how long the hub takes to
absorb the whole backlog, and every answer is counted: receipts, and anything else (a 503 with Retry-After
is honoured and counted; any other refusal fails the run).

Over MQTT the same backlog goes to a private Mosquitto started for that row alone (a stopped worker's
persistent session would stay in the shared group and take a share of the next row's messages); N `wastetrace
hub mqtt` workers share the subscription `$share/hub/wt/v1/+/+/batches`, and every site comes back at once:
each publishes its first batch (QoS 1) the moment the storm starts, and each next one once the receipt of
the one before has come on `wt/v1/{uscc}/{device}/receipts` and been checked, as a box does. The sites share
`--clients` connections (as behind a gateway or a bridge); the broker holds what the workers have not taken
yet (their MQTT 5 Receive Maximum); an answer 503 (the database busy) is sent again after the wait it
names, and counted. The figure is the time from the first publish to the last receipt.
With `--baseline-tree DIR` a third row per worker count runs the MQTT workers of the code in DIR (e.g.
`git archive main | tar -x -C DIR`) on the same backlog, for a before/after in one run.

Every receipt is checked with the hub's public key (it must name the site's device and batch), and each
(device, seq) it acknowledges is counted once: the run fails unless the receipts acknowledge exactly the
backlog. It ends by counting the events the database holds: exactly the backlog too, so nothing was lost or
applied twice by several workers.

The report gives each row's CPU: the hub workers', PostgreSQL's, the projector's, and the benchmark's own
process (its senders and receipt checks; over MQTT its paho clients too), which shares the machine.

Numbers are wall-clock on this machine with whatever else runs on it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import heapq
import json
import os
import platform
import queue
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import (  # noqa: E402
    DEFERRED,
    PG_SERVER,
    ROOT,
    HubProcess,
    ProjectorProcess,
    Site,
    _pg_admin,
    enrol,
    pg_statistics,
    process_cpu_s,
    publish,
)
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey  # noqa: E402
from cryptography.hazmat.primitives.serialization import load_pem_private_key  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from hub.settings import DEFAULT_INGEST_LIMIT  # noqa: E402
from protocols.ledger import EnvelopeError, open_receipt  # noqa: E402

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
MQTT_LINKS = 8  # the connections the sites share over MQTT (each site's box is a topic, not a thread)
BASELINE = "mqtt-baseline"
BASELINE_PROJECTOR = "http-baseline-projector"


@dataclass
class Storm:
    transport: str
    workers: int
    events: int
    seconds: float = 0.0
    receipts: int = 0
    retries: int = 0
    cpu_s: list[float] = field(default_factory=list)
    server_cpu_s: float | None = None  # PostgreSQL's processes, all of them; None on SQLite (in the workers)
    # Deferred projection: from the first batch sent until the projector had taken the last, and its CPU.
    projected_s: float | None = None
    projector_cpu_s: float | None = None
    # The benchmark's own process (its senders, and over MQTT the paho clients taking the receipts): a
    # sender that is itself short of CPU would make the hub look slower than it is.
    bench_cpu_s: float = 0.0
    acked: dict[str, int] = field(default_factory=dict)  # device -> the highest seq a checked receipt acked

    @property
    def rate(self) -> float:
        return self.events / self.seconds


class Receipts:
    """Checks every receipt with the hub's key and counts each (device, seq) it acknowledges once."""

    def __init__(self, result: Storm, key_file: Path) -> None:
        key = load_pem_private_key(key_file.read_bytes(), password=None)
        assert isinstance(key, Ed25519PrivateKey)
        self.hub_key: Ed25519PublicKey = key.public_key()
        self.result = result
        self.lock = threading.Lock()

    def check(self, site: Site, batch_id: str, receipt: object) -> str | None:
        """None if the receipt is the hub's for this batch, else what is wrong with it."""
        try:
            opened = open_receipt(receipt, self.hub_key, device_id=site.device_id, batch_id=batch_id)
        except EnvelopeError as exc:
            return f"{site.device_id} {batch_id}: {exc}"
        with self.lock:
            self.result.receipts += 1
            # A site sends its batches in order and waits for each receipt, so the seqs a receipt adds are
            # those past the previous one's: counted once however often a batch was answered.
            held = self.result.acked.get(site.device_id, 0)
            self.result.acked[site.device_id] = max(held, opened.acked_seq)
        return None


def database(kind: str, here: Path, tag: str) -> tuple[str, str]:
    """A fresh database: (its URL, the PostgreSQL name to drop after, or "")."""
    if kind == "sqlite":
        return f"sqlite:///{here / 'hub.db'}", ""
    name = f"wt_bench_storm_{os.getpid()}_{tag}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    return f"{PG_SERVER}/{name}", name


def stored_events(url: str) -> int:
    return count_rows(url, "events")


def count_rows(url: str, table: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


def postgres_cpu_s() -> float:
    """CPU seconds of this machine's PostgreSQL: every `postgres` process's own, and what the postmaster
    counts for the backends it has reaped (a connection closed during the storm)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # gone since the listing
            continue
        name, _, rest = text.partition(" (")[2].rpartition(")")
        if name == "postgres":
            fields = rest.split()
            ticks += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def absorb(
    result: Storm,
    senders: list[threading.Thread],
    workers: Sequence[HubProcess | MqttWorker],
    url: str,
    failures: list[str],
    projector: ProjectorProcess | None,
    bags: int,
) -> Storm:
    """Every site back at once (the senders started together), timed to the last answer, and with a
    projector of its own to the last batch projected; then the CPU, and the events and bags the database
    holds counted: exactly what was sent, or the run fails."""
    cpu = [w.own_cpu_s() for w in workers]  # the projector's apart, below
    projector_cpu = projector.cpu_s() if projector is not None else 0.0
    server = postgres_cpu_s() if url.startswith("postgresql") else None
    bench = time.process_time()
    start = time.perf_counter()
    for t in senders:
        t.start()
    for t in senders:
        t.join()
    result.seconds = time.perf_counter() - start
    result.bench_cpu_s = time.process_time() - bench
    result.cpu_s = [w.own_cpu_s() - before for w, before in zip(workers, cpu, strict=True)]
    if projector is not None:
        projector.wait_done()
        result.projected_s = time.perf_counter() - start
        result.projector_cpu_s = projector.cpu_s() - projector_cpu
    if server is not None:
        result.server_cpu_s = postgres_cpu_s() - server
    if failures:
        raise RuntimeError(f"refused during the storm: {failures[:3]}")
    acked = sum(result.acked.values())
    if acked != result.events:
        raise RuntimeError(f"checked receipts acknowledge {acked:,} events, not the {result.events:,} sent")
    held = stored_events(url)
    if held != result.events:
        raise RuntimeError(f"the hub holds {held:,} events, not the {result.events:,} sent")
    projected = count_rows(url, "bags")
    if projected != bags:
        raise RuntimeError(f"the hub holds {projected:,} bags, not the {bags:,} commissioned")
    return result


def commissioned(backlog: dict[int, list[bytes]]) -> int:
    """The bags a backlog commissions: what the hub's projection must hold after it."""
    return sum(raw.count(b'"kind":"commissioning"') for batches in backlog.values() for raw in batches)


def storm(
    kind: str,
    workers: int,
    sites: int,
    per_site: int,
    clients: int,
    workdir: Path,
    projection: str,
    projector_code: Path | None = None,
    label: str = "http",
) -> Storm:
    here = workdir / f"{kind}-{label}-{workers}"
    here.mkdir()
    url, name = database(kind, here, f"{label.replace('-', '_')}{workers}")
    hubs: list[HubProcess] = []
    try:
        # The first migrates and makes the key the others share; deferred, it runs the one projector.
        hubs.append(HubProcess(url, here, projection=projection, projector_code=projector_code))
        hubs += [HubProcess(url, here, projection=projection, projector=False) for _ in range(workers - 1)]
        fleet = [Site(n) for n in range(sites)]
        enrol(hubs[0], fleet)
        backlog = {s.n: list(s.batches_of(per_site, 1000)) for s in fleet}
        result = Storm(label, workers, sites * per_site)
        receipts = Receipts(result, here / "hub-key.pem")
        todo: queue.Queue[Site] = queue.Queue()
        for s in fleet:
            todo.put(s)
        lock = threading.Lock()
        failures: list[str] = []

        def client() -> None:
            conns = [HubProcess.connect(h.url) for h in hubs]
            try:
                while True:
                    try:
                        site = todo.get_nowait()
                    except queue.Empty:
                        return
                    conn = conns[site.n % workers]
                    for n, raw in enumerate(backlog[site.n], start=1):
                        while True:
                            status, data = conn.call("POST", "/api/v1/batches", raw)
                            if status == 503:
                                with lock:
                                    result.retries += 1
                                time.sleep(1.0)  # the hub asked to come back later
                                continue
                            break
                        wrong = (
                            f"{status} {data[:200]!r}"
                            if status != 200
                            else receipts.check(site, f"b{n}", json.loads(data).get("receipt"))
                        )
                        if wrong:
                            with lock:
                                failures.append(f"{site.device_id}: {wrong}")
                            return
            finally:
                for c in conns:
                    c.close()

        threads = [threading.Thread(target=client) for _ in range(clients)]
        return absorb(result, threads, hubs, url, failures, hubs[0].projector, commissioned(backlog))
    finally:
        for h in hubs:
            h.stop()
        if name:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Broker:
    """A Mosquitto of the run's own, on a free port, so no other client's traffic shares it."""

    def __init__(self, workdir: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        conf = workdir / "mosquitto.conf"
        conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 100000\n"
            f"user {os.environ.get('USER') or 'root'}\n"
        )
        self.proc = subprocess.Popen(
            [MOSQUITTO, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("mosquitto did not start") from None
                time.sleep(0.05)
        self.url = f"mqtt://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


class MqttWorker:
    """`wastetrace hub mqtt` of the code in `code` as a subprocess, on the row's broker."""

    def __init__(
        self, url: str, workdir: Path, broker: Broker, n: int, code: Path = ROOT, projection: str = "inline"
    ) -> None:
        env = {
            **os.environ,
            "WT_HUB_KEY_FILE": str(workdir / "hub-key.pem"),
            "PYTHONPATH": str(code),  # another tree (--baseline-tree) is imported before the installed one
            "PYTHONDONTWRITEBYTECODE": "1",
            **(DEFERRED if projection == "deferred" else {}),
        }
        cmd = [str(Path(sys.executable).with_name("wastetrace")), "hub", "mqtt", "--db", url]
        cmd += ["--broker", broker.url, "--client-id", f"bench-worker-{n}", "--log-level", "warning"]
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True, cwd=workdir)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if "consuming" not in line:
            raise RuntimeError(f"the MQTT worker did not connect: {line!r}")

    def own_cpu_s(self) -> float:
        return process_cpu_s(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


def mqtt_storm(
    kind: str,
    workers: int,
    sites: int,
    per_site: int,
    clients: int,
    workdir: Path,
    code: Path = ROOT,
    label: str = "mqtt",
    projection: str = "inline",
) -> Storm:
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    here = workdir / f"{kind}-{label}-{workers}"
    here.mkdir()
    url, name = database(kind, here, f"{label}{workers}")
    hub: HubProcess | None = None
    broker: Broker | None = None
    consumers: list[MqttWorker] = []
    links: list[mqtt.Client] = []
    try:
        # Migrates, makes the key, takes the enrolments (over HTTP), and deferred, runs the one projector.
        hub = HubProcess(url, here, projection=projection)
        fleet = [Site(n) for n in range(sites)]
        enrol(hub, fleet)
        broker = Broker(here)  # this row's own: no session of an earlier row's workers in its shared group
        consumers = [MqttWorker(url, here, broker, n, code, projection) for n in range(workers)]
        backlog = {s.n: list(s.batches_of(per_site, 1000)) for s in fleet}
        result = Storm(label, workers, sites * per_site)
        receipts = Receipts(result, here / "hub-key.pem")
        failures: list[str] = []

        def on_message(_c: object, answers: queue.Queue[tuple[str, dict]], message: mqtt.MQTTMessage) -> None:
            device = message.topic.split("/")[3]  # wt/v1/{uscc}/{device}/receipts
            answers.put((device, json.loads(message.payload)))

        # Each connection carries its share of the sites, subscribed to their receipts (a broker bridge or a
        # gateway carries many boxes the same way). The broker takes a connection's packets in order, so each
        # subscription is in place before that connection publishes.
        shares = [fleet[k::clients] for k in range(clients)]
        inboxes: list[queue.Queue[tuple[str, dict]]] = []
        for k, share in enumerate(shares):
            inbox: queue.Queue[tuple[str, dict]] = queue.Queue()
            link = mqtt.Client(
                CallbackAPIVersion.VERSION2,
                client_id=f"bench-sites-{k}",
                protocol=mqtt.MQTTv5,
                userdata=inbox,
            )
            link.on_message = on_message
            link.connect("127.0.0.1", broker.port)
            link.loop_start()
            deadline = time.monotonic() + 10
            while not link.is_connected():
                if time.monotonic() > deadline:
                    raise RuntimeError("the bench could not connect to its broker")
                time.sleep(0.01)
            if share:
                link.subscribe([(f"wt/v1/{s.uscc}/{s.device_id}/receipts", 1) for s in share])
            links.append(link)
            inboxes.append(inbox)

        def client(link: mqtt.Client, share: list[Site], inbox: queue.Queue[tuple[str, dict]]) -> None:
            """Every site of the share back at once: each publishes its first batch now, and each next batch
            once the receipt of the one before has come and been checked, as a box does."""
            sites = {s.device_id: s for s in share}
            sent = dict.fromkeys(sites, 0)  # device -> the batches it has published
            again: list[tuple[float, str]] = []  # (when, device): a batch the hub asked to have later

            def publish(site: Site) -> None:
                raw = backlog[site.n][sent[site.device_id] - 1]
                link.publish(f"wt/v1/{site.uscc}/{site.device_id}/batches", raw, qos=1)

            for site in share:
                sent[site.device_id] = 1
                publish(site)
            waiting = len(share)
            while waiting:
                while again and again[0][0] <= time.monotonic():
                    publish(sites[heapq.heappop(again)[1]])
                wait = min(120.0, again[0][0] - time.monotonic()) if again else 120.0
                try:
                    device, answer = inbox.get(timeout=max(wait, 0.0))
                except queue.Empty:
                    if again:
                        continue  # time to send a batch again
                    late = [d for d, n in sent.items() if n <= len(backlog[sites[d].n])][:3]
                    failures.append(f"no receipt in 120 s; waiting: {late}")
                    return
                site, n = sites[device], sent[device]
                batch_id = str(answer.get("batch_id"))  # batches_of names a fresh site's batches b1, b2, …
                if batch_id != f"b{n}":
                    if batch_id[1:].isdigit() and int(batch_id[1:]) < n:
                        continue  # an earlier batch answered again (delivered twice): acked already
                    failures.append(f"{device}: an answer for {batch_id}, not b{n}")
                    return
                if answer.get("status") == 503:  # the hub is busy: the box sends it again when told
                    with receipts.lock:
                        result.retries += 1
                    later = float(answer.get("retry_after_s") or 1.0)
                    heapq.heappush(again, (time.monotonic() + later, device))
                    continue
                wrong = (
                    f"{answer}"[:300]
                    if answer.get("status") != 200
                    else receipts.check(site, f"b{n}", answer.get("receipt"))
                )
                if wrong:
                    failures.append(f"{device}: {wrong}")
                    return
                if n < len(backlog[site.n]):
                    sent[device] += 1
                    publish(site)
                else:
                    sent[device] += 1  # done: past its last batch
                    waiting -= 1

        threads = [
            threading.Thread(target=client, args=(lk, sh, ib))
            for lk, sh, ib in zip(links, shares, inboxes, strict=True)
        ]
        return absorb(result, threads, consumers, url, failures, hub.projector, commissioned(backlog))
    finally:
        for link in links:
            link.loop_stop()
            link.disconnect()
        for c in consumers:
            c.stop()
        if broker is not None:
            broker.stop()
        if hub is not None:
            hub.stop()
        if name:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _http_clients(args: argparse.Namespace) -> str:
    if args.clients:
        return str(args.clients)
    return f"{DEFAULT_INGEST_LIMIT} × workers (what they admit at once)"


def report(kind: str, results: list[Storm], args: argparse.Namespace, command: str) -> str:
    lines = [
        f"### Reconnect storm on {kind}: {args.sites:,} sites back at once, "
        f"{args.events_per_site} events each",
        "",
        f"`{command}` on {dt.date.today().isoformat()}: Python {platform.python_version()}, {os.cpu_count()} "
        f"cores; over HTTP {_http_clients(args)} sites at a time, over MQTT every site at once over "
        f"{args.clients or MQTT_LINKS} connections; each site's backlog in batches of at most 1,000 events."
        + (f" {pg_statistics()}." if kind == "postgresql" else ""),
        "",
        "| transport | hub workers | events | absorbed in s | events/s | hub CPU s (per worker) "
        "| PostgreSQL CPU s | 503s | projected in s | projector CPU s | bench CPU s |",
        "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        cpu = " / ".join(f"{c:.1f}" for c in r.cpu_s)
        server = "–" if r.server_cpu_s is None else f"{r.server_cpu_s:.1f}"
        projected = "in each batch" if r.projected_s is None else f"{r.projected_s:.1f}"
        projector = "–" if r.projector_cpu_s is None else f"{r.projector_cpu_s:.1f}"
        lines.append(
            f"| {r.transport} | {r.workers} | {r.events:,} | {r.seconds:.1f} | {r.rate:,.0f} | {cpu} | "
            f"{server} | {r.retries} | {projected} | {projector} | {r.bench_cpu_s:.1f} |"
        )
    by = {(r.transport, r.workers): r for r in results}
    counts = sorted({r.workers for r in results})

    def ratios(top: str, bottom: str) -> list[str]:
        return [
            f"{w} worker{'s' if w > 1 else ''} {by[(top, w)].rate / by[(bottom, w)].rate:.2f}"
            for w in counts
            if (top, w) in by and (bottom, w) in by
        ]

    if ratios("mqtt", "http"):
        lines += ["", "MQTT / HTTP, events/s in the same run: " + ", ".join(ratios("mqtt", "http")) + "."]
    if args.baseline_tree and ratios(BASELINE, "http"):
        before = ", ".join(ratios(BASELINE, "http"))
        gain = ", ".join(ratios("mqtt", BASELINE))
        lines += [
            "",
            f"`{BASELINE}` is the MQTT worker of the code in `{args.baseline_tree}` on the same backlog. "
            f"Baseline MQTT / HTTP: {before}; MQTT / baseline MQTT: {gain}.",
        ]
    projected = {r.transport: r for r in results if r.projected_s is not None}
    if args.baseline_projector and {"http", BASELINE_PROJECTOR} <= set(projected):
        now, before = projected["http"], projected[BASELINE_PROJECTOR]
        lines += [
            "",
            f"`{BASELINE_PROJECTOR}` runs the `hub project` of `{args.baseline_projector}` beside this "
            f"tree's workers on the same backlog. Projected in {before.projected_s:.1f} s there, "
            f"{now.projected_s:.1f} s here: {before.projected_s / now.projected_s:.2f}× as fast; "
            "projector CPU "
            f"{now.projector_cpu_s or 0:.1f} s against {before.projector_cpu_s or 0:.1f} s.",
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    p.add_argument("--workers", default="1,2,4", help="hub worker counts to measure, comma-separated")
    p.add_argument("--sites", type=int, default=500)
    p.add_argument("--events-per-site", type=int, default=120, help="a day of a site's events")
    p.add_argument(
        "--clients",
        type=int,
        help="HTTP: connections sending at once, a site each (default: what the workers admit at once, "
        f"{DEFAULT_INGEST_LIMIT} each); MQTT: the connections all the sites share (default {MQTT_LINKS})",
    )
    p.add_argument("--transport", default="http,mqtt", help="http, mqtt or both (comma-separated)")
    p.add_argument("--report", type=Path, help="append the result section to this file")
    p.add_argument(
        "--baseline-tree",
        type=Path,
        help="also run the MQTT workers of this source tree (e.g. `git archive main | tar -x -C DIR`) "
        "on the same storm, beside this tree's",
    )
    p.add_argument(
        "--projection",
        choices=("inline", "deferred"),
        default="inline",
        help="the hub's WT_HUB_PROJECTION; deferred runs one `hub project` process beside the workers",
    )
    p.add_argument(
        "--baseline-projector",
        type=Path,
        help="with --projection deferred: also run the HTTP storm with the `hub project` of this source "
        "tree, beside this tree's",
    )
    args = p.parse_args(argv)
    transports = [t.strip() for t in args.transport.split(",")]
    if args.baseline_tree and "mqtt" in transports:
        transports.insert(transports.index("mqtt") + 1, BASELINE)
    if args.baseline_projector and args.projection == "deferred" and "http" in transports:
        transports.insert(transports.index("http") + 1, BASELINE_PROJECTOR)
    workdir = Path(tempfile.mkdtemp(prefix="wt-bench-storm-"))
    results = []
    try:
        for w in (int(x) for x in args.workers.split(",")):
            for transport in transports:  # side by side: each worker count over every transport in turn
                clients = args.clients or (MQTT_LINKS if "mqtt" in transport else DEFAULT_INGEST_LIMIT * w)
                common = (args.db, w, args.sites, args.events_per_site, clients, workdir)
                if transport == "mqtt":
                    r = mqtt_storm(*common, projection=args.projection)
                elif transport == BASELINE:
                    r = mqtt_storm(*common, code=args.baseline_tree.resolve(), label=BASELINE)
                elif transport == BASELINE_PROJECTOR:
                    code = args.baseline_projector.resolve()
                    r = storm(*common, args.projection, projector_code=code, label=BASELINE_PROJECTOR)
                else:
                    r = storm(*common, args.projection)
                projected = f", projected in {r.projected_s:.1f} s" if r.projected_s is not None else ""
                print(
                    f"{transport} {w} workers: {r.events:,} events in {r.seconds:.1f} s "
                    f"= {r.rate:,.0f} events/s{projected}",
                    flush=True,
                )
                results.append(r)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    publish(
        report(args.db, results, args, ("python bench/bench_storm.py " + " ".join(argv)).strip()), args.report
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
