"""Anonymous scans of /t/{code} are limited per source address; logged-in readers are not counted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from test_hub_support import CODE, Clock, SimDevice, enrol, login_pages, make_settings, sqlite_url

from hub.app import create_app


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(tmp_path, clock) -> Iterator[TestClient]:
    app = create_app(make_settings(tmp_path, sqlite_url(tmp_path), scan_rate=5), clock=clock)
    with TestClient(app) as client:
        site = SimDevice()
        enrol(client, site)
        site.record()
        assert client.post("/api/v1/batches", json=site.batch()).status_code == 200
        yield client


def test_guessing_codes_anonymously_is_slowed_to_the_rate(client, clock):
    guesses = [CODE[:-3] + f"{n:03d}" for n in range(2, 6)] + [CODE]
    assert [client.get(f"/t/{code}").status_code for code in guesses] == [404, 404, 404, 404, 200]
    refused = client.get(f"/t/{CODE}")
    assert refused.status_code == 429 and "retry-after" in refused.headers
    clock.now_ms += 60_000
    assert client.get(f"/t/{CODE}").status_code == 200


def test_a_logged_in_reader_is_not_counted(client):
    login_pages(client)
    assert all(client.get(f"/t/{CODE}").status_code == 200 for _ in range(10))
