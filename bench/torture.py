"""kill -9 torture: the edge agent killed at random instants while it weighs, prints and uploads, and the
hub killed during ingest; afterwards every printed label's events are at the hub exactly once and every
chain verifies.

    python bench/torture.py --kills 100                    # the full run (HTTP)
    python bench/torture.py --kills 100 --transport mqtt   # through a broker and a hub MQTT worker
    python bench/torture.py --kills 15 --json out.json     # what CI runs (tests/test_reliability_torture.py)

Everything runs as real processes (bench/edge_site.py): the hub on SQLite, the scale and printer
simulators, and the edge agent, whose ledger starts with `--backlog` events buffered "offline". A weigher
thread keeps putting bags on the scale and asking the touchscreen API to weigh them; the killer SIGKILLs
the agent after a random 0.3–2.5 s and starts it again. Another thread SIGKILLs the hub's ingest process
(and restarts it): first while the agent flushes its backlog, so the hub dies inside an ingest, then every
few seconds. Then the agent is left to drain its backlog and the checks run:

1. the edge's ledger verifies, event by event (hashes and links);
2. the hub holds the device's seqs 1..head, each once, with the edge's very hashes, and its chain verifies;
3. every label the printer simulator printed (its QR decoded from the PNG) names a bag whose
   commissioning event is in the ledger, and the hub holds that bag's events exactly as the ledger does.

Exit status 0 when all hold. A kill -9 is not a power cut (the kernel still writes what SQLite handed it);
power cuts are covered by SQLite's WAL with synchronous=FULL, which this run cannot simulate.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

from edge_site import Site, fill_ledger, get_json, post_json

from protocols.ledger import Event, verify_chain

DEVICE = "torture-edge"


class Weigher(threading.Thread):
    """Puts bags on the scale and weighs them through the touchscreen API, whatever happens to the agent."""

    def __init__(self, site: Site, seed: int) -> None:
        super().__init__(daemon=True)
        self.site = site
        self.rng = random.Random(seed)
        self.stop = threading.Event()
        self.attempts = self.answered = self.printed = 0

    def run(self) -> None:
        scale = f"http://127.0.0.1:{self.site.ports['scale_control']}/weight"
        while not self.stop.is_set():
            self.attempts += 1
            try:
                post_json(scale, {"grams": self.rng.randrange(500, 50_000, 10)}, timeout=5)
                status, body = post_json(
                    f"{self.site.ui(DEVICE)}/api/v1/weighings", {"waste_code": "900-249-08"}, timeout=30
                )
                if status == 201:
                    self.answered += 1
                    self.printed += bool(body.get("printed"))
                post_json(scale, {"grams": 0}, timeout=5)
            except OSError:
                time.sleep(0.2)  # the agent is down (killed) or restarting


class HubKiller(threading.Thread):
    """SIGKILLs the process that ingests (the hub, or its MQTT worker), then restarts it: first while the
    agent flushes the backlog it was started with (the hub is then busy ingesting batches of 1,000 events,
    so the kill lands inside an ingest), then every few seconds while bags are weighed."""

    def __init__(self, site: Site, name: str, every_s: float, seed: int, backlog: int) -> None:
        super().__init__(daemon=True)
        self.site, self.name, self.every_s, self.backlog = site, name, every_s, backlog
        self.rng = random.Random(seed)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.kills = 0

    def _flushing(self) -> bool:
        try:
            backlog = get_json(f"{self.site.ui(DEVICE)}/api/v1/status")["backlog"]
        except OSError:
            return False
        return 0 < backlog < self.backlog

    def run(self) -> None:
        deadline = time.monotonic() + 60
        while self.backlog and not self._flushing() and time.monotonic() < deadline:
            time.sleep(0.02)
        delay = self.rng.uniform(0, 0.3) if self.backlog else self.rng.uniform(0.5, 1.5) * self.every_s
        while not self.stop.wait(delay):
            with self.lock:
                self.site.kill(self.name)
                self.kills += 1
                time.sleep(self.rng.uniform(0, 0.5))
                self.site.start_hub() if self.name == "hub" else self.site.start_mqtt_worker()
            delay = self.rng.uniform(0.5, 1.5) * self.every_s


def torture(args: argparse.Namespace, work: Path) -> dict:
    rng = random.Random(args.seed)
    site = Site(work)
    ingest = "hub" if args.transport == "http" else "hub-mqtt-1"
    try:
        site.start_hub()
        if args.transport == "mqtt":
            site.start_broker()
            site.start_mqtt_worker()
        site.start_simulators()
        site.enrol_edge(DEVICE, transport=args.transport)
        fill_ledger(site.ledger_path(DEVICE), DEVICE, args.backlog)  # weeks offline, say
        site.start_edge(DEVICE)
        weigher = Weigher(site, args.seed)
        weigher.start()
        hub_killer = HubKiller(site, ingest, args.hub_every_s, args.seed + 1, args.backlog)
        if args.hub_every_s:
            hub_killer.start()
        for k in range(args.kills):
            time.sleep(rng.uniform(0.3, 2.5))
            with hub_killer.lock:  # the hub's restart and the agent's start both wait for ports; not at once
                site.kill(f"edge-{DEVICE}")
                site.start_edge(DEVICE)
            print(
                f"kill {k + 1}/{args.kills}, hub kills {hub_killer.kills}, bags {weigher.answered}",
                flush=True,
            )
        hub_killer.stop.set()
        hub_killer.join(60)
        weigher.stop.set()
        weigher.join(60)
        hub_kills = hub_killer.kills
        # A clean restart: the uplink's backoff starts afresh, then the backlog drains.
        site.kill(f"edge-{DEVICE}", signal.SIGTERM)
        site.start_edge(DEVICE)
        deadline = time.monotonic() + args.drain_s
        while get_json(f"{site.ui(DEVICE)}/api/v1/status")["backlog"]:
            if time.monotonic() > deadline:
                raise RuntimeError("the backlog did not drain")
            time.sleep(0.5)
        site.kill(f"edge-{DEVICE}", signal.SIGTERM)
        result = check(site)
        log = (work / "logs" / f"edge-{DEVICE}.log").read_text(encoding="utf-8", errors="replace")
        result.update(
            kills=args.kills,
            hub_kills=hub_kills,
            # Uploads that were in flight when the hub died (the edge saw the connection drop mid-request),
            # or whose receipt never came (MQTT: the worker died holding the batch).
            uploads_cut_by_hub_kills=log.count("Server disconnected") + log.count("no receipt from the hub"),
            weighings_tried=weigher.attempts,
            weighings_answered=weigher.answered,
            transport=args.transport,
        )
        return result
    finally:
        site.stop_all()


def check(site: Site) -> dict:
    problems: list[str] = []
    edge = sqlite3.connect(site.ledger_path(DEVICE))
    edge_events = [
        Event.from_dict(json.loads(b)) for (b,) in edge.execute("SELECT body FROM events ORDER BY seq")
    ]
    edge.close()
    head = verify_chain(edge_events) if edge_events else (0, None)
    from edge.ledger import Ledger

    ledger = Ledger(site.ledger_path(DEVICE), DEVICE)
    checked, problem = ledger.verify_chain()
    ledger.close()
    if problem:
        problems.append(f"edge ledger: {problem}")
    hub = sqlite3.connect(site.work / "hub.db")
    rows = hub.execute(
        "SELECT seq, event_hash, body, event_id FROM events WHERE device_id = ? ORDER BY seq", (DEVICE,)
    ).fetchall()
    hub.close()
    if [r[0] for r in rows] != list(range(1, len(edge_events) + 1)):
        problems.append(f"hub holds seqs {len(rows)} rows, edge head {len(edge_events)}")
    if len({r[3] for r in rows}) != len(rows):
        problems.append("an event_id appears twice at the hub")
    if [r[1] for r in rows] != [e.hash for e in edge_events]:
        problems.append("hub hashes differ from the edge's")
    try:
        if rows and verify_chain(Event.from_dict(json.loads(r[2])) for r in rows) != head:
            problems.append("the hub's chain head differs from the edge's")
    except ValueError as exc:
        problems.append(f"the hub's chain does not verify: {exc}")
    labels, unreadable = printed_codes(site.work / "labels")
    by_code_edge: dict[str, list[int]] = {}
    for e in edge_events:
        by_code_edge.setdefault(e.code, []).append(e.seq)
    by_code_hub: dict[str, list[int]] = {}
    for seq, _, body, _ in rows:
        by_code_hub.setdefault(json.loads(body)["code"], []).append(seq)
    for code in set(labels):
        if code not in by_code_edge:
            problems.append(f"label {code} was printed but its bag is not in the ledger")
        elif by_code_hub.get(code) != by_code_edge[code]:
            problems.append(
                f"bag {code}: hub holds seqs {by_code_hub.get(code)}, ledger {by_code_edge[code]}"
            )
    return {
        "ok": not problems,
        "problems": problems[:20],
        "events": len(edge_events),
        "events_checked": checked,
        "labels_printed": len(labels),
        "bags_labelled": len(set(labels)),
        "labels_unreadable": unreadable,
    }


def printed_codes(folder: Path) -> tuple[list[str], int]:
    """The code in each printed label's QR (…/t/{code}); and how many images had no readable QR."""
    import zxingcpp
    from PIL import Image

    codes, unreadable = [], 0
    for png in sorted(folder.glob("*.png")):
        try:
            found = [r.text for r in zxingcpp.read_barcodes(Image.open(png))]
        except OSError:
            found = []
        urls = [t for t in found if "/t/" in t]
        if urls:
            codes.append(urls[0].rsplit("/t/", 1)[1])
        else:
            unreadable += 1
    return codes, unreadable


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument(
        "--hub-every-s", type=float, default=8.0, help="kill the hub's ingest about this often (0: never)"
    )
    parser.add_argument("--transport", choices=["http", "mqtt"], default="http")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--backlog", type=int, default=20_000, help="events in the ledger before the first start (offline)"
    )
    parser.add_argument("--drain-s", type=float, default=300)
    parser.add_argument("--work", type=Path, help="keep everything here (default: a temporary folder)")
    parser.add_argument("--json", type=Path, help="write the result here")
    parser.add_argument(
        "--report", type=Path, help="add the result to this Markdown file (docs/bench-edge.md)"
    )
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="wt-torture-"))
    result = torture(args, work)
    result["work"] = str(work)
    text = json.dumps(result, ensure_ascii=False, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text, encoding="utf-8")
    if args.report:
        report(args.report, result)
    return 0 if result["ok"] else 1


