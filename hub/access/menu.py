"""The shell's menu and who is logged in, for every page: derived from the access table, so the menu never
offers a page the gate would refuse the caller.

`create_app` hands `shell_context` to the page renderer (hub/web/pages.py reads `app.state.shell_context`),
which keeps the web shell below the domains in the layers contract.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request

from hub.access.gate import scoped
from hub.access.policies import Kind, policy_for
from hub.access.principal import Principal
from hub.access.roles import ROLE_LABELS, Role


@dataclass(frozen=True, slots=True)
class MenuItem:
    path: str
    zh: str
    en: str


# In the order a regulator reads them. /warnings belongs to hub/warnings/: it shows once that package's page
# and policy row are there.
MENU: tuple[MenuItem, ...] = (
    MenuItem("/", "首页", "Home"),
    MenuItem("/dashboard", "危废一张图", "Dashboard"),
    MenuItem("/reports/monthly", "月报", "Monthly report"),
    MenuItem("/enterprises", "一企一档", "Enterprises"),
    MenuItem("/stock", "贮存台账", "Storage"),
    MenuItem("/manifests", "转移联单", "Manifests"),
    MenuItem("/devices", "设备状态", "Devices"),
    MenuItem("/warnings", "预警", "Warnings"),
    MenuItem("/inspections", "现场检查", "Inspections"),
)

ROLE_LABELS_EN: dict[Role, str] = {
    Role.REGULATOR: "Regulator",
    Role.INSPECTOR: "Inspector",
    Role.ENTERPRISE: "Enterprise user",
    Role.TRANSPORTER: "Carrier user",
    Role.RECEIVER: "Receiver user",
    Role.SYSTEM_ADMIN: "System administrator",
    Role.SECURITY_ADMIN: "Security administrator",
    Role.AUDIT_ADMIN: "Audit administrator",
    Role.ADMIN_TOKEN: "Admin token",
    Role.TRAFFIC_FEED: "Traffic feed",
}


def may_open(principal: Principal | None, path: str) -> bool:
    """Whether the gate would let `principal` GET the page at `path`."""
    policy = policy_for("GET", path)
    if policy is None:
        return False
    if policy.kind == Kind.PUBLIC:
        return True
    if policy.kind == Kind.ANY_USER:
        return principal is not None
    return policy.kind == Kind.USER and scoped(principal, policy) is not None


def menu_for(principal: Principal | None) -> list[MenuItem]:
    return [item for item in MENU if may_open(principal, item.path)]


def role_label(role: Role | None, lang: str) -> str:
    if role is None:
        return "未授权账号" if lang == "zh" else "No role yet"
    return ROLE_LABELS.get(role, str(role)) if lang == "zh" else ROLE_LABELS_EN.get(role, str(role))


def shell_context(request: Request, lang: str) -> dict[str, Any]:
    """What base.html shows around every page: the user, the menu (marking the current page), the path."""
    principal: Principal | None = getattr(request.state, "principal", None)
    path = request.url.path
    menu = [
        {
            "path": item.path,
            "label": item.zh if lang == "zh" else item.en,
            "current": path == item.path or (item.path != "/" and path.startswith(item.path + "/")),
        }
        for item in menu_for(principal)
    ]
    user = None
    if principal is not None:
        user = {"name": principal.name, "role": role_label(principal.role, lang)}
    return {"menu": menu, "user": user, "here": path}
