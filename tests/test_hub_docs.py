"""The docs name every route the hub serves (docs/hub.md or the topic doc it links), and every setting."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.routing import iter_route_contexts
from test_hub_support import make_client, sqlite_url

ROOT = Path(__file__).resolve().parents[1]


def all_docs() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md")))


def served_routes(tmp_path) -> list[tuple[str, str]]:
    with make_client(tmp_path, sqlite_url(tmp_path)) as client:
        # FastAPI wraps included routers, so walk the route contexts rather than app.routes itself.
        return sorted(
            (method, r.path)
            for r in iter_route_contexts(client.app.routes)
            for method in (r.methods or ())
            if method != "HEAD"
        )


def test_the_route_walk_finds_the_hubs_routes(tmp_path):
    served = served_routes(tmp_path)
    assert ("POST", "/api/v1/batches") in served and ("GET", "/t/{code}") in served


def test_every_route_is_documented(tmp_path):
    docs = all_docs()
    missing = [
        f"{method} {path}"
        for method, path in served_routes(tmp_path)
        if f"`{method} {path}" not in docs and not (method == "GET" and f"`{path}`" in docs)
    ]
    assert missing == [], f"routes not named in docs/*.md: {missing}"


def test_every_setting_is_documented():
    docs = (ROOT / "docs" / "hub.md").read_text(encoding="utf-8")
    source = (ROOT / "hub" / "settings.py").read_text(encoding="utf-8")
    for name in set(re.findall(r'"(WT_HUB_[A-Z_]+)"', source)):
        assert f"`{name}`" in docs, f"{name} is not in docs/hub.md"
