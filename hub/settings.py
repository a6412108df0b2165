"""Hub settings, read once from the environment (12-factor); see hub.env.sample.

The admin token has no default: a hub started without one, or with the sample's placeholder outside
development, refuses to start rather than run with a secret everybody knows.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PLACEHOLDER_SECRET = "changeme"
DEFAULT_DB = "sqlite:///hub.db"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
DEFAULT_KEY_FILE = "hub-key.pem"
DEFAULT_NAME = "危险废物一袋一码追溯平台"


class SettingsError(ValueError):
    """A setting that is missing or unsafe; the hub does not start."""


@dataclass(frozen=True, slots=True)
class Settings:
    admin_token: str
    db_url: str = DEFAULT_DB
    public_url: str = DEFAULT_PUBLIC_URL
    key_file: Path = Path(DEFAULT_KEY_FILE)
    env: str = "production"
    name: str = DEFAULT_NAME

    def __post_init__(self) -> None:
        if not self.admin_token:
            raise SettingsError(
                "WT_HUB_ADMIN_TOKEN is not set: the hub does not start without an admin token"
            )
        if self.admin_token == PLACEHOLDER_SECRET and self.env != "development":
            raise SettingsError(
                f"WT_HUB_ADMIN_TOKEN is the placeholder {PLACEHOLDER_SECRET!r}; set a real secret "
                "(allowed only with WT_HUB_ENV=development)"
            )
        if not self.db_url:
            raise SettingsError("WT_HUB_DB is empty")
        object.__setattr__(self, "public_url", self.public_url.rstrip("/"))
        object.__setattr__(self, "key_file", Path(self.key_file))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            admin_token=env.get("WT_HUB_ADMIN_TOKEN", ""),
            db_url=env.get("WT_HUB_DB") or DEFAULT_DB,
            public_url=env.get("WT_HUB_PUBLIC_URL") or DEFAULT_PUBLIC_URL,
            key_file=Path(env.get("WT_HUB_KEY_FILE") or DEFAULT_KEY_FILE),
            env=env.get("WT_HUB_ENV") or "production",
            name=env.get("WT_HUB_NAME") or DEFAULT_NAME,
        )

    def __repr__(self) -> str:
        # Settings end up in logs and tracebacks; the admin token must not.
        return (
            f"Settings(db_url={self.db_url!r}, public_url={self.public_url!r}, "
            f"key_file={str(self.key_file)!r}, "
            f"env={self.env!r}, name={self.name!r}, admin_token=<redacted>)"
        )
