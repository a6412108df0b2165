"""What a caller may see: the principal, the scope its role has on the route, and the checks on data.

A route's policy (hub/access/policies.py) says which roles may call it at all and with which scope: ALL (every
enterprise), REGION (enterprises inside the principal's region code, `region_contains`), OWN (the
principal's own enterprise). The gate (hub/access/gate.py) checks the role; route code then asks
`Access` about the data it is about to show or change, so a user of one enterprise never reads another's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from hub.access.roles import ROLE_LABELS, Role
from hub.core.errors import Forbidden
from protocols.codes import RegionCodeError, region_contains


class Scope(StrEnum):
    ALL = "all"
    REGION = "region"
    OWN = "own"


@dataclass(frozen=True, slots=True)
class Principal:
    name: str  # the user name, or "admin-token"
    role: Role | None  # None: an account the security administrator has not granted a role yet
    user_id: int | None = None
    enterprise_id: int | None = None
    region_code: str | None = None
    must_change_password: bool = False  # a reset password: only its own account and a new password
    must_enrol_totp: bool = False  # its role needs a second factor it has not set up: only enrolment


@dataclass(frozen=True, slots=True)
class Party:
    """An enterprise as far as scoping is concerned."""

    enterprise_id: int
    region_code: str | None


@dataclass(frozen=True, slots=True)
class Access:
    principal: Principal | None
    scope: Scope | None  # None on public and device routes

    @property
    def user(self) -> Principal:
        if self.principal is None:
            raise Forbidden("请先登录 (log in first)", "role")
        return self.principal

    @property
    def actor(self) -> str:
        return self.principal.name if self.principal else "anonymous"

    def sees(self, party: Party) -> bool:
        if self.principal is None or self.scope is None:
            return False
        if self.scope == Scope.ALL:
            return True
        if self.scope == Scope.OWN:
            return self.principal.enterprise_id == party.enterprise_id
        return _in_region(self.principal.region_code, party.region_code)

    def sees_any(self, parties: Iterable[Party]) -> bool:
        return any(self.sees(p) for p in parties)

    def require(self, party: Party, what: str = "该企业的数据") -> None:
        if not self.sees(party):
            raise Forbidden(self._denial(what), "scope")

    def require_any(self, parties: Iterable[Party], what: str) -> None:
        if not self.sees_any(parties):
            raise Forbidden(self._denial(what), "scope")

    def _denial(self, what: str) -> str:
        role = self.principal.role if self.principal else None
        label = ROLE_LABELS.get(role, "未授权") if role else "未授权"
        if self.scope == Scope.REGION:
            where = f"辖区 {self.principal.region_code if self.principal else ''} 以外"
            return f"{what}属于{where}，{label}无权访问 (outside your region)"
        return f"{what}属于其他企业，{label}无权访问 (it belongs to another enterprise)"


def _in_region(scope: str | None, code: str | None) -> bool:
    if not scope or not code:
        return False
    try:
        return region_contains(scope, code)
    except RegionCodeError:
        return False
