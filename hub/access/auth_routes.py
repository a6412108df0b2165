"""Logging in and out over the API, and one's own account."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.security.utils import get_authorization_scheme_param

from hub.access import totp, users
from hub.access.audit import note_actor
from hub.access.gate import AccessDep
from hub.access.principal import Principal
from hub.access.schemas import Login, Me, PasswordChange, SessionIssued, TotpCode, TotpEnrolment, TotpStatus
from hub.access.sessions import COOKIE, client_address, login, logout
from hub.access.throttle import LoginPolicy
from hub.core.deps import HubDep, ReadSession, WriteSession
from hub.core.errors import Invalid
from hub.core.schemas import Problem

router = APIRouter(prefix="/api/v1", tags=["sessions"])


@router.post("/sessions", status_code=status.HTTP_201_CREATED)
def create_session(body: Login, request: Request, hub: HubDep) -> SessionIssued:
    """Log in: `{"token", "expires_ms", "username", "role", "must_change_password", "must_enrol_totp"}`;
    send the token as `Authorization: Bearer`. An account with a second factor sends its `code` too (401
    `totp_required` without it, `totp_wrong` for a wrong or used one). Failures are counted per (user,
    address) and per user (hub/access/throttle.py), in transactions of their own."""
    note_actor(request, body.username)
    issued = login(
        hub.write,
        body.username,
        body.password,
        hub.clock(),
        source=client_address(request),
        policy=LoginPolicy.of(hub.settings),
        code=body.code,
        factor=totp.second_factor(hub),
    )
    return SessionIssued(
        token=issued.token,
        expires_ms=issued.expires_ms,
        username=issued.principal.name,
        role=issued.principal.role,
        must_change_password=issued.principal.must_change_password,
        must_enrol_totp=issued.principal.must_enrol_totp,
    )


@router.delete("/sessions/current", status_code=status.HTTP_204_NO_CONTENT)
def end_session(request: Request, hub: HubDep, session: WriteSession, access: AccessDep) -> None:
    scheme, token = get_authorization_scheme_param(request.headers.get("authorization"))
    token = token if scheme.lower() == "bearer" else request.cookies.get(COOKIE, "")
    logout(session, token, hub.clock())


# exclude_unset: the admin token's answer has only the four fields it always had.
@router.get("/me", response_model=Me, response_model_exclude_unset=True)
def me(session: ReadSession, access: AccessDep) -> dict[str, Any]:
    user = access.user
    if user.user_id is None:
        return {"username": user.name, "role": user.role, "enterprise_uscc": None, "region_code": None}
    return users.user_view(session, user.name, with_history=False)


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(body: PasswordChange, hub: HubDep, session: WriteSession, access: AccessDep) -> None:
    user = access.user
    if user.user_id is None:
        raise Invalid("管理令牌没有密码 (the admin token has no password)")
    users.change_own_password(session, user.user_id, body.old_password, body.new_password, hub.clock())


@router.get("/me/totp")
def second_factor_status(hub: HubDep, session: ReadSession, access: AccessDep) -> TotpStatus:
    """Whether the caller's role needs a second factor, and where its own stands."""
    user = _account(access)
    state = totp.state(session, user.user_id)
    return TotpStatus(required=totp.second_factor(hub).required(user.role), state=state)


@router.post("/me/totp", status_code=status.HTTP_201_CREATED, responses={409: {"model": Problem}})
def start_second_factor(hub: HubDep, session: WriteSession, access: AccessDep) -> TotpEnrolment:
    """A new secret for the caller's authenticator app (shown this once); the factor is on only after
    `POST /api/v1/me/totp/activate` with a code from it."""
    user = _account(access)
    made = totp.start(session, totp.second_factor(hub), user.user_id, user.name, hub.clock())
    return TotpEnrolment(secret=made.secret, uri=made.uri, qr_svg=made.qr_svg)


@router.post("/me/totp/activate", responses={409: {"model": Problem}, 422: {"model": Problem}})
def activate_second_factor(
    body: TotpCode, hub: HubDep, session: WriteSession, access: AccessDep
) -> TotpStatus:
    """Confirm the new factor with the code the app shows now; from then on every login needs a code."""
    user = _account(access)
    factor = totp.second_factor(hub)
    totp.activate(session, factor, user.user_id, body.code, hub.clock())
    return TotpStatus(required=factor.required(user.role), state=totp.FactorState.ACTIVE)


def _account(access: AccessDep) -> Principal:
    user = access.user
    if user.user_id is None:
        raise Invalid("管理令牌没有动态口令 (the admin token has no second factor)")
    return user
