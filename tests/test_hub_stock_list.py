"""The region's stock list at any size: filtered, sorted, counted and paged by the database, so a filter
reaches every bag in storage; over-capacity is worked out per facility; the caller's scope in the query."""

from __future__ import annotations

import csv
import io

import pytest
from test_hub_support import START_MS, sqlite_url
from test_hub_world import DRUMS, OIL, ORGS, World, bag_code, build_world


@pytest.fixture
def w(tmp_path) -> World:
    world = build_world(tmp_path, sqlite_url(tmp_path))
    with world.client:
        yield world


def _store(w: World, org: str, n: int, grams: int, waste: str = OIL, first: int = 1) -> list[str]:
    codes = []
    for i in range(first, first + n):
        code = bag_code(ORGS[org], waste, i)
        w.record(org, "commissioning", code, START_MS + i * 1000, waste_code=waste, grams=grams)
        w.record(org, "storing", code, START_MS + i * 1000 + 500, waste_code=waste, grams=grams)
        codes.append(code)
    w.send(org)
    return codes


def _listed(w: World, query: str, user: str = "regulator") -> list[dict[str, str]]:
    answer = w.client.get(f"/stock?{query}&format=csv", headers=w.h(user))
    assert answer.status_code == 200, answer.text
    return list(csv.DictReader(io.StringIO(answer.text.lstrip("\ufeff"))))


def test_the_stock_list_pages_counts_and_sorts_every_bag(w):
    oil = _store(w, "P1", 60, 600_000)  # 36 t in F01, a 30 t store: over capacity
    drums = _store(w, "P1", 2, 1_000, DRUMS, first=100)
    _store(w, "P2", 3, 1_000)  # Nanjing's
    first = w.client.get("/stock", headers=w.h("regulator")).text
    assert "62" in first and oil[0] in first  # the oldest first
    second = w.client.get("/stock?page=2", headers=w.h("regulator")).text
    assert drums[-1] in second and oil[0] not in second
    assert len(_listed(w, "")) == 62  # the export: the whole list, not Nanjing's
    assert {r["数字识别码"] for r in _listed(w, "category=HW49")} == set(drums)
    assert {r["数字识别码"] for r in _listed(w, "hazard=In")} == set(drums)
    assert len(_listed(w, "q=保定某化工")) == 62 and _listed(w, "q=南京") == []
    assert len(_listed(w, "q=南京", "nj-regulator")) == 3
    over = _listed(w, "over=yes")
    assert len(over) == 62 and all(r["设施超容量"] in ("是", "yes", "True") for r in over)
    light = _listed(w, "sort=grams")
    assert {r["数字识别码"] for r in light[:2]} == set(drums)
    w.clock.now_ms += 4 * 86_400_000  # the bags were stored in the first two minutes
    assert len(_listed(w, "min_age=3")) == 62 and _listed(w, "min_age=4") == []


def test_malformed_stock_filters_are_refused_in_words(w):
    for query in ("min_age=-1", "hazard=X", "sort=nothing"):
        assert w.client.get(f"/stock?{query}", headers=w.h("regulator")).status_code == 422, query
