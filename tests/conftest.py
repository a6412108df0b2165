"""Fixtures several test files share. `wait_for` lives in tests/waiting.py (a plain import).

`db_url` is a hub database of each kind: a fresh SQLite file, and the session's PostgreSQL database migrated
and emptied (test_hub_support.postgres_url).

`scale` and `printer` are the simulators an edge under test weighs and prints with: a scale on a
pseudo-terminal that settles in 300 ms, and an ESC/POS printer on a free TCP port. A test file that
needs them set up differently defines its own fixture of the same name.
"""

from __future__ import annotations

import pytest
from test_hub_support import empty_tables, make_client, postgres_url, sqlite_url

from simulators.printer import PrinterSimulator
from simulators.scale import ScaleSimulator


@pytest.fixture
async def scale(tmp_path):
    async with ScaleSimulator(tmp_path / "scale.tty", control_port=None, settle_ms=300, seed=1) as sim:
        yield sim


@pytest.fixture
async def printer(tmp_path):
    async with PrinterSimulator(tmp_path / "printed", port=0, control_port=None) as sim:
        yield sim


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    url = postgres_url()
    make_client(tmp_path, url).close()  # migrated before the tables are emptied
    empty_tables(url)
    return url
