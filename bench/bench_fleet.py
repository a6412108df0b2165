"""A city's simulated day against a served hub, in one command: registration and the day timed, the hub's
CPU counted, and every figure the fleet sent compared with what the hub then holds.

    python bench/bench_fleet.py                                      # 200 sites, 24 h, PostgreSQL, 2 workers
    python bench/bench_fleet.py --sites 4200 --report docs/bench-hub.md  # a city at full size
    python bench/bench_fleet.py --db sqlite --workers 1 --transport mqtt

On a fresh database: `wastetrace hub serve --workers N` (the workers share its port, as behind a load
balancer) and, with `--transport mqtt`, a Mosquitto of the run's own with N `wastetrace hub mqtt` workers on
its shared subscription. Then `wastetrace sim fleet`'s city (simulators/fleet.py) over `--clients`
connections: every site registered through the API (enterprise, licence or vehicle, account, enrolled box),
then `--hours` simulated hours of shifts, outages and manifests. At the end `simulators/fleet_counts.py`
reads the hub's tables: each figure the fleet sent (events by kind, bags, HJ 1259 records, stock, manifests
and their states, receipts, GPS points, chain heads) must equal the hub's, and nothing may have been
refused; the run exits 1 otherwise.

Wall-clock on this machine with whatever else runs on it; the simulator shares the machine with the hub.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import ADMIN_TOKEN, ROOT, _pg_admin, pg_statistics, publish  # noqa: E402
from bench_storm import Broker, MqttWorker, database, postgres_cpu_s  # noqa: E402

from simulators.fleet import Fleet, Hub, MqttLink, Summary, default_start, parse_start  # noqa: E402
from simulators.fleet_counts import Count, compare  # noqa: E402


class ServedHub:
    """`wastetrace hub serve --workers N` on a free port; its CPU is the supervisor's and its workers'."""

    def __init__(self, db_url: str, workdir: Path, workers: int) -> None:
        env = {
            **os.environ,
            "WT_HUB_ADMIN_TOKEN": ADMIN_TOKEN,
            "WT_HUB_KEY_FILE": str(workdir / "hub-key.pem"),
            "PYTHONPATH": str(ROOT),
        }
        port = _free_port()
        cmd = [str(Path(sys.executable).with_name("wastetrace")), "hub", "serve", "--db", db_url]
        cmd += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True, cwd=workdir)
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("hub: http"):
                self.url = line.split()[1]
                break
        else:
            raise RuntimeError(f"the hub did not start (exit {self.proc.wait()})")

    def cpu_s(self) -> float:
        """The supervisor's own CPU, its live workers', and what it counts for workers it has reaped."""
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # gone since the listing
                continue
            pid, ppid = int(stat.parent.name), int(fields[1])
            if pid == self.proc.pid:
                ticks += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
            elif ppid == self.proc.pid:
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=60)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Day:
    db: str
    transport: str
    register_s: float = 0.0
    day_s: float = 0.0
    hub_cpu_s: float = 0.0  # over the day, registration excluded
    mqtt_cpu_s: float = 0.0
    server_cpu_s: float | None = None  # PostgreSQL's, over the day
    summary: Summary = field(default_factory=Summary)
    counts: list[Count] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return bool(self.counts) and all(c.equal for c in self.counts)


def city_day(kind: str, args: argparse.Namespace, workdir: Path) -> Day:
    here = workdir / f"{kind}-{args.transport}"
    here.mkdir()
    url, name = database(kind, here, "fleet")
    day = Day(kind, args.transport)
    hub = ServedHub(url, here, args.workers)
    broker: Broker | None = None
    consumers: list[MqttWorker] = []
    link: MqttLink | None = None
    try:
        if args.transport == "mqtt":
            broker = Broker(here)
            consumers = [MqttWorker(url, here, broker, n) for n in range(args.workers)]
            link = MqttLink(broker.url)
        main = Hub(hub.url)
        start = parse_start(args.start) if args.start else default_start()
        fleet = Fleet(main, ADMIN_TOKEN, args.sites, args.seed, start, link, clients=args.clients)
        started = time.perf_counter()
        fleet.register()
        day.register_s = time.perf_counter() - started
        print(f"{kind}: {args.sites:,} sites registered in {day.register_s:.0f} s", flush=True)
        cpu, mqtt_cpu = hub.cpu_s(), sum(c.own_cpu_s() for c in consumers)
        server = postgres_cpu_s() if kind == "postgresql" else None
        started = time.perf_counter()
        day.summary = fleet.run(args.hours)
        day.day_s = time.perf_counter() - started
        day.hub_cpu_s = hub.cpu_s() - cpu
        day.mqtt_cpu_s = sum(c.own_cpu_s() for c in consumers) - mqtt_cpu
        if server is not None:
            day.server_cpu_s = postgres_cpu_s() - server
        main.close()
        day.counts = compare(day.summary, url)
        return day
    finally:
        if link is not None:
            link.close()
        for c in consumers:
            c.stop()
        if broker is not None:
            broker.stop()
        hub.stop()
        if name and args.keep:
            print(f"{kind}: kept {url}", flush=True)
        elif name:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def report(days: list[Day], args: argparse.Namespace, command: str) -> str:
    lines = [
        f"### A city's day: {args.sites:,} sites, {args.hours} simulated hours",
        "",
        f"`{command}` on {dt.date.today().isoformat()}: Python {platform.python_version()}, {os.cpu_count()} "
        f"cores, {args.workers} hub worker(s), {args.clients} client connections, seed {args.seed}."
        + (f" {pg_statistics()}." if any(d.db == "postgresql" for d in days) else ""),
        "",
        "| database | transport | registration s | day s | events | bags | manifests | receipts | GPS points "
        "| hub CPU s (day) | PostgreSQL CPU s (day) | busy answers | all counts equal |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for d in days:
        s = d.summary
        server = "–" if d.server_cpu_s is None else f"{d.server_cpu_s:.0f}"
        cpu = f"{d.hub_cpu_s:.0f}" + (f" + {d.mqtt_cpu_s:.0f} MQTT" if d.transport == "mqtt" else "")
        lines.append(
            f"| {d.db} | {d.transport} | {d.register_s:.0f} | {d.day_s:.0f} | {s.events:,} | {s.bags:,} | "
            f"{s.manifests:,} | {s.receipts:,} | {s.gps_points:,} | {cpu} | {server} | {s.busy_answers} | "
            f"{'yes' if d.equal else 'NO'} |"
        )
    for d in days:
        lines += ["", f"{d.db}, figure by figure:", "", "| figure | the fleet sent | the hub holds |"]
        lines.append("|---|---:|---:|")
        lines += [f"| {c.figure} | {c.sent:,} | {c.held:,}{'' if c.equal else ' ≠'} |" for c in d.counts]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", default="postgresql", help="sqlite, postgresql or both (comma-separated)")
    p.add_argument("--sites", type=int, default=200)
    p.add_argument("--hours", type=int, default=24, help="simulated hours")
    p.add_argument("--start", help="simulated start, ISO 8601 (China time if no offset; default today 00:00)")
    p.add_argument("--workers", type=int, default=2, help="hub worker processes (and MQTT workers)")
    p.add_argument("--clients", type=int, default=8, help="connections the sites share")
    p.add_argument("--transport", choices=["http", "mqtt"], default="http")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--keep", action="store_true", help="keep the PostgreSQL database (its name is printed)")
    p.add_argument("--summary", type=Path, help="write the fleet's summaries (JSON) here")
    p.add_argument("--report", type=Path, help="append the result section to this file")
    args = p.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="wt-bench-fleet-"))
    days: list[Day] = []
    try:
        for kind in (k.strip() for k in args.db.split(",") if k.strip()):
            days.append(city_day(kind, args, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if args.summary:
        args.summary.write_text(json.dumps([asdict(d.summary) for d in days], ensure_ascii=False, indent=2))
    publish(report(days, args, ("python bench/bench_fleet.py " + " ".join(argv)).strip()), args.report)
    return 0 if all(d.equal for d in days) else 1


if __name__ == "__main__":
    sys.exit(main())
