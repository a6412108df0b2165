"""Logging in and out: a password check, then a random bearer token whose SHA-256 is stored with its expiry.

The same token is a cookie for the pages. Failed logins are throttled per (user, source address) and per
user (hub/access/throttle.py). A session ends after `SESSION_TTL_MS` whatever happens, and after the idle
timeout (WT_HUB_IDLE_TIMEOUT_S, 10 minutes by default) without a request; its last use is written at most
every `TOUCH_MS`, so the idle time is measured to within that.

An unknown user name costs the same scrypt work as a known one, so the answer's timing does not tell
which names exist. An account with a second factor (hub/access/totp.py) also gives the code of the moment;
a missing or wrong code counts as a failed login.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Protocol

from fastapi import Request
from sqlalchemy import Connection, bindparam, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from hub.access import passwords, totp
from hub.access.principal import Principal
from hub.access.roles import Role
from hub.access.tables import SessionRow, User, UserVersion
from hub.access.throttle import LoginPolicy, failed, reserve, succeeded
from hub.access.totp import FactorState, SecondFactor
from hub.core.errors import Unauthenticated
from hub.core.plain_reads import PlainRead
from hub.core.versions import latest

SESSION_TTL_MS = 8 * 3600 * 1000
IDLE_TIMEOUT_MS = 10 * 60 * 1000
TOUCH_MS = 30 * 1000
COOKIE = "wt_session"
_BAD_LOGIN = "用户名或密码错误 (wrong user name or password)"
_CODE_NEEDED = "请输入动态口令 (enter the code your authenticator app shows)"
_BAD_CODE = "动态口令不正确或已使用 (the code is wrong or was used already)"
_DUMMY: dict[int, str] = {}
DEFAULT_POLICY = LoginPolicy()


@dataclass(frozen=True, slots=True)
class Issued:
    token: str
    expires_ms: int
    principal: Principal


def client_address(request: Request) -> str:
    """The address a login came from, as the hub's server saw it (behind a proxy: run uvicorn with
    --proxy-headers and --forwarded-allow-ips so that this is the client's, not the proxy's)."""
    return request.client.host[:64] if request.client else "?"


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _dummy_hash() -> str:
    """A hash at the current cost, checked when the user name is unknown (constant work)."""
    if passwords.N not in _DUMMY:
        _DUMMY[passwords.N] = passwords.hash_password(secrets.token_urlsafe(16))
    return _DUMMY[passwords.N]


def login(
    write: sessionmaker[Session],
    username: str,
    password: str,
    now_ms: int,
    *,
    source: str = "?",
    policy: LoginPolicy = DEFAULT_POLICY,
    code: str | None = None,
    factor: SecondFactor | None = None,
) -> Issued:
    """Check the password (and the second factor's code, when the account has one) and open a session;
    raise `Unauthenticated` or `TooManyAttempts`."""
    with write() as session, session.begin():
        reserve(session, username, source, now_ms, policy)  # committed before the password is checked
    refusal: Unauthenticated | None = None
    with write() as session, session.begin():
        user = session.scalar(select(User).where(User.username == username))
        version = latest(session, UserVersion, user_id=user.id) if user else None
        stored = version.password_hash if version is not None else _dummy_hash()
        right = passwords.verify_password(password, stored)
        if not right or user is None or version is None:
            refusal = Unauthenticated(_BAD_LOGIN)
        elif factor is not None and totp.state(session, user.id) == FactorState.ACTIVE:
            if not code:
                refusal = Unauthenticated(_CODE_NEEDED, "totp_required")
            elif not totp.verify(session, factor, user.id, code, now_ms):
                refusal = Unauthenticated(_BAD_CODE, "totp_wrong")
        if refusal is not None:
            failed(session, username, source, now_ms)  # kept: the refusal is raised after the commit
            issued = None
        else:
            succeeded(session, username, source)
            issued = _open(session, user, version, now_ms, factor) if version.active else None
    if refusal is not None:
        raise refusal
    if issued is None:
        raise Unauthenticated("账号已停用 (this account is disabled)")
    return issued


def _open(
    session: Session, user: User, version: UserVersion, now_ms: int, factor: SecondFactor | None
) -> Issued:
    token = secrets.token_urlsafe(32)
    expires = now_ms + SESSION_TTL_MS
    session.add(
        SessionRow(
            token_sha256=token_sha256(token),
            user_id=user.id,
            created_ms=now_ms,
            expires_ms=expires,
            last_seen_ms=now_ms,
        )
    )
    roles = factor.roles if factor is not None else frozenset()
    enrol = _must_enrol(session.connection(), user.id, _role(version), roles)
    return Issued(token, expires, _principal(user.id, user.username, version, enrol=enrol))


def session_principal(
    conn: Connection,
    token: str,
    now_ms: int,
    idle_ms: int = IDLE_TIMEOUT_MS,
    totp_roles: frozenset[Role] = frozenset(),
) -> tuple[Principal | None, bool]:
    """The user behind a live session token, as its account stands now (None if the token is no good:
    ended, past its lifetime, idle too long, or its account disabled), and whether the session's last use
    should be written now (`touch`), from the one read of its row.

    On a Connection, not a Session: the gate asks on every request, and a Session with its connection cost
    55 µs where a Connection costs 17 (SQLite, docs/bench-hub.md)."""
    row = _SESSION_USER.first(conn, {"sha": token_sha256(token)})
    if row is None:
        return None, False
    if row.ended_ms is not None or now_ms >= row.expires_ms:
        return None, False
    if now_ms - (row.last_seen_ms or row.created_ms) >= idle_ms:
        return None, False
    if not row.active:  # disabled, or no version at all (NULL)
        return None, False
    stale = row.last_seen_ms is not None and row.last_seen_ms < now_ms - TOUCH_MS
    enrol = _must_enrol(conn, row.user_id, _role(row), totp_roles)
    return _principal(row.user_id, row.username, row, enrol=enrol), stale


# The session, its account and the account's latest version in one statement (one round trip), built once:
# the gate reads it on every request, and building a statement costs more than running it.
_NEWEST_VERSION = (
    select(func.max(UserVersion.version))
    .where(UserVersion.user_id == User.id)
    .correlate(User)
    .scalar_subquery()
)
# Plain columns, not the three ORM objects: the gate needs a dozen values, and building objects cost more
# than the read.
_SESSION_USER = PlainRead(
    select(
        SessionRow.created_ms,
        SessionRow.expires_ms,
        SessionRow.ended_ms,
        SessionRow.last_seen_ms,
        User.id.label("user_id"),
        User.username,
        UserVersion.active,
        UserVersion.role,
        UserVersion.enterprise_id,
        UserVersion.region_code,
        UserVersion.must_change_password,
    )
    .join(User, User.id == SessionRow.user_id)
    .outerjoin(UserVersion, (UserVersion.user_id == User.id) & (UserVersion.version == _NEWEST_VERSION))
    .where(SessionRow.token_sha256 == bindparam("sha"))
)


def touch(write: sessionmaker[Session], token: str, now_ms: int) -> None:
    """Note that the session was used now (written at most every TOUCH_MS)."""
    with write() as session, session.begin():
        session.execute(
            update(SessionRow)
            .where(
                SessionRow.token_sha256 == token_sha256(token),
                SessionRow.ended_ms.is_(None),
                SessionRow.last_seen_ms < now_ms - TOUCH_MS,
            )
            .values(last_seen_ms=now_ms)
        )


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


def principal_of(session: Session, username: str) -> Principal | None:
    """An account as it stands now, for work done on its behalf without a session (its mail digest);
    None when it does not exist or is disabled."""
    user = session.scalar(select(User).where(User.username == username))
    version = latest(session, UserVersion, user_id=user.id) if user else None
    if user is None or version is None or not version.active:
        return None
    return _principal(user.id, user.username, version, enrol=False)


class _Grant(Protocol):
    """What an account's version grants: a `UserVersion`, or the gate's row with the same columns."""

    @property
    def role(self) -> str | None: ...
    @property
    def enterprise_id(self) -> int | None: ...
    @property
    def region_code(self) -> str | None: ...
    @property
    def must_change_password(self) -> bool | None: ...


def _role(grant: _Grant) -> Role | None:
    return Role(grant.role) if grant.role else None


def _must_enrol(conn: Connection, user_id: int, role: Role | None, totp_roles: frozenset[Role]) -> bool:
    """Whether the account must set up its second factor before anything else (its role asks for one and
    it has none active). Read as the account stands now: enrolling takes effect on the open session."""
    return role in totp_roles and totp.state_on(conn, user_id) != FactorState.ACTIVE


def _principal(user_id: int, username: str, grant: _Grant, *, enrol: bool) -> Principal:
    return Principal(
        name=username,
        role=_role(grant),
        user_id=user_id,
        enterprise_id=grant.enterprise_id,
        region_code=grant.region_code,
        must_change_password=bool(grant.must_change_password),
        must_enrol_totp=enrol,
    )
