"""Text a database cannot keep, sent to the hub's API by a logged-in user: a lone surrogate (JSON can spell
one, UTF-8 cannot carry it) and the NUL character (PostgreSQL's text cannot hold it, XML cannot carry it).
Each is a 422 that says why, on both databases, and nothing is made; before, the first answered 500 (the
refusal itself could not be written out) and the second 500 on PostgreSQL. A refusal repeats only a bounded
prefix of what it refused. (Inside signed envelopes: tests/test_hub_hostile.py.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from test_hub_support import USCC, count, make_client, viewer

ENTERPRISE = '{"uscc": "%s", "name": "%s", "region_code": "110101", "roles": ["producer"]}'


@pytest.fixture
def client(tmp_path, db_url) -> Iterator[TestClient]:
    with make_client(tmp_path, db_url) as client:
        yield client


def create(client: TestClient, name: str):
    """POST an enterprise whose name is `name` as written inside the JSON text (escapes and all)."""
    body = (ENTERPRISE % (USCC, name)).encode()
    headers = {**viewer(client), "Content-Type": "application/json"}
    return client.post("/api/v1/enterprises", content=body, headers=headers)


@pytest.mark.parametrize(
    ("name", "says"),
    [("\\ud800", "UTF-8 无法表示的字符"), ("危废\\u0000仓库", "NUL 字符")],
    ids=["lone surrogate", "NUL"],
)
def test_text_no_database_can_keep_is_refused_and_nothing_is_made(client, db_url, name, says):
    answer = create(client, name)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"].startswith("请求有误：") and says in answer.json()["detail"]
    assert count(db_url, "enterprises") == 0
    assert create(client, "某化工有限公司").status_code == 201


def test_a_nul_in_a_query_is_never_a_server_error(client, db_url):
    answer = client.get("/api/v1/warnings?enterprise=%00x", headers=viewer(client))
    if db_url.startswith("postgresql"):
        # The database refused to compare with it: a 422 (hub/web/errors.py, database_refused).
        assert answer.status_code == 422, answer.text
        assert answer.json()["reason"] == "unstorable"
    else:
        assert answer.status_code == 200 and answer.json()["total"] == 0


def test_a_refusal_repeats_only_a_bounded_prefix_of_what_it_refused(client):
    answer = create(client, "厂" * 100_000 + "\\ud800")
    assert answer.status_code == 422
    assert len(answer.content) < 5_000
    echoed = answer.json()["errors"][0]["input"]
    assert echoed.endswith("…(100001 chars)") and len(echoed) < 300
