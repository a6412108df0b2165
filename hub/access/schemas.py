"""Request bodies of logging in and of accounts."""

from __future__ import annotations

from pydantic import Field, StrictBool

from hub.core.schemas import Strict, Text


class Login(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


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
