"""The manifest list at any size: filtered, sorted, counted and paged by the database, so a filter reaches
the oldest manifest as well as the newest; the caller's scope in the query; the export takes the whole
filtered list; overdue is worked out for the manifests in transit."""

from __future__ import annotations

import csv
import io

import pytest
from test_hub_stats import shipped_to_d1_and_disposed
from test_hub_support import sqlite_url
from test_hub_world import ORGS, World, build_world

DAY_MS = 86_400_000


@pytest.fixture
def w(tmp_path) -> World:
    world = build_world(tmp_path, sqlite_url(tmp_path))
    with world.client:
        yield world


def _drafts(w: World, shipper: str, n: int, carrier: str = "T1", receiver: str = "D1") -> list[str]:
    body = {"carrier_uscc": ORGS[carrier].uscc, "receiver_uscc": ORGS[receiver].uscc}
    return [w.ok("POST", "/api/v1/manifests", shipper, body, status=201)["number"] for _ in range(n)]


def _listed(w: World, query: str, user: str = "regulator") -> list[dict[str, str]]:
    answer = w.client.get(f"/manifests?{query}&format=csv", headers=w.h(user))
    assert answer.status_code == 200, answer.text
    return list(csv.DictReader(io.StringIO(answer.text.lstrip("\ufeff"))))


def test_the_list_pages_through_every_manifest_and_a_filter_reaches_the_oldest(w):
    numbers = _drafts(w, "p1", 61)
    first = w.client.get("/manifests", headers=w.h("regulator")).text
    assert numbers[-1] in first and numbers[0] not in first  # newest first, 50 a page
    assert "61" in first
    second = w.client.get("/manifests?page=2", headers=w.h("regulator")).text
    assert numbers[0] in second and numbers[-1] not in second
    assert [r["联单编号"] for r in _listed(w, f"number={numbers[0]}")] == [numbers[0]]
    assert len(_listed(w, "state=draft")) == 61 and _listed(w, "state=submitted") == []
    ascending = _listed(w, "sort=number")
    assert [r["联单编号"] for r in ascending] == sorted(numbers)
    beyond = w.client.get("/manifests?page=99", headers=w.h("regulator"))
    assert beyond.status_code == 200 and numbers[0] in beyond.text  # past the end: the last page


def test_parties_are_found_by_name_or_uscc_and_never_outside_the_callers_scope(w):
    mine = _drafts(w, "p1", 2)
    theirs = _drafts(w, "p2", 1, "T2", "D2")  # Nanjing's, carried and received in Nanjing
    by_name = {r["联单编号"] for r in _listed(w, "party=保定某化工")}
    assert by_name == set(mine)
    by_uscc = {r["联单编号"] for r in _listed(w, f"party={ORGS['P1'].uscc}")}
    assert by_uscc == set(mine)
    assert {r["联单编号"] for r in _listed(w, "party=南京")} == set()  # Nanjing's are not Baoding's
    assert {r["联单编号"] for r in _listed(w, "party=南京", "nj-regulator")} == set(theirs)
    carried = {r["联单编号"] for r in _listed(w, "party=运输", "t1")}
    assert carried == set(mine)  # the carrier sees the manifests naming it


def test_departure_dates_weights_and_overdue_are_filtered_and_sorted_in_the_query(w):
    _drafts(w, "p1", 3)
    moved = shipped_to_d1_and_disposed(w)  # departed 2026-11-23, received at D1
    departed = _listed(w, "since=2026-11-23&until=2026-11-23")
    assert [r["联单编号"] for r in departed] == [moved]
    assert _listed(w, "since=2026-11-24") == []
    heaviest = _listed(w, "sort=shipped_grams&desc=1")
    assert heaviest[0]["联单编号"] == moved and heaviest[0]["发运重量"].startswith("10")
    assert _listed(w, "overdue=yes") == []
    w.clock.now_ms += 12 * DAY_MS  # five working days after arrival have passed, unconfirmed
    late = _listed(w, "overdue=yes")
    assert [r["联单编号"] for r in late] == [moved]
    assert moved not in {r["联单编号"] for r in _listed(w, "overdue=no")}
    first = _listed(w, "sort=overdue&desc=1")
    assert first[0]["联单编号"] == moved


def test_malformed_filters_are_refused_in_words(w):
    for query in ("state=lost", "since=2026-13-01", "sort=nothing"):
        answer = w.client.get(f"/manifests?{query}", headers=w.h("regulator"))
        assert answer.status_code == 422, query
