"""Pushing the hub's own data up: 产生 records from the weighing ledger, paged, each with a stable record id,
so a push interrupted after the province stored a page and resumed is received once."""

from __future__ import annotations

import dataclasses

import pytest
from exchange_support import Rig, rig
from sqlalchemy import text

from hub.core.deps import wall_clock_ms
from hub.exchange.pull import pull_all
from hub.exchange.push import push_production
from hub.inventory.tables import Bag

BAGS = 120


@pytest.fixture
def r(tmp_path):
    yield from rig(tmp_path)


def _bags(r: Rig) -> None:
    assert pull_all(r.write, r.client(), r.profile, now=wall_clock_ms, datasets=["enterprise"])[0].complete
    with r.write() as session, session.begin():
        ids = [i for (i,) in session.execute(text("SELECT id FROM enterprises ORDER BY id LIMIT 3"))]
        for n in range(BAGS):
            session.add(
                Bag(
                    code=f"BAG{n:05d}",
                    enterprise_id=ids[n % 3],
                    device_id="edge-1",
                    waste_code="900-249-08",
                    grams=12_345 + n,
                    commissioned_ms=1_795_392_000_000 + (n // 2) * 1000,  # pairs share a millisecond
                    batch_code=f"HWCS{n:08d}",
                    event_id=f"ev-{n}",
                )
            )


def test_a_push_sends_every_bag_once_in_pages(r):
    _bags(r)
    report = push_production(r.write, r.client(), r.profile, now=wall_clock_ms, page_size=50)
    assert report.complete and report.sent == BAGS and report.pages == 3
    assert len(r.platform.pushed) == BAGS and r.platform.push_duplicates == 0
    sent = r.platform.pushed["S_HubProduce:WT-PROD-BAG00007"]
    assert sent["weightT"] == "0.012352" and sent["wasteCode"] == "900-249-08"
    again = push_production(r.write, r.client(), r.profile, now=wall_clock_ms, page_size=50)
    assert again.complete and again.sent == 0


def test_a_push_interrupted_after_the_province_stored_it_is_received_once(r):
    _bags(r)
    once = r.client(profile=dataclasses.replace(r.profile, retries=0))
    first = push_production(r.write, once, r.profile, now=wall_clock_ms, page_size=50, max_pages=1)
    assert first.sent == 50
    r.platform.set_faults({"push_fail": True})  # the next page is stored at the province, then answered 500
    failed = push_production(r.write, once, r.profile, now=wall_clock_ms, page_size=50)
    assert not failed.complete and "HTTP 500" in (failed.error or "")
    assert len(r.platform.pushed) == 100  # stored there, though we did not hear so
    resumed = push_production(r.write, r.client(), r.profile, now=wall_clock_ms, page_size=50)
    assert resumed.complete and resumed.sent == BAGS - 50
    assert len(r.platform.pushed) == BAGS  # every bag received once
    assert r.platform.push_duplicates == 50  # the page sent again was recognised by its record ids
