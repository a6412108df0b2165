"""The fleet simulator at small size against a served hub: 50 sites for a fast-forwarded hour over four
connections at once, every figure it reports equal to what the hub then holds (events by kind, bags, HJ 1259
records, manifests, receipts, GPS)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import asdict, replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from test_hub_support import ADMIN_TOKEN, count, rows, sqlite_url

from hub.core.db import make_engine, write_sessions
from hub.core.deps import wall_clock_ms
from hub.ledger.projector import project_backlog
from simulators.fleet import Fleet, Hub, Links, Storm, Summary, build_parser, parse_start
from simulators.fleet_counts import compare

ROOT = Path(__file__).resolve().parents[1]


def serve(tmp_path: Path, **settings: str) -> Iterator[tuple[str, str]]:
    """A real `wastetrace hub serve` on SQLite: (its URL, its database URL)."""
    db = sqlite_url(tmp_path)
    env = {
        **os.environ,
        "WT_HUB_ADMIN_TOKEN": ADMIN_TOKEN,
        "WT_HUB_KEY_FILE": str(tmp_path / "hub-key.pem"),
        "PYTHONPATH": str(ROOT),
        **settings,
    }
    command = [sys.executable, "-m", "wastetrace.cli", "hub", "serve", "--db", db, "--port", "0"]
    command += ["--log-level", "warning"]
    proc = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("hub: http://"), line
        yield line.split(" ", 1)[1].strip(), db
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture
def served(tmp_path) -> Iterator[tuple[str, str]]:
    yield from serve(tmp_path)


@pytest.fixture
def served_busy(tmp_path) -> Iterator[tuple[str, str]]:
    """A hub worker that takes one batch at a time: returning sites are asked to come back later."""
    yield from serve(tmp_path, WT_HUB_INGEST_LIMIT="1")


def test_the_hub_holds_exactly_what_the_fleet_sent(served):
    url, db = served
    hub = Hub(url)
    try:
        # The small city: 50 sites for an hour, 09:00–10:00 China time, when every shift has begun.
        fleet = Fleet(
            hub, ADMIN_TOKEN, 50, seed=7, start_ms=parse_start("2026-12-01T09:00"), pickup_hours=1, clients=4
        )
        fleet.register()
        offline = fleet.producers[0]  # its uplink down for the whole run: it catches up at the end
        offline.outage = (fleet.start_ms, fleet.start_ms + 10 * 3_600_000)
        summary = fleet.run(1)
    finally:
        hub.close()
    assert summary.sites == {"producer": 40, "transporter": 5, "receiver": 5}
    assert summary.bags > 0 and summary.manifests > 0  # the seed gives a city that ships something
    assert summary.events == sum(summary.events_by_kind.values())
    by_kind = summary.events_by_kind
    assert by_kind["commissioning"] == by_kind["encoding"] == by_kind["storing"] == summary.bags
    assert by_kind["receiving"] == by_kind["departing"] == summary.receipts

    counts = compare(summary, db)
    assert [c for c in counts if not c.equal] == []
    figures = {c.figure for c in counts}
    assert {
        "events",
        "bags",
        "storage_records",
        "stock",
        "manifests_received",
        "receipts",
        "gps_points",
    } <= figures
    assert {"chain_heads", "refused_batches", "refused_events", "events: staging_outbound"} <= figures
    one_bag_more = replace(summary, bags=summary.bags + 1)  # the comparison sees a bag the hub lacks
    assert {c.figure for c in compare(one_bag_more, db) if not c.equal} == {"bags", "stock"}
    assert offline.outbox == [] and offline.seq > 0
    held = rows(db, f"SELECT last_seq FROM devices WHERE device_id = '{offline.device_id}'")
    assert held[0][0] == offline.seq


@pytest.fixture
def served_deferred(tmp_path) -> Iterator[tuple[str, str]]:
    """A hub worker that answers a batch once it is stored, and projects it after (its own projector)."""
    yield from serve(tmp_path, WT_HUB_PROJECTION="deferred")


def test_a_hub_projecting_after_its_answers_holds_exactly_what_the_fleet_sent(served_deferred):
    url, db = served_deferred
    hub = Hub(url)
    try:
        fleet = Fleet(
            hub, ADMIN_TOKEN, 30, seed=7, start_ms=parse_start("2026-12-01T09:00"), pickup_hours=1, clients=4
        )
        fleet.register()
        summary = fleet.run(1)
    finally:
        hub.close()
    assert summary.manifests > 0 and summary.receipts > 0  # bags loaded, shipped and received
    engine = make_engine(db)
    try:  # what the hub's projector has not taken yet, taken here (the two take turns)
        project_backlog(write_sessions(engine), wall_clock_ms)
    finally:
        engine.dispose()
    assert count(db, "pending_projections") == 0
    assert [c for c in compare(summary, db) if not c.equal] == []


def test_after_a_storm_the_hub_holds_exactly_the_backlog_every_site_brought_back(served_busy):
    url, db = served_busy
    hub = Hub(url)
    try:
        fleet = Fleet(hub, ADMIN_TOKEN, 12, seed=11, start_ms=parse_start("2026-12-01T08:00"))
        fleet.register()
        summary = fleet.run(3, Storm(within_s=0.5, clients=4))
    finally:
        hub.close()
    assert summary.storm_events > 0 and summary.storm_seconds > 0
    # Nothing went before the storm; the backlog, then the end-of-run pickups, are all the hub holds.
    picked_up = "SELECT count(*) FROM events WHERE kind IN ('staging_outbound', 'departing', 'receiving')"
    assert summary.events == count(db, "events") == summary.storm_events + rows(db, picked_up)[0][0]
    assert [c for c in compare(summary, db) if not c.equal] == []
    assert all(not s.outbox for s in fleet.sites)


def test_the_command_line_names_its_options():
    args = build_parser().parse_args(
        ["--sites", "20", "--hub", "http://h", "--admin-token", "t", "--hours", "1"]
    )
    assert (args.sites, args.hours, args.transport, args.seed) == (20, 1, "http", 1)
    assert (args.storm, args.return_within, args.clients) == (False, 60.0, 8)


def test_sites_whose_sessions_the_hub_ended_while_the_city_registered_sign_in_again(served):
    """Registering a city's 4,200 sites takes longer than the hub's idle timeout (10 minutes): the sessions
    opened first have ended by the time their sites ship. Each site signs in again when the hub says so."""
    url, db = served
    hub = Hub(url)
    try:
        fleet = Fleet(hub, ADMIN_TOKEN, 20, seed=7, start_ms=parse_start("2026-12-01T09:00"), pickup_hours=1)
        fleet.register()
        idle = "UPDATE sessions SET last_seen_ms = created_ms - 11 * 60 * 1000"  # idle past the timeout
        engine = create_engine(db)
        with engine.begin() as conn:
            ended = conn.execute(text(idle)).rowcount
        engine.dispose()
        summary = fleet.run(2)
    finally:
        hub.close()
    assert ended >= 20 and summary.manifests > 0  # every site's account had to sign in again to ship
    assert count(db, "manifests") == summary.manifests
    assert count(db, "receipts") == summary.receipts
    assert count(db, "gps_points") == summary.gps_points


def test_a_seed_gives_the_same_figures_over_one_connection_as_over_several(tmp_path):
    """Sites act at once over several connections; what is drawn at random is drawn before the calls go."""

    def day(folder: str, clients: int) -> tuple[Summary, str]:
        (tmp_path / folder).mkdir()
        with contextlib.contextmanager(serve)(tmp_path / folder) as (url, db):
            hub = Hub(url)
            try:
                start = parse_start("2026-12-01T08:00")
                fleet = Fleet(hub, ADMIN_TOKEN, 20, seed=5, start_ms=start, pickup_hours=1, clients=clients)
                fleet.register()
                return fleet.run(2), db
            finally:
                hub.close()

    alone, _ = day("one", 1)
    together, db = day("four", 4)
    assert alone.manifests > 1 and alone.receipts > 0  # carriers and disposers were called more than once
    timing = {"wall_seconds", "busy_answers"}
    assert {k: v for k, v in asdict(together).items() if k not in timing} == {
        k: v for k, v in asdict(alone).items() if k not in timing
    }
    assert [c for c in compare(together, db) if not c.equal] == []


def test_a_failure_on_one_connection_is_raised_to_the_caller_not_lost_in_its_thread():
    links = Links("http://127.0.0.1:9", 3)  # nothing is sent: the work below never calls the hub
    done: list[int] = []

    def work(_hub: Hub, item: int) -> None:
        if item == 5:
            raise KeyError(item)  # a bug in one site's step, not a refusal by the hub
        done.append(item)

    with pytest.raises(KeyError):
        links.each(work, list(range(40)))
    assert 5 not in done
    links.each(lambda _hub, item: done.append(item), [100, 101])  # the links serve the next round
    assert done[-2:] in ([100, 101], [101, 100])
