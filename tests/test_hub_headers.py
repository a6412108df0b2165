"""The security headers middleware (hub/web/headers.py) as a pure ASGI middleware: every header on every kind
of answer — an error, a redirect, a streamed answer whose parts arrive one by one — and an answer's own
headers kept."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.responses import PlainTextResponse, RedirectResponse, StreamingResponse
from fastapi.testclient import TestClient

from hub.web.headers import BASE_HEADERS, HSTS, STRICT_CSP, SecurityHeaders

PAGE_CSP = "default-src 'self'"


def small_app(https: bool) -> FastAPI:
    app = FastAPI()

    @app.get("/error")
    def error() -> None:
        raise HTTPException(418, "no")

    @app.get("/page")
    def page() -> PlainTextResponse:
        return PlainTextResponse(
            "page", headers={"Content-Security-Policy": PAGE_CSP, "X-Frame-Options": "SAMEORIGIN"}
        )

    @app.get("/away")
    def away() -> RedirectResponse:
        return RedirectResponse("/page")

    @app.get("/stream")
    def stream() -> StreamingResponse:
        async def parts() -> AsyncIterator[bytes]:
            for n in range(3):
                yield f"part {n}\n".encode()

        return StreamingResponse(parts(), media_type="text/event-stream")

    app.add_middleware(SecurityHeaders, https=https)
    return app


def assert_every_header(headers, csp: str = STRICT_CSP) -> None:
    for name, value in BASE_HEADERS.items():
        assert headers.get_list(name) == [value], name
    assert headers.get_list("content-security-policy") == [csp]


@pytest.mark.parametrize("https", [False, True])
@pytest.mark.parametrize("path", ["/error", "/nowhere", "/away", "/stream"])
def test_every_answer_gets_every_header_once(path, https):
    answer = TestClient(small_app(https)).get(path, follow_redirects=False)
    assert answer.status_code in (200, 307, 404, 418)
    assert_every_header(answer.headers)
    assert answer.headers.get_list("strict-transport-security") == ([HSTS] if https else [])


def test_an_answers_own_headers_are_kept():
    answer = TestClient(small_app(False)).get("/page")
    assert answer.headers.get_list("content-security-policy") == [PAGE_CSP]
    assert answer.headers.get_list("x-frame-options") == ["SAMEORIGIN"]
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_a_streamed_answer_streams_through_it():
    with TestClient(small_app(False)).stream("GET", "/stream") as answer:
        assert_every_header(answer.headers)
        assert answer.headers["content-type"].startswith("text/event-stream")
        assert list(answer.iter_lines()) == ["part 0", "part 1", "part 2"]


async def test_each_part_of_a_streamed_answer_is_sent_as_its_own_message():
    """Nothing is gathered: the middleware edits the start message and passes every body message on as is."""
    app = small_app(False)
    sent: list[dict] = []

    requested = False

    async def receive() -> dict:
        nonlocal requested
        if requested:  # the client stays: a streamed answer listens for its going away
            await asyncio.Event().wait()
        requested = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": "/stream", "raw_path": b"/stream", "root_path": "", "query_string": b"", "headers": [],
        "client": ("127.0.0.1", 1), "server": ("test", 80),
    }  # fmt: skip
    await app(scope, receive, send)
    assert sent[0]["type"] == "http.response.start"
    names = [name for name, _ in sent[0]["headers"]]
    assert b"content-security-policy" in names and b"x-content-type-options" in names
    bodies = [m["body"] for m in sent[1:] if m["body"]]
    assert bodies == [b"part 0\n", b"part 1\n", b"part 2\n"]
