"""Tables of accounts, login sessions and the audit log."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.base import Base, BigId
from hub.core.versions import VersionColumns


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("username", name="uq_users_username"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))
    created_ms: Mapped[int] = mapped_column(BigInteger)


class UserVersion(VersionColumns, Base):
    __tablename__ = "user_versions"

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), primary_key=True)
    display_name: Mapped[str] = mapped_column(Text)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str | None] = mapped_column(String(32))  # None until the security administrator grants one
    enterprise_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("enterprises.id"))
    region_code: Mapped[str | None] = mapped_column(String(6))
    # Set when someone else set the password (a reset): the owner must choose a new one before anything else.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class SessionRow(Base):
    __tablename__ = "sessions"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    created_ms: Mapped[int] = mapped_column(BigInteger)
    expires_ms: Mapped[int] = mapped_column(BigInteger)
    ended_ms: Mapped[int | None] = mapped_column(BigInteger)
    last_seen_ms: Mapped[int | None] = mapped_column(BigInteger)  # for the idle timeout; None: created_ms


class LoginThrottle(Base):
    """Failed logins counted per (user name, source address), and per user name from anywhere (source "*")."""

    __tablename__ = "login_throttle"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start_ms: Mapped[int] = mapped_column(BigInteger)
    failures: Mapped[int] = mapped_column(Integer)  # attempts not (yet) known to have succeeded
    next_allowed_ms: Mapped[int] = mapped_column(BigInteger)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_time", "time_ms"),
        Index("ix_audit_log_actor_time", "actor", "time_ms"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    time_ms: Mapped[int] = mapped_column(BigInteger)
    actor: Mapped[str | None] = mapped_column(String(128))
    role: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(128))  # the route's name, e.g. create_manifest, or login
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))  # ok, refused, denied, error
    client: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)  # JSON
    # The hash chain (hub/access/audit.py): each entry names the previous entry's hash. None on entries
    # written before the chain began.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    entry_hash: Mapped[str | None] = mapped_column(String(64))


class AuditHead(Base):
    """The audit chain's head: one row, locked by each writer, so entries are chained one at a time and a
    cut tail shows (the head names a hash no entry has)."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # always 1
    last_id: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))
    entries: Mapped[int] = mapped_column(BigInteger)


class UserTotp(Base):
    """An account's second factor (hub/access/totp.py): its secret, sealed with the hub's own key."""

    __tablename__ = "user_totp"

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))  # pending (shown, not yet proven) or active
    sealed_secret: Mapped[bytes] = mapped_column(LargeBinary)
    created_ms: Mapped[int] = mapped_column(BigInteger)
    activated_ms: Mapped[int | None] = mapped_column(BigInteger)
    last_step: Mapped[int | None] = mapped_column(BigInteger)
    """The 30-second step of the last code accepted: that code and older ones are refused (no replay)."""
