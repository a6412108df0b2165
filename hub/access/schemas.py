"""Request bodies and answers of logging in, of accounts and of the audit log."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, StrictBool

from hub.core.schemas import Strict, Text


class Login(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    code: str | None = Field(
        default=None, max_length=16, description="the second factor's code (TOTP), when the account has one"
    )


class TotpCode(Strict):
    code: str = Field(min_length=1, max_length=16, description="the 6 digits the authenticator app shows")


class TotpStatus(BaseModel):
    required: bool = Field(
        description="the account's role must log in with a second factor (WT_HUB_TOTP_ROLES)"
    )
    state: str | None = Field(description="`pending` (shown, not yet confirmed), `active`, or null (none)")


class TotpEnrolment(BaseModel):
    secret: str = Field(
        description="base32; shown this once, to type into the app if the QR cannot be scanned"
    )
    uri: str = Field(description="the otpauth:// URI the QR code holds")
    qr_svg: str = Field(description="the URI as an SVG QR code")


class TotpReset(BaseModel):
    username: str
    had_factor: bool = Field(description="false when the account had no second factor to reset")


class PasswordChange(Strict):
    old_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class UserCreate(Strict):
    username: str = Field(min_length=2, max_length=64)
    display_name: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=256)


class UserChange(Strict):
    display_name: str | None = Field(default=None, min_length=1, max_length=100)
    active: StrictBool | None = None
    password: str | None = Field(default=None, min_length=1, max_length=256)
    reason: str | None = Text


class RoleGrant(Strict):
    role: str | None = Field(description="one of the roles, or null to take the role away")
    enterprise_uscc: str | None = Field(default=None, max_length=18)
    region_code: str | None = Field(default=None, max_length=6)
    reason: str | None = Text


# Answers. Field order is the order the answers have always had on the wire.


class SessionIssued(BaseModel):
    token: str = Field(description="send as `Authorization: Bearer <token>`")
    expires_ms: int = Field(description="UTC ms")
    username: str
    role: str | None = Field(description="the account's role, null while it has none")
    must_change_password: bool = Field(
        default=False, description="the password was reset: change it first (POST /api/v1/me/password)"
    )
    must_enrol_totp: bool = Field(
        default=False, description="the role needs a second factor: set it up first (POST /api/v1/me/totp)"
    )


class UserVersionView(BaseModel):
    version: int
    display_name: str
    role: str | None = Field(description="null while the account has no role")
    enterprise_uscc: str | None = Field(description="for enterprise-bound roles")
    region_code: str | None = Field(description="for regulators and inspectors (GB/T 2260)")
    active: bool
    must_change_password: bool = Field(default=False, description="a reset password not yet changed")
    recorded_ms: int
    recorded_by: str
    reason: str | None


class UserHistoryEntry(UserVersionView):
    password_changed: bool = Field(description="this version set a new password (never the password itself)")


class UserSummary(BaseModel):
    """An account as it stands (never a password or its hash)."""

    username: str
    created_ms: int
    version: int
    display_name: str
    role: str | None = Field(description="null while the account has no role")
    enterprise_uscc: str | None = Field(description="for enterprise-bound roles")
    region_code: str | None = Field(description="for regulators and inspectors (GB/T 2260)")
    active: bool
    must_change_password: bool = Field(default=False, description="a reset password not yet changed")
    recorded_ms: int
    recorded_by: str
    reason: str | None


class UserFile(UserSummary):
    """An account with every version: who changed it, when and why."""

    history: list[UserHistoryEntry] = Field(description="oldest first")


class Me(BaseModel):
    """The caller. The admin token is no account: it has only `username`, `role`, `enterprise_uscc` and
    `region_code`; an account has the rest too."""

    username: str
    created_ms: int | None = None
    version: int | None = None
    display_name: str | None = None
    role: str | None
    enterprise_uscc: str | None
    region_code: str | None
    active: bool | None = None
    must_change_password: bool | None = None
    recorded_ms: int | None = None
    recorded_by: str | None = None
    reason: str | None = None


class AuditEntryView(BaseModel):
    id: int
    time_ms: int
    actor: str | None = Field(description="the account, the admin token, or the user name a login tried")
    role: str | None
    action: str = Field(description="the route's name (create_manifest, login_form …) or `unrouted`")
    method: str
    path: str
    status: int
    outcome: str = Field(description="ok, denied (401/403/429), refused (other 4xx) or error")
    client: str | None
    detail: dict[str, Any] = Field(
        description="the path parameters and what the route noted (a number, a version, a user name); "
        "never a request body"
    )