def report(path: Path, r: dict) -> None:
    """Put this run's line in the torture table of `path` (one line per transport, the newest kept)."""
    import datetime

    heading = "## kill -9 torture"
    date = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    command = f"python bench/torture.py {' '.join(sys.argv[1:])}".replace(f" --report {path}", "")
    verdict = "yes" if r["ok"] else "NO: " + "; ".join(r["problems"][:3])
    row = (
        f"| {r['transport'].upper()} | {r['kills']} | {r['hub_kills']} | {r['uploads_cut_by_hub_kills']} "
        f"| {r['events']} | {r['labels_printed']} ({r['bags_labelled']} bags) | {verdict} "
        f"| `{command}`, {date} |"
    )
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    before, _, section = text.partition(heading)
    if not _:
        before = text.rstrip("\n") + "\n\n"
        section = (
            "\n\nThe edge agent SIGKILLed at random instants while it weighs, prints and uploads, and the "
            "hub's ingest process SIGKILLed every few seconds; then every printed label's QR is decoded, its "
            "bag's events compared with the hub's, and both chains verified (bench/torture.py).\n\n"
            "| transport | edge kills | hub kills | uploads the edge saw cut | events | labels printed "
            "| every label's events at the hub once, chains verify | command, date |\n"
            "|---|---:|---:|---:|---:|---:|---|---|\n"
        )
    own, sep, after = section.partition("\n## ")
    lines = [line for line in own.split("\n") if not line.startswith(f"| {r['transport'].upper()} | ")]
    at = max(i for i, line in enumerate(lines) if line.startswith("|---|"))
    lines.insert(at + 1, row)
    own = "\n".join(lines).rstrip("\n") + "\n"
    path.write_text(before + heading + own + (("\n## " + after) if sep else ""), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
