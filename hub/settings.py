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
# Login and sessions (等保, GB/T 22239): see docs/security.md.
DEFAULT_LOGIN_TRIES = 5  # failed logins per (user, source address) in the window; at most 5
DEFAULT_ACCOUNT_TRIES = 100  # failed logins per user from anywhere in the window
DEFAULT_LOCKOUT_WINDOW_S = 15 * 60
DEFAULT_IDLE_TIMEOUT_S = 10 * 60  # at most 10 minutes
DEFAULT_SCAN_RATE = 30  # anonymous /t/{code} pages per source address and minute
DEFAULT_INGEST_LIMIT = 8  # signed batches one worker takes at once (hub/ledger/admission.py)
DEFAULT_PARTITIONS_AHEAD = (
    3  # months of `events` partitions made ahead on PostgreSQL (hub/ledger/partitions.py)
)
# Custody and the projection in the batch's transaction ("inline"), or after it by a projector
# ("deferred", hub/ledger/projector.py): docs/scale.md.
PROJECTION_MODES = ("inline", "deferred")
# The roles that must log in with a second factor (TOTP, RFC 6238): the three administrators by default.
DEFAULT_TOTP_ROLES = ("system_admin", "security_admin", "audit_admin")
TOTP_CAPABLE_ROLES = frozenset(
    {"regulator", "inspector", "enterprise", "transporter", "receiver", *DEFAULT_TOTP_ROLES}
)


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
    login_tries: int = DEFAULT_LOGIN_TRIES
    account_tries: int = DEFAULT_ACCOUNT_TRIES
    lockout_window_s: int = DEFAULT_LOCKOUT_WINDOW_S
    idle_timeout_s: int = DEFAULT_IDLE_TIMEOUT_S
    scan_rate: int = DEFAULT_SCAN_RATE
    totp_roles: tuple[str, ...] = DEFAULT_TOTP_ROLES
    read_db_url: str = ""  # a read replica for the routes' reads (WT_HUB_READ_DB); "" reads the primary
    traffic_token: str = ""  # the 交管 platform's bearer (WT_HUB_TRAFFIC_TOKEN); "" turns the push off
    ingest_limit: int = DEFAULT_INGEST_LIMIT
    partitions_ahead: int = DEFAULT_PARTITIONS_AHEAD
    projection: str = "inline"  # WT_HUB_PROJECTION: one of PROJECTION_MODES
    projector: bool = True  # WT_HUB_PROJECTOR: in deferred mode, whether this process runs the projector

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
        if not 1 <= self.login_tries <= 5:
            raise SettingsError("WT_HUB_LOGIN_TRIES must be 1–5 (等保: at most 5 failed logins)")
        if not self.login_tries <= self.account_tries <= 10_000:
            raise SettingsError("WT_HUB_ACCOUNT_TRIES must be at least WT_HUB_LOGIN_TRIES and at most 10000")
        if not 60 <= self.lockout_window_s <= 86_400:
            raise SettingsError("WT_HUB_LOCKOUT_WINDOW_S must be 60–86400 seconds")
        if not 60 <= self.idle_timeout_s <= 600:
            raise SettingsError("WT_HUB_IDLE_TIMEOUT_S must be 60–600 seconds (等保: at most 10 minutes)")
        if not 1 <= self.scan_rate <= 10_000:
            raise SettingsError("WT_HUB_SCAN_RATE must be 1–10000 pages a minute")
        if not 1 <= self.ingest_limit <= 1_000:
            raise SettingsError("WT_HUB_INGEST_LIMIT must be 1–1000 batches at once")
        if not 1 <= self.partitions_ahead <= 24:
            raise SettingsError("WT_HUB_PARTITIONS_AHEAD must be 1–24 months")
        if self.projection not in PROJECTION_MODES:
            raise SettingsError(f"WT_HUB_PROJECTION must be one of {', '.join(PROJECTION_MODES)}")
        unknown = sorted(set(self.totp_roles) - TOTP_CAPABLE_ROLES)
        if unknown:
            raise SettingsError(f"WT_HUB_TOTP_ROLES names roles the hub does not have: {', '.join(unknown)}")
        if self.traffic_token and (len(self.traffic_token) < 32 or self.traffic_token == self.admin_token):
            raise SettingsError(
                "WT_HUB_TRAFFIC_TOKEN must be at least 32 characters and differ from the admin token"
            )
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
            login_tries=_int(env, "WT_HUB_LOGIN_TRIES", DEFAULT_LOGIN_TRIES),
            account_tries=_int(env, "WT_HUB_ACCOUNT_TRIES", DEFAULT_ACCOUNT_TRIES),
            lockout_window_s=_int(env, "WT_HUB_LOCKOUT_WINDOW_S", DEFAULT_LOCKOUT_WINDOW_S),
            idle_timeout_s=_int(env, "WT_HUB_IDLE_TIMEOUT_S", DEFAULT_IDLE_TIMEOUT_S),
            scan_rate=_int(env, "WT_HUB_SCAN_RATE", DEFAULT_SCAN_RATE),
            totp_roles=_roles(env.get("WT_HUB_TOTP_ROLES")),
            read_db_url=env.get("WT_HUB_READ_DB") or "",
            traffic_token=env.get("WT_HUB_TRAFFIC_TOKEN") or "",
            ingest_limit=_int(env, "WT_HUB_INGEST_LIMIT", DEFAULT_INGEST_LIMIT),
            partitions_ahead=_int(env, "WT_HUB_PARTITIONS_AHEAD", DEFAULT_PARTITIONS_AHEAD),
            projection=projection_mode(env),
            projector=projector_here(env),
        )

    def __repr__(self) -> str:
        # Settings end up in logs and tracebacks; the admin token must not.
        return (
            f"Settings(db_url={self.db_url!r}, public_url={self.public_url!r}, "
            f"key_file={str(self.key_file)!r}, "
            f"env={self.env!r}, name={self.name!r}, admin_token=<redacted>, traffic_token=<redacted>)"
        )


def projection_mode(env: Mapping[str, str]) -> str:
    """WT_HUB_PROJECTION, checked: read by the MQTT workers too, which take no other hub setting."""
    mode = (env.get("WT_HUB_PROJECTION") or "inline").strip().lower()
    if mode not in PROJECTION_MODES:
        raise SettingsError(f"WT_HUB_PROJECTION must be one of {', '.join(PROJECTION_MODES)}, got {mode!r}")
    return mode


def projector_here(env: Mapping[str, str]) -> bool:
    """WT_HUB_PROJECTOR (on by default): whether a serving or MQTT worker runs the projector in deferred mode;
    off where a `wastetrace hub project` process of its own does it."""
    raw = (env.get("WT_HUB_PROJECTOR") or "on").strip().lower()
    if raw in ("on", "1", "yes", "true"):
        return True
    if raw in ("off", "0", "no", "false"):
        return False
    raise SettingsError(f"WT_HUB_PROJECTOR must be on or off, got {raw!r}")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from exc


def _roles(raw: str | None) -> tuple[str, ...]:
    """A comma-separated list of roles; unset means the default, `none` means no second factor at all."""
    if raw is None or not raw.strip():
        return DEFAULT_TOTP_ROLES
    if raw.strip().lower() == "none":
        return ()
    return tuple(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
