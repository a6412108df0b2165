"""The deferred projector alone, on one stored backlog, side by side with the projector of another tree.

    python bench/bench_projector.py --baseline-tree /tmp/wt-main      # 1,000 sites × 120 events, 3 runs
    python bench/bench_projector.py --sites 4200 --runs 5 --baseline-tree /tmp/wt-main

A fresh PostgreSQL database; `wastetrace hub serve` with `WT_HUB_PROJECTION=deferred` and no projector
stores the backlog: each site's day of events (`--events-per-site`, signed batches of at most 1,000 sealed
the edge's way, one site after another), so every batch waits in `pending_projections`. Then, run after run,
each tree in turn projects a copy of that database (`CREATE DATABASE … TEMPLATE`) to the end with
`project_backlog`, in a process of its own that reports its wall time and CPU from the first round to the
last (its start-up and imports left out). Every copy must end with the same bags, HJ 1259 records and
refused events, or the run fails. Medians (min–max) of the runs, and the baseline's time over this tree's.

Numbers are wall-clock on this machine with whatever else runs on it; the trees take turns, so a noisy
moment falls on both.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import (  # noqa: E402
    PG_SERVER,
    ROOT,
    HubProcess,
    Site,
    _pg_admin,
    enrol,
    hub_ingest,
    publish,
    spread,
)

# Run in the tree's own process: the projector to the end, timed from its first round.
PROJECT = """
import json, sys, time
from hub.core.db import make_engine, write_sessions
from hub.ledger.projector import project_backlog
engine = make_engine(sys.argv[1])
write = write_sessions(engine)
wall, cpu = time.perf_counter(), time.process_time()
done = project_backlog(write, lambda: int(time.time() * 1000))
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
with engine.connect() as conn:
    counts = {t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar() for t in TABLES}
answer = {"batches": done.batches, "events": done.events, "wall_s": wall, "cpu_s": cpu, "rows": counts}
print(json.dumps(answer))
"""
TABLES = ("bags", "storage_records", "stock", "refused_events", "pending_projections")


def store_backlog(name: str, sites: int, per_site: int, workdir: Path) -> int:
    """The backlog stored by a deferred hub with no projector; the batches stored."""
    hub = HubProcess(f"{PG_SERVER}/{name}", workdir, projection="deferred", projector=False)
    try:
        fleet = [Site(n) for n in range(sites)]
        enrol(hub, fleet)
        batches = [raw for site in fleet for raw in site.batches_of(per_site, 1000)]
        hub_ingest(hub, batches)
        return len(batches)
    finally:
        hub.stop()


def project_copy(source: str, tree: Path) -> dict:
    """A copy of the stored backlog projected by `tree`'s projector; what it reported."""
    copy = f"wt_bench_projector_{secrets.token_hex(4)}"
    _pg_admin(f'CREATE DATABASE "{copy}" TEMPLATE "{source}"')
    try:
        out = subprocess.run(
            [sys.executable, "-c", f"TABLES = {TABLES!r}\n{PROJECT}", f"{PG_SERVER}/{copy}"],
            env={**os.environ, "PYTHONPATH": str(tree)},  # the tree is imported before the installed one
            cwd=tree,
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            raise RuntimeError(f"the projector of {tree} failed:\n{out.stderr[-2000:]}")
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')


def report(args: argparse.Namespace, stored: int, runs: dict[str, list[dict]], command: str) -> str:
    lines = [
        f"### The projector alone: {args.sites:,} sites × {args.events_per_site} events, stored and pending",
        "",
        f"`{command}` on {dt.date.today().isoformat()}: Python {platform.python_version()}, {os.cpu_count()} "
        f"cores, {stored:,} batches; {args.runs} run{'s' if args.runs > 1 else ''}, the trees taking turns "
        "on copies of one database. Medians (min–max).",
        "",
        "| projector | batches | events | wall s | CPU s | ms a batch |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, results in runs.items():
        walls = [r["wall_s"] for r in results]
        cpus = [r["cpu_s"] for r in results]
        lines.append(
            f"| {label} | {results[0]['batches']:,} | {results[0]['events']:,} | {spread(walls, '{:.2f}')} | "
            f"{spread(cpus, '{:.2f}')} | {statistics.median(walls) / results[0]['batches'] * 1000:.2f} |"
        )
    if len(runs) == 2:
        (_, now), (base_label, before) = runs.items()
        ratio = statistics.median(r["wall_s"] for r in before) / statistics.median(r["wall_s"] for r in now)
        lines += ["", f"{base_label} / this tree, wall time: {ratio:.2f}×."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sites", type=int, default=1000)
    p.add_argument("--events-per-site", type=int, default=120, help="a day of a site's events")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--baseline-tree", type=Path, help="also run the projector of this source tree")
    p.add_argument("--report", type=Path, help="append the result section to this file")
    args = p.parse_args(argv)
    trees = {"this tree": ROOT}
    if args.baseline_tree:
        trees[f"`{args.baseline_tree}`"] = args.baseline_tree.resolve()
    workdir = Path(tempfile.mkdtemp(prefix="wt-bench-projector-"))
    source = f"wt_bench_projector_src_{secrets.token_hex(4)}"
    _pg_admin(f'CREATE DATABASE "{source}"')
    runs: dict[str, list[dict]] = {label: [] for label in trees}
    try:
        stored = store_backlog(source, args.sites, args.events_per_site, workdir)
        for n in range(args.runs):
            for label, tree in trees.items():
                result = project_copy(source, tree)
                wall, cpu, rows = result["wall_s"], result["cpu_s"], result["rows"]
                print(f"run {n + 1} {label}: {wall:.2f} s, CPU {cpu:.2f} s", flush=True)
                first = next(iter(runs.values()), [])
                if result["batches"] != stored or rows["pending_projections"]:
                    raise RuntimeError(f"{label} projected {result['batches']} of {stored} batches")
                if first and rows != first[0]["rows"]:
                    raise RuntimeError(f"{label} made other rows: {rows} against {first[0]['rows']}")
                runs[label].append(result)
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{source}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)
    publish(
        report(args, stored, runs, ("python bench/bench_projector.py " + " ".join(argv)).strip()), args.report
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
