"""Logging in and out: a password check, then a random bearer token whose SHA-256 is stored with its expiry.

The same token is a cookie for the pages. Five failed logins for one user name within 15 minutes lock that
name for 15 minutes (counted from the audit log, so every hub worker sees the same count).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hub.access.passwords import verify_password
from hub.access.principal import Principal
from hub.access.roles import Role
from hub.access.tables import AuditEntry, SessionRow, User, UserVersion
from hub.core.errors import TooManyAttempts, Unauthenticated
from hub.core.versions import latest

SESSION_TTL_MS = 8 * 3600 * 1000
LOCKOUT_WINDOW_MS = 15 * 60 * 1000
LOCKOUT_FAILURES = 5
LOGIN_ACTIONS = ("create_session", "login_form")  # the audit entries of logins (API and page)
COOKIE = "wt_session"
_BAD_LOGIN = "用户名或密码错误 (wrong user name or password)"


@dataclass(frozen=True, slots=True)
class Issued:
    token: str
    expires_ms: int
    principal: Principal


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def login(session: Session, username: str, password: str, now_ms: int) -> Issued:
    failures = session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.actor == username,
            AuditEntry.action.in_(LOGIN_ACTIONS),
            AuditEntry.status == 401,
            AuditEntry.time_ms > now_ms - LOCKOUT_WINDOW_MS,
        )
    )
    if failures and failures >= LOCKOUT_FAILURES:
        raise TooManyAttempts(
            f"登录失败次数过多，账号已锁定{LOCKOUT_WINDOW_MS // 60000}分钟 "
            "(too many failed logins; try again later)"
        )
    user = session.scalar(select(User).where(User.username == username))
    version = latest(session, UserVersion, user_id=user.id) if user else None
    if user is None or version is None or not verify_password(password, version.password_hash):
        raise Unauthenticated(_BAD_LOGIN)
    if not version.active:
        raise Unauthenticated("账号已停用 (this account is disabled)")
    token = secrets.token_urlsafe(32)
    expires = now_ms + SESSION_TTL_MS
    session.add(
        SessionRow(token_sha256=token_sha256(token), user_id=user.id, created_ms=now_ms, expires_ms=expires)
    )
    return Issued(token, expires, _principal(user, version))


def principal_for_token(session: Session, token: str, now_ms: int) -> Principal | None:
    """The user behind a live session token, as its account stands now; None if the token is no good."""
    row = session.execute(
        select(SessionRow, User)
        .join(User, User.id == SessionRow.user_id)
        .where(SessionRow.token_sha256 == token_sha256(token))
    ).first()
    if row is None:
        return None
    sess, user = row
    if sess.ended_ms is not None or now_ms >= sess.expires_ms:
        return None
    version = latest(session, UserVersion, user_id=user.id)
    if version is None or not version.active:
        return None
    return _principal(user, version)


def logout(session: Session, token: str, now_ms: int) -> None:
    row = session.get(SessionRow, token_sha256(token))
    if row is not None and row.ended_ms is None:
        row.ended_ms = now_ms


def end_sessions(session: Session, user_id: int, now_ms: int) -> None:
    """End every live session of an account (its password changed or was reset, or it was disabled)."""
    session.execute(
        update(SessionRow)
        .where(SessionRow.user_id == user_id, SessionRow.ended_ms.is_(None))
        .values(ended_ms=now_ms)
    )


def _principal(user: User, version: UserVersion) -> Principal:
    return Principal(
        name=user.username,
        role=Role(version.role) if version.role else None,
        user_id=user.id,
        enterprise_id=version.enterprise_id,
        region_code=version.region_code,
        must_change_password=bool(version.must_change_password),
    )
