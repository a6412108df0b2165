"""Who is at the touchscreen: sign-in with a PIN or a scanned badge, sign-out after idle, supervisor PINs.

The people come from the hub's signed settings (`EdgeConfig.operators`); with none, the box works as
before and every event names the configured default operator. A session is a random token in an
HttpOnly, SameSite=Strict cookie, kept in memory only: a restart signs everybody out, which is what a
shared kiosk wants. Wrong PINs and badges are counted per box; after `MAX_FAILURES` in a row sign-in
pauses for `LOCKOUT_S`, so a 4-digit PIN cannot be guessed at the screen.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from protocols.fleet.operators import Operator

MAX_FAILURES = 5
LOCKOUT_S = 60


class SignInRefused(Exception):
    """Why nobody was signed in (or no supervisor approved). `status` for the API, messages for people."""

    def __init__(self, status: int, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.status = status
        self.message_zh = message_zh
        self.message_en = message_en


@dataclass
class Session:
    token: str
    operator: Operator
    last_s: float


class OperatorDesk:
    def __init__(
        self,
        operators: Sequence[Operator],
        idle_s: float = 300,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.operators = tuple(operators)
        self.idle_s = idle_s
        self._clock = clock
        self._sessions: dict[str, Session] = {}
        self._failures = 0
        self._locked_until = 0.0

    @property
    def required(self) -> bool:
        """Sign-in is required once the hub gave the box its people."""
        return bool(self.operators)

    def sign_in(self, pin: object = None, badge: object = None) -> Session:
        self._check_lockout()
        operator = None
        if isinstance(badge, str) and badge.strip():
            key = badge.strip().casefold()
            operator = next((o for o in self.operators if o.badge and o.badge.casefold() == key), None)
        elif isinstance(pin, str) and pin:
            # A PIN names nobody: every operator's hash is tried (and all of them, so the time taken
            # says nothing about whose PIN it was).
            matches = [o for o in self.operators if o.pin_matches(pin)]
            operator = matches[0] if len(matches) == 1 else None
        else:
            raise SignInRefused(400, "请输入密码或刷工牌", "enter a PIN or scan a badge")
        if operator is None:
            self._failed()
            raise SignInRefused(401, "密码或工牌不对，请重试", "unknown PIN or badge")
        self._failures = 0
        session = Session(secrets.token_urlsafe(24), operator, self._clock())
        self._sessions[session.token] = session
        return session

    def current(self, token: str | None, *, touch: bool = True) -> Session | None:
        """The signed-in session for a cookie's token, or None (never signed in, signed out, or idle)."""
        if not token:
            return None
        session = self._sessions.get(token)
        if session is None:
            return None
        now = self._clock()
        if now - session.last_s > self.idle_s:
            del self._sessions[token]
            return None
        if touch:
            session.last_s = now
        return session

    def sign_out(self, token: str | None) -> None:
        if token:
            self._sessions.pop(token, None)

    def supervisor(self, pin: object) -> Operator:
        """The supervisor whose PIN this is, for voiding, reprinting and settings; refused otherwise."""
        self._check_lockout()
        if not isinstance(pin, str) or not pin:
            raise SignInRefused(403, "此操作需要主管输入密码确认", "a supervisor's PIN is required")
        matches = [o for o in self.operators if o.supervisor and o.pin_matches(pin)]
        if len(matches) != 1:
            self._failed()
            raise SignInRefused(403, "主管密码不对，此操作未执行", "not a supervisor's PIN: nothing was done")
        self._failures = 0
        return matches[0]

    def _failed(self) -> None:
        self._failures += 1
        if self._failures >= MAX_FAILURES:
            self._locked_until = self._clock() + LOCKOUT_S
            self._failures = 0

    def _check_lockout(self) -> None:
        wait = self._locked_until - self._clock()
        if wait > 0:
            raise SignInRefused(
                429,
                f"密码错误次数过多，请 {int(wait) + 1} 秒后再试",
                f"too many wrong PINs: try again in {int(wait) + 1} s",
            )
