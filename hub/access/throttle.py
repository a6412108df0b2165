"""Failed logins, counted so that guessing is slow and cannot be turned against the account's owner.

Two counters per attempt: one per (user name, source address), with a progressive delay (the second failure
waits 1 s, then 2, 4, 8 …, at most a minute) and a lock after `tries` (≤ 5) failures in the window; and one
per user name from anywhere, which locks the account only after far more (`account_tries`, 100 by default),
so an attacker at one address locks out that address, not the owner.

The count is atomic: each attempt *reserves* its place in both counters (a conditional
`UPDATE … SET failures = failures + 1 … RETURNING`, committed before the password is checked) and only then
is the password checked; a success gives the places back. Forty guesses sent at once therefore test at
most `tries` passwords, on SQLite (one writer at a time) and on PostgreSQL (the row lock) alike, and every
hub worker sees the same counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub.access.tables import LoginThrottle
from hub.core.dialect import insert_ignore
from hub.core.errors import TooManyAttempts
from hub.settings import Settings

ANYWHERE = "*"
MAX_DELAY_MS = 60_000


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    tries: int = 5
    account_tries: int = 100
    window_ms: int = 15 * 60 * 1000

    @classmethod
    def of(cls, settings: Settings) -> LoginPolicy:
        return cls(settings.login_tries, settings.account_tries, settings.lockout_window_s * 1000)


def delay_ms(failures: int) -> int:
    """How long the next attempt waits after `failures` failures in a row: 0, 1 s, 2 s, 4 s … ≤ 1 min."""
    return 0 if failures < 2 else min(1000 * 2 ** (failures - 2), MAX_DELAY_MS)


def reserve(session: Session, username: str, source: str, now_ms: int, policy: LoginPolicy) -> None:
    """Take one attempt from both counters, or raise `TooManyAttempts` (and take none)."""
    keys = ((source[:64], policy.tries), (ANYWHERE, policy.account_tries))
    for src, _ in keys:
        insert_ignore(
            session,
            LoginThrottle,
            [
                {
                    "username": username,
                    "source": src,
                    "window_start_ms": now_ms,
                    "failures": 0,
                    "next_allowed_ms": 0,
                }
            ],
        )
        session.execute(
            update(LoginThrottle)
            .where(
                LoginThrottle.username == username,
                LoginThrottle.source == src,
                LoginThrottle.window_start_ms <= now_ms - policy.window_ms,
            )
            .values(failures=0, window_start_ms=now_ms, next_allowed_ms=0)
        )
    for src, limit in keys:
        taken = session.execute(
            update(LoginThrottle)
            .where(
                LoginThrottle.username == username,
                LoginThrottle.source == src,
                LoginThrottle.failures < limit,
                LoginThrottle.next_allowed_ms <= now_ms,
            )
            .values(failures=LoginThrottle.failures + 1)
            .returning(LoginThrottle.failures)
        ).first()
        if taken is None:  # the caller's transaction rolls back, giving the other counter its place back
            raise _refusal(session, username, src, now_ms, policy)


def succeeded(session: Session, username: str, source: str) -> None:
    """A right password: this address starts again; the account counter gets its place back."""
    session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.username == username, LoginThrottle.source == source[:64])
        .values(failures=0, next_allowed_ms=0)
    )
    session.execute(
        update(LoginThrottle)
        .where(
            LoginThrottle.username == username, LoginThrottle.source == ANYWHERE, LoginThrottle.failures > 0
        )
        .values(failures=LoginThrottle.failures - 1)
    )


def failed(session: Session, username: str, source: str, now_ms: int) -> None:
    """A wrong password: the place stays taken, and the next attempt from this address waits."""
    row = session.get(LoginThrottle, (username, source[:64]))
    if row is not None:
        row.next_allowed_ms = now_ms + delay_ms(row.failures)


def _refusal(
    session: Session, username: str, source: str, now_ms: int, policy: LoginPolicy
) -> TooManyAttempts:
    row = session.scalars(
        select(LoginThrottle).where(LoginThrottle.username == username, LoginThrottle.source == source)
    ).first()
    limit = policy.account_tries if source == ANYWHERE else policy.tries
    if row is not None and row.failures < limit:
        wait_s = max(1, (row.next_allowed_ms - now_ms + 999) // 1000)
        return TooManyAttempts(f"登录失败，请{wait_s}秒后再试 (wait {wait_s} s before the next try)")
    minutes = policy.window_ms // 60_000
    if source == ANYWHERE:
        return TooManyAttempts(
            f"该账号登录失败次数过多，已锁定{minutes}分钟 (too many failed logins for this account; locked)"
        )
    return TooManyAttempts(
        f"登录失败次数过多，已锁定{minutes}分钟 (too many failed logins from this address; try again later)"
    )
