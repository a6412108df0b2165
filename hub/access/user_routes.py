"""Accounts (system administrator), roles (security administrator), the audit log (audit administrator)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, status

from hub.access import users
from hub.access.audit import list_entries, note
from hub.access.gate import AccessDep
from hub.access.schemas import RoleGrant, UserChange, UserCreate
from hub.core.deps import HubDep

router = APIRouter(prefix="/api/v1", tags=["users"])


@router.post("/users", status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, request: Request, hub: HubDep, access: AccessDep) -> dict[str, Any]:
    """A new account, with no role until the security administrator grants one."""
    note(request, username=body.username)
    with hub.write() as session, session.begin():
        return users.create_user(
            session,
            username=body.username,
            display_name=body.display_name,
            password=body.password,
            by=access.actor,
            now_ms=hub.clock(),
        )


@router.get("/users")
def list_users(hub: HubDep, access: AccessDep) -> list[dict[str, Any]]:
    with hub.read() as session:
        return users.list_users(session)


@router.get("/users/{username}")
def get_user(username: str, hub: HubDep, access: AccessDep) -> dict[str, Any]:
    """The account with every version (who changed it, when, why; never a password or its hash)."""
    with hub.read() as session:
        return users.user_view(session, username)


@router.patch("/users/{username}")
def change_user(username: str, body: UserChange, hub: HubDep, access: AccessDep) -> dict[str, Any]:
    with hub.write() as session, session.begin():
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


@router.put("/users/{username}/role")
def grant_role(
    username: str, body: RoleGrant, request: Request, hub: HubDep, access: AccessDep
) -> dict[str, Any]:
    note(request, role=body.role, enterprise_uscc=body.enterprise_uscc, region_code=body.region_code)
    with hub.write() as session, session.begin():
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


@router.get("/audit")
def audit_log(
    hub: HubDep,
    access: AccessDep,
    actor: str | None = None,
    action: str | None = None,
    since_ms: int | None = None,
    limit: int = Query(default=200, ge=1, le=5000),
) -> list[dict[str, Any]]:
    """Newest first."""
    with hub.read() as session:
        return list_entries(session, actor=actor, action=action, since_ms=since_ms, limit=limit)
