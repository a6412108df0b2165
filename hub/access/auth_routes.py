"""Logging in and out over the API, and one's own account."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.security.utils import get_authorization_scheme_param

from hub.access import users
from hub.access.audit import note_actor
from hub.access.gate import AccessDep
from hub.access.schemas import Login, Me, PasswordChange, SessionIssued
from hub.access.sessions import COOKIE, client_address, login, logout
from hub.access.throttle import LoginPolicy
from hub.core.deps import HubDep, ReadSession, WriteSession
from hub.core.errors import Invalid

router = APIRouter(prefix="/api/v1", tags=["sessions"])


@router.post("/sessions", status_code=status.HTTP_201_CREATED)
def create_session(body: Login, request: Request, hub: HubDep) -> SessionIssued:
    """Log in: `{"token", "expires_ms", "username", "role", "must_change_password"}`; send the token as
    `Authorization: Bearer`. Failures are counted per (user, address) and per user (hub/access/throttle.py),
    in transactions of their own."""
    note_actor(request, body.username)
    issued = login(
        hub.write,
        body.username,
        body.password,
        hub.clock(),
        source=client_address(request),
        policy=LoginPolicy.of(hub.settings),
    )
    return SessionIssued(
        token=issued.token,
        expires_ms=issued.expires_ms,
        username=issued.principal.name,
        role=issued.principal.role,
        must_change_password=issued.principal.must_change_password,
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
