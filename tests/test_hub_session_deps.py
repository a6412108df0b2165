"""Sessions given to routes (hub/core/deps.py): a WriteSession commits when the route returns and rolls back
when it raises, a refusal included; a ReadSession sees what was committed. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from test_hub_support import empty_tables, make_client, postgres_url, sqlite_url

from hub.access.tables import AuditEntry
from hub.core.deps import Hub, ReadSession, WriteSession
from hub.core.errors import Conflict, HubError
from hub.web.errors import hub_error


def _entry(action: str) -> AuditEntry:
    return AuditEntry(
        time_ms=1,
        actor="test",
        role=None,
        action=action,
        method="POST",
        path="/",
        status=200,
        outcome="ok",
        client=None,
        detail="{}",
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def hub(request: pytest.FixtureRequest, tmp_path) -> Iterator[Hub]:
    if request.param == "sqlite":
        url = sqlite_url(tmp_path)
    else:
        url = postgres_url()
        make_client(tmp_path, url).close()  # migrated before the tables are emptied
        empty_tables(url)
    with make_client(tmp_path, url) as client:
        yield client.app.state.hub


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    app = FastAPI()
    app.state.hub = hub
    app.add_exception_handler(HubError, hub_error)  # type: ignore[arg-type]  # JSON under /api/

    @app.post("/api/kept")
    def kept(session: WriteSession) -> dict[str, Any]:
        session.add(_entry("kept"))
        return {"ok": True}

    @app.post("/api/refused")
    def refused(session: WriteSession) -> None:
        session.add(_entry("refused"))
        session.flush()  # written, then refused: the refusal must undo it
        raise Conflict("刚被他人修改 (changed by someone else)")

    @app.post("/api/http-refused")
    def http_refused(session: WriteSession) -> None:
        session.add(_entry("http-refused"))
        session.flush()
        raise HTTPException(409, "no")

    @app.get("/api/count")
    def count(session: ReadSession, action: str) -> int:
        return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))

    with TestClient(app) as c:
        yield c


def _held(hub: Hub, action: str) -> int:
    with hub.read() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


def test_a_write_session_commits_before_the_answer(client, hub):
    assert client.post("/api/kept").json() == {"ok": True}
    assert _held(hub, "kept") == 1
    assert client.get("/api/count", params={"action": "kept"}).json() == 1


def test_a_refusal_rolls_the_write_back(client, hub):
    answer = client.post("/api/refused")
    assert answer.status_code == 409
    assert answer.json() == {"detail": "刚被他人修改 (changed by someone else)"}
    assert _held(hub, "refused") == 0


def test_an_http_refusal_rolls_the_write_back(client, hub):
    assert client.post("/api/http-refused").status_code == 409
    assert _held(hub, "http-refused") == 0
