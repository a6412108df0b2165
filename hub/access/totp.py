"""The second factor: time-based one-time passwords (TOTP, RFC 6238) from an authenticator app.

Which roles must use it is a deployment setting (WT_HUB_TOTP_ROLES; the three administrators by default).
An account of such a role without an active factor is made to enrol at its next login: its session can do
nothing but enrol (like a reset password, which can do nothing but change it). Enrolment shows a new secret
once (as an otpauth:// URI and its QR code) and turns the factor on only after one valid code, so a typo in
the app never locks the owner out.

A code is accepted within one 30-second step either side of the hub's clock, and only once: the step it
matched is kept, and a code of that step or an earlier one is refused (RFC 6238 §5.2), so a code seen over a
shoulder or in a log cannot be replayed. The secret is stored sealed (hub/core/sealing.py), so a copy of the
database alone does not give the factors away.
"""

from __future__ import annotations

import hmac
import io
from dataclasses import dataclass
from enum import StrEnum

import pyotp
import qrcode
import qrcode.image.svg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from hub.access.roles import Role
from hub.access.tables import UserTotp
from hub.core.deps import Hub
from hub.core.errors import Conflict, Invalid
from hub.core.plain_reads import PlainRead
from hub.core.sealing import purpose_key, seal, unseal

STEP_S = 30
DIGITS = 6
ISSUER = "wastetrace"


class FactorState(StrEnum):
    PENDING = "pending"  # a secret shown, not yet proven by a code
    ACTIVE = "active"


@dataclass(frozen=True, slots=True)
class SecondFactor:
    """What the hub needs to run second factors: which roles must, and the key the secrets are sealed with."""

    roles: frozenset[Role]
    seal_key: bytes

    @classmethod
    def of(cls, roles: tuple[str, ...], hub_key: Ed25519PrivateKey) -> SecondFactor:
        return cls(frozenset(Role(r) for r in roles), purpose_key(hub_key, "totp"))

    def required(self, role: Role | None) -> bool:
        return role is not None and role in self.roles


def second_factor(hub: Hub) -> SecondFactor:
    return SecondFactor.of(hub.settings.totp_roles, hub.key)


@dataclass(frozen=True, slots=True)
class Enrolment:
    secret: str
    uri: str
    qr_svg: str


def state(session: Session, user_id: int) -> FactorState | None:
    row = session.get(UserTotp, user_id)
    return FactorState(row.state) if row is not None else None


_STATE = PlainRead(select(UserTotp.state).where(UserTotp.user_id == bindparam("user_id")))


def state_on(conn: Connection, user_id: int) -> FactorState | None:
    """`state`, read on a Connection without a Session (the gate's, on every request)."""
    row = _STATE.first(conn, {"user_id": user_id})
    return FactorState(row.state) if row is not None else None


def start(session: Session, factor: SecondFactor, user_id: int, username: str, now_ms: int) -> Enrolment:
    """A new secret for the account (replacing one not yet proven); refused once a factor is active."""
    row = session.get(UserTotp, user_id)
    if row is not None and row.state == FactorState.ACTIVE:
        raise Conflict(
            "动态口令已启用；如需更换，请安全管理员重置 (a second factor is already active)", "totp_active"
        )
    secret = pyotp.random_base32()
    sealed = _seal(factor, secret)
    if row is None:
        session.add(
            UserTotp(user_id=user_id, state=FactorState.PENDING, sealed_secret=sealed, created_ms=now_ms)
        )
    else:
        row.state, row.sealed_secret, row.created_ms, row.last_step = (
            FactorState.PENDING,
            sealed,
            now_ms,
            None,
        )
    return _enrolment(secret, username)


def pending_enrolment(
    session: Session, factor: SecondFactor, user_id: int, username: str
) -> Enrolment | None:
    """The secret shown and not yet confirmed, to show again after a mistyped first code."""
    row = session.get(UserTotp, user_id)
    if row is None or row.state != FactorState.PENDING:
        return None
    return _enrolment(_open(factor, row.sealed_secret), username)


def activate(session: Session, factor: SecondFactor, user_id: int, code: str, now_ms: int) -> None:
    """Turn the pending factor on with a first valid code."""
    row = session.get(UserTotp, user_id)
    if row is None or row.state != FactorState.PENDING:
        raise Conflict(
            "没有待确认的动态口令 (no second factor is waiting to be confirmed)", "totp_not_pending"
        )
    step = _matching_step(factor, row.sealed_secret, code, now_ms, after=None)
    if step is None:
        raise Invalid("动态口令不正确，请输入应用中当前显示的6位数字 (the code is wrong)", "totp_wrong")
    row.state, row.last_step, row.activated_ms = FactorState.ACTIVE, step, now_ms


def verify(session: Session, factor: SecondFactor, user_id: int, code: str, now_ms: int) -> bool:
    """A login's code against the active factor; a right code is used up (its step remembered)."""
    row = session.get(UserTotp, user_id)
    if row is None or row.state != FactorState.ACTIVE:
        return False
    step = _matching_step(factor, row.sealed_secret, code, now_ms, after=row.last_step)
    if step is None:
        return False
    row.last_step = step
    return True


def reset(session: Session, user_id: int) -> bool:
    """Forget the account's factor (it enrols again at its next login); True if there was one."""
    row = session.get(UserTotp, user_id)
    if row is None:
        return False
    session.delete(row)
    return True


def _enrolment(secret: str, username: str) -> Enrolment:
    uri = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_S).provisioning_uri(
        name=username, issuer_name=ISSUER
    )
    return Enrolment(secret, uri, qr_svg(uri))


def qr_svg(uri: str) -> str:
    """The URI as an SVG QR code, to show inline in a page (no script, no image request)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue().decode("utf-8").split("?>", 1)[-1].strip()


def _matching_step(
    factor: SecondFactor, sealed: bytes, code: str, now_ms: int, *, after: int | None
) -> int | None:
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(_open(factor, sealed), digits=DIGITS, interval=STEP_S)
    now_step = now_ms // 1000 // STEP_S
    found = None
    for step in (now_step - 1, now_step, now_step + 1):  # every candidate compared: no timing difference
        if hmac.compare_digest(totp.generate_otp(step), code) and (after is None or step > after):
            found = step
    return found


def _seal(factor: SecondFactor, secret: str) -> bytes:
    return seal(factor.seal_key, secret, "totp")


def _open(factor: SecondFactor, sealed: bytes) -> str:
    return unseal(factor.seal_key, sealed, "totp")
