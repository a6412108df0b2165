"""The gate every route passes first (an application-wide dependency): who is calling, and may they.

Credentials: `Authorization: Bearer <token>` — a session token from `POST /api/v1/sessions`, the
WT_HUB_ADMIN_TOKEN, or the 交管 platform's WT_HUB_TRAFFIC_TOKEN (it may only post positions) — or, for
reading (GET) and for the pages, the `wt_session` cookie the login page sets.
The cookie is never accepted for an API request that changes something, so another site cannot make a
logged-in browser act (with SameSite=Lax on top).
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hub.access.policies import Kind, Policy, policy_for
from hub.access.principal import Access, Principal, Scope
from hub.access.roles import ROLE_LABELS, Role
from hub.access.sessions import COOKIE, session_principal, touch
from hub.core.deps import Hub, HubDep
from hub.core.errors import Forbidden, Unauthenticated
from hub.settings import Settings

_bearer = HTTPBearer(
    auto_error=False, description="a session token (POST /api/v1/sessions) or the admin token"
)
ADMIN_PRINCIPAL = Principal(name="admin-token", role=Role.ADMIN_TOKEN)
TRAFFIC_PRINCIPAL = Principal(name="traffic-feed", role=Role.TRAFFIC_FEED)


async def gate(
    request: Request,
    hub: HubDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Access:
    route = request.scope.get("route")
    # The URL only when no route matched: building it (a whole urlsplit) cost more than the rest of the gate.
    path = getattr(route, "path", None) or request.url.path
    policy = policy_for(request.method, path)
    request.state.policy = policy
    if policy is None:
        raise Forbidden(
            f"{request.method} {path} 没有访问策略，一律拒绝 (no access policy: add it to "
            "hub/access/policies.py)",
            "no_policy",
        )
    token = _token(request, credentials)
    if policy.kind in (Kind.PUBLIC, Kind.DEVICE):
        principal = await _principal(hub, token) if token else None
        request.state.principal = principal
        return Access(principal, None)
    if not token:
        raise Unauthenticated("请先登录 (log in first: Authorization: Bearer <token>)")
    principal = await _principal(hub, token, passive=path in PASSIVE_PATHS)
    if principal is None:
        raise Unauthenticated("登录已失效，请重新登录 (the session token is unknown or expired)")
    request.state.principal = principal
    if principal.must_change_password and policy.kind != Kind.ANY_USER:
        raise Forbidden(
            "密码已被重置，请先修改密码 (your password was reset: change it first, POST /api/v1/me/password)",
            "password_change",
        )
    if principal.must_enrol_totp and policy.kind != Kind.ANY_USER:
        raise Forbidden(
            "请先设置动态口令 (set up your second factor first: /me/totp, or POST /api/v1/me/totp)",
            "totp_enrol",
        )
    access = scoped(principal, policy)
    if access is None:
        label = ROLE_LABELS.get(principal.role, "未授权账号") if principal.role else "未授权账号"
        raise Forbidden(f"{label}无权执行此操作 (your role may not {request.method} {path})", "role")
    return access


def scoped(principal: Principal | None, policy: Policy) -> Access | None:
    """The access `principal` has under `policy`, or None if its role is not allowed."""
    if principal is None:
        return None
    if policy.kind == Kind.ANY_USER:
        return Access(principal, Scope.OWN)
    scope = policy.allow.get(principal.role) if principal.role else None
    return None if scope is None else Access(principal, scope)


def _token(request: Request, credentials: HTTPAuthorizationCredentials | None) -> str | None:
    if credentials and credentials.credentials:
        return credentials.credentials
    is_page = not request.url.path.startswith("/api/")
    if request.method in ("GET", "HEAD") or is_page:
        return request.cookies.get(COOKIE) or None
    return None


# Requests a page makes by itself (live updates) are not the user's activity: they never reset the idle timer.
PASSIVE_PATHS = frozenset({"/api/v1/warnings/events"})


async def _principal(hub: Hub, token: str, *, passive: bool = False) -> Principal | None:
    if hmac.compare_digest(token.encode("utf-8"), hub.settings.admin_token.encode("utf-8")):
        return ADMIN_PRINCIPAL
    feed = hub.settings.traffic_token
    if feed and hmac.compare_digest(token.encode("utf-8"), feed.encode("utf-8")):
        return TRAFFIC_PRINCIPAL
    # The gate is async so that only this, the database's part, pays a trip to the thread pool (one).
    return await run_in_threadpool(_session_principal, hub, token, passive)


def _session_principal(hub: Hub, token: str, passive: bool) -> Principal | None:
    now = hub.clock()
    with hub.lookup_engine.connect() as conn:
        principal, stale = session_principal(
            conn, token, now, hub.settings.idle_timeout_s * 1000, totp_roles(hub.settings)
        )
    if stale and not passive:
        touch(hub.write, token, now)
    return principal


def totp_roles(settings: Settings) -> frozenset[Role]:
    return frozenset(Role(r) for r in settings.totp_roles)


AccessDep = Annotated[Access, Depends(gate)]
