"""Every integer the hub takes from a caller — in a path, a query, a form or a JSON body, on an API route or
a page — has a lowest and a highest value, and a number past them is refused with a 422 before the route
runs, changing nothing. Before, `?after=` of 29 digits reached SQLite, which cannot hold it (OverflowError:
a 500)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import TypeAdapter
from test_hub_support import USCC, admin, count, make_client, sqlite_url, viewer

INT64 = (-(2**63), 2**63 - 1)
HUGE = 77413455731037617195413667840  # what a fuzzer sent; past any database's integers


@pytest.fixture
def client(tmp_path, db_url) -> Iterator[TestClient]:
    with make_client(tmp_path, db_url) as client:
        yield client


def unbounded_integers(schema: dict[str, Any], where: str, defs: dict[str, Any]) -> Iterator[str]:
    """The places in a JSON schema where an integer lacks a bound, or has one past a 64-bit integer's."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in defs:  # not when a model holds itself: it is being looked at already
            others = {k: v for k, v in defs.items() if k != name}
            yield from unbounded_integers(defs[name], f"{where}>{name}", others)
        return
    if schema.get("type") == "integer":
        low = schema.get("minimum", schema.get("exclusiveMinimum"))
        high = schema.get("maximum", schema.get("exclusiveMaximum"))
        if low is None or high is None or low < INT64[0] or high > INT64[1]:
            yield f"{where} (minimum {low}, maximum {high})"
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            yield from unbounded_integers(option, where, defs)
    for name, member in schema.get("properties", {}).items():
        yield from unbounded_integers(member, f"{where}.{name}", defs)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from unbounded_integers(schema[key], f"{where}[]", defs)


def caller_fields(dependant: Dependant) -> Iterator[Any]:
    """What a request supplies to the route and to every dependency it has."""
    yield from dependant.path_params
    yield from dependant.query_params
    yield from dependant.header_params
    yield from dependant.cookie_params
    yield from dependant.body_params
    for sub in dependant.dependencies:
        yield from caller_fields(sub)


def route_integers(route: APIRoute) -> Iterator[str]:
    for field in caller_fields(route.dependant):
        # As FastAPI validates it: the declared type with its Query/Path/Body/Form and their bounds.
        schema = TypeAdapter(Annotated[field.field_info.annotation, field.field_info]).json_schema()
        yield from unbounded_integers(schema, field.name, schema.get("$defs", {}))


def test_every_integer_a_route_takes_is_bounded(tmp_path):
    # The routes are the same on either database: read once, from a hub on SQLite.
    app = make_client(tmp_path, sqlite_url(tmp_path)).app
    routes = [r for r in iter_route_contexts(app.routes) if isinstance(r.original_route, APIRoute)]
    assert len(routes) > 150  # the API's and the pages', through the routers that include them
    unbounded = [
        f"{'/'.join(sorted(route.methods))} {route.path}: {where}"
        for route in routes
        for where in route_integers(route.original_route)
    ]
    assert unbounded == []


def test_a_query_number_past_its_bound_is_refused_not_a_server_error(client):
    headers = viewer(client)
    for path in (
        f"/api/v1/warnings/events?after={HUGE}",
        f"/api/v1/warnings?since_ms={HUGE}",
        f"/api/v1/warnings?offset={HUGE}",
        f"/api/v1/warnings/{HUGE}",
        f"/api/v1/inspections?offset={HUGE}",
    ):
        answer = client.get(path, headers=headers)
        assert answer.status_code == 422, (path, answer.text)
        assert answer.json()["detail"].startswith("请求有误：")  # Chinese first, pydantic's English after
        assert "less than or equal to" in answer.json()["detail"]
    answer = client.get(f"/api/v1/analytics/warnings?since_ms={HUGE}", headers=admin())
    assert answer.status_code == 422, answer.text


def test_a_body_number_past_its_bound_is_refused_and_nothing_is_made(client, db_url):
    regulator = viewer(client)
    before = count(db_url, "enterprises")
    enterprise = {"uscc": USCC, "name": "某化工", "region_code": "110101", "roles": ["producer"]}
    beijing = {"lat_e6": 39_900_000, "lon_e6": 116_400_000}
    for bad in ({"lat_e6": HUGE}, {"lon_e6": 180_000_001}, {"lat_e6": -90_000_001}):
        answer = client.post("/api/v1/enterprises", json={**enterprise, **beijing, **bad}, headers=regulator)
        assert answer.status_code == 422, answer.text
    assert count(db_url, "enterprises") == before
    made = client.post("/api/v1/enterprises", json={**enterprise, **beijing}, headers=regulator)
    assert made.status_code == 201, made.text
    facility = {"code": "F1", "name": "危废仓库", "kind": "贮存库", "capacity_grams": 10**15 + 1}
    answer = client.post(f"/api/v1/enterprises/{USCC}/facilities", json=facility, headers=regulator)
    assert answer.status_code == 422, answer.text
    assert count(db_url, "facility_versions") == 0
