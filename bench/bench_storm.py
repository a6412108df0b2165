"""The reconnect storm: every site offline for a day, then all back at once, against 1, 2 and 4 hub workers.

    python bench/bench_storm.py                                   # PostgreSQL, 1/2/4 workers, 60 k events
    python bench/bench_storm.py --db sqlite --workers 1 --sites 200
    python bench/bench_storm.py --sites 4200 --events-per-site 120 --report docs/bench-hub.md

For each worker count: a fresh database, that many `wastetrace hub serve` processes on it (one uvicorn
worker each, the same hub key), the sites enrolled through the API, and each site's backlog — a day of its
box's events, as signed batches of at most 1,000 sealed the edge's way — made ready. Then every site comes
back at once: `--clients` connections (kept alive) take sites from one queue and send each site's batches in
order to the worker the site's index picks (a load balancer's hash). The figure is how long the hub takes to
absorb the whole backlog, and every answer is counted: receipts, and anything else (a 503 with Retry-After
is honoured and counted; any other refusal fails the run).

Numbers are wall-clock on this machine with whatever else runs on it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import queue
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import PG_SERVER, HubProcess, Site, _pg_admin, enrol  # noqa: E402


@dataclass
class Storm:
    workers: int
    events: int
    seconds: float = 0.0
    receipts: int = 0
    retries: int = 0
    cpu_s: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.events / self.seconds


def storm(kind: str, workers: int, sites: int, per_site: int, clients: int, workdir: Path) -> Storm:
    here = workdir / f"{kind}-{workers}"
    here.mkdir()
    name = ""
    if kind == "sqlite":
        url = f"sqlite:///{here / 'hub.db'}"
    else:
        name = f"wt_bench_storm_{os.getpid()}_{workers}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        url = f"{PG_SERVER}/{name}"
    hubs: list[HubProcess] = []
    try:
        hubs.append(HubProcess(url, here))  # the first migrates and makes the key the others share
        hubs += [HubProcess(url, here) for _ in range(workers - 1)]
        fleet = [Site(n) for n in range(sites)]
        enrol(hubs[0], fleet)
        backlog = {s.n: list(s.batches_of(per_site, 1000)) for s in fleet}
        result = Storm(workers, sites * per_site)
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
                    for raw in backlog[site.n]:
                        while True:
                            status, data = conn.call("POST", "/api/v1/batches", raw)
                            if status == 503:
                                with lock:
                                    result.retries += 1
                                time.sleep(1.0)  # the hub asked to come back later
                                continue
                            break
                        if status != 200:
                            with lock:
                                failures.append(f"{site.device_id}: {status} {data[:200]!r}")
                            return
                        with lock:
                            result.receipts += 1
            finally:
                for c in conns:
                    c.close()

        cpu = [h.cpu_s() for h in hubs]
        start = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        result.seconds = time.perf_counter() - start
        result.cpu_s = [h.cpu_s() - c for h, c in zip(hubs, cpu, strict=True)]
        if failures:
            raise RuntimeError(f"refused during the storm: {failures[:3]}")
        return result
    finally:
        for h in hubs:
            h.stop()
        if name:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def report(kind: str, results: list[Storm], args: argparse.Namespace, command: str) -> str:
    lines = [
        f"### Reconnect storm on {kind}: {args.sites:,} sites back at once, "
        f"{args.events_per_site} events each",
        "",
        f"`{command}` on {dt.date.today().isoformat()}: Python {platform.python_version()}, {os.cpu_count()} "
        f"cores, {args.clients} client connections; each site's backlog in batches of at most 1,000 events.",
        "",
        "| hub workers | events | absorbed in s | events/s | hub CPU s (per worker) | 503 retries |",
        "|---:|---:|---:|---:|---|---:|",
    ]
    for r in results:
        cpu = " / ".join(f"{c:.1f}" for c in r.cpu_s)
        lines.append(
            f"| {r.workers} | {r.events:,} | {r.seconds:.1f} | {r.rate:,.0f} | {cpu} | {r.retries} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    p.add_argument("--workers", default="1,2,4", help="hub worker counts to measure, comma-separated")
    p.add_argument("--sites", type=int, default=500)
    p.add_argument("--events-per-site", type=int, default=120, help="a day of a site's events")
    p.add_argument("--clients", type=int, default=8, help="client connections sending at once")
    p.add_argument("--report", type=Path, help="append the result section to this file")
    args = p.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="wt-bench-storm-"))
    results = []
    try:
        for w in (int(x) for x in args.workers.split(",")):
            r = storm(args.db, w, args.sites, args.events_per_site, args.clients, workdir)
            print(
                f"{w} workers: {r.events:,} events in {r.seconds:.1f} s = {r.rate:,.0f} events/s", flush=True
            )
            results.append(r)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    text = report(args.db, results, args, ("python bench/bench_storm.py " + " ".join(argv)).strip())
    print(text)
    if args.report:
        with args.report.open("a", encoding="utf-8") as out:
            out.write("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
