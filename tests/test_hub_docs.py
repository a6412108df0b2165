"""docs/hub.md documents every route the hub serves, and every setting it reads."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.routing import APIRoute
from test_hub_support import make_client, sqlite_url

ROOT = Path(__file__).resolve().parents[1]


def test_every_route_is_documented(tmp_path):
    docs = (ROOT / "docs" / "hub.md").read_text(encoding="utf-8")
    with make_client(tmp_path, sqlite_url(tmp_path)) as client:
        routes = [r for r in client.app.routes if isinstance(r, APIRoute)]
    for route in routes:
        for method in route.methods - {"HEAD"}:
            if route.path.startswith("/api/"):
                assert f"`{method} {route.path}`" in docs, f"{method} {route.path} is not in docs/hub.md"
            else:
                assert f"`{route.path}`" in docs or f"`GET {route.path}" in docs, route.path


def test_every_setting_is_documented():
    docs = (ROOT / "docs" / "hub.md").read_text(encoding="utf-8")
    source = (ROOT / "hub" / "settings.py").read_text(encoding="utf-8")
    for name in set(re.findall(r'"(WT_HUB_[A-Z_]+)"', source)):
        assert f"`{name}`" in docs, f"{name} is not in docs/hub.md"
