"""Helpers for the exchange tests (no tests here): a generated city, a simulated provincial platform on a
real HTTP port, a migrated hub database, and a client that records its backoff instead of sleeping."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hub.core.db import make_engine, migrate, write_sessions
from hub.exchange.client import ProvinceClient
from protocols.province import Profile
from simulators.lifecycle import RunningApp
from simulators.province import DEFAULT_CERT, ProvincePlatform, load_profile
from simulators.province_data import City, generate_city

ROOT = Path(__file__).resolve().parents[1]
HEBEI_TEXT = (ROOT / "firmware-config" / "province" / "hebei.toml").read_text(encoding="utf-8")
PAGE = 50


def test_profile(**over: object) -> Profile:
    """Hebei with small pages, no pacing and a short backoff, so a small city still spans many pages."""
    fields: dict[str, object] = {"page_size": PAGE, "min_interval_ms": 0, "backoff_ms": 1, "retries": 3}
    fields.update(over)
    return dataclasses.replace(load_profile("hebei"), **fields)  # type: ignore[arg-type]


def profile_file(tmp_path: Path) -> Path:
    """The same test profile as a file, for a pull run as a separate process."""
    path = tmp_path / "hebei-test.toml"
    text = HEBEI_TEXT.replace("page_size = 500", f"page_size = {PAGE}").replace(
        "backoff_ms = 500", "backoff_ms = 1"
    )
    path.write_text(text, encoding="utf-8")
    return path


_CITIES: dict[tuple[int, int], City] = {}


def city(size: int = 200, months: int = 3) -> City:
    if (size, months) not in _CITIES:
        _CITIES[(size, months)] = generate_city(load_profile("hebei"), size=size, months=months)
    return _CITIES[(size, months)]


@dataclass
class Rig:
    platform: ProvincePlatform
    running: RunningApp
    db_url: str
    engine: Engine
    write: sessionmaker[Session]
    profile: Profile
    sleeps: list[float] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.running.url

    def client(self, cert: str = DEFAULT_CERT, profile: Profile | None = None) -> ProvinceClient:
        return ProvinceClient(self.url, cert, profile or self.profile, sleep=self.sleeps.append)


def rig(tmp_path: Path, db_url: str | None = None, the_city: City | None = None) -> Iterator[Rig]:
    profile = test_profile()
    platform = ProvincePlatform(load_profile("hebei"), the_city or city())
    running = RunningApp(platform)
    url = db_url or f"sqlite:///{tmp_path / 'hub.db'}"
    migrate(url)
    engine = make_engine(url)
    try:
        yield Rig(platform, running, url, engine, write_sessions(engine), profile)
    finally:
        engine.dispose()
        running.close()
