"""Accounts (system administrator), roles (security administrator), the audit log (audit administrator)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, status

from hub.access import users
from hub.access.audit import list_entries, note
from hub.access.gate import AccessDep
from hub.access.schemas import (
    AuditEntryView,
    RoleGrant,
    TotpReset,
    UserChange,
    UserCreate,
    UserFile,
    UserSummary,
)
from hub.core.deps import HubDep, ReadSession, WriteSession
from hub.core.schemas import UtcMs

router = APIRouter(prefix="/api/v1", tags=["users"])


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserFile)
def create_user(
    body: UserCreate, request: Request, hub: HubDep, session: WriteSession, access: AccessDep
) -> dict[str, Any]:
    """A new account, with no role until the security administrator grants one."""
    note(request, username=body.username)
    return users.create_user(
        session,
        username=body.username,
        display_name=body.display_name,
        password=body.password,
        by=access.actor,
        now_ms=hub.clock(),
    )


@router.get("/users", response_model=list[UserSummary])
def list_users(session: ReadSession, access: AccessDep) -> list[dict[str, Any]]:
    return users.list_users(session)


@router.get("/users/{username}", response_model=UserFile)
def get_user(username: str, session: ReadSession, access: AccessDep) -> dict[str, Any]:
    """The account with every version (who changed it, when, why; never a password or its hash)."""
    return users.user_view(session, username)


@router.patch("/users/{username}", response_model=UserFile)
def change_user(
    username: str, body: UserChange, hub: HubDep, session: WriteSession, access: AccessDep
) -> dict[str, Any]:
    return users.change_user(
        session,
        username,
        display_name=body.display_name,
        active=body.active,
        password=body.password,
        reason=body.reason,
        by=access.actor,
        now_ms=hub.clock(),
        by_role=access.user.role,
    )


@router.put("/users/{username}/role", response_model=UserFile)
def grant_role(
    username: str, body: RoleGrant, request: Request, hub: HubDep, session: WriteSession, access: AccessDep
) -> dict[str, Any]:
    note(request, role=body.role, enterprise_uscc=body.enterprise_uscc, region_code=body.region_code)
    return users.grant_role(
        session,
        username,
        role=body.role,
        enterprise_uscc=body.enterprise_uscc,
        region_code=body.region_code,
        reason=body.reason,
        by=access.actor,
        now_ms=hub.clock(),
        by_role=access.user.role,
    )


@router.delete("/users/{username}/totp")
def reset_second_factor(username: str, hub: HubDep, session: WriteSession, access: AccessDep) -> TotpReset:
    """Forget the account's second factor (a lost phone): it sets a new one up at its next login."""
    had = users.reset_second_factor(
        session, username, by=access.actor, by_role=access.user.role, now_ms=hub.clock()
    )
    return TotpReset(username=username, had_factor=had)


@router.get("/audit", response_model=list[AuditEntryView])
def audit_log(
    session: ReadSession,
    access: AccessDep,
    actor: str | None = None,
    action: str | None = None,
    since_ms: UtcMs | None = None,
    limit: int = Query(default=200, ge=1, le=5000),
) -> list[dict[str, Any]]:
    """Newest first."""
    return list_entries(session, actor=actor, action=action, since_ms=since_ms, limit=limit)
