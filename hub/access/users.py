"""Accounts: created by the system administrator, given a role and scope by the security administrator,
each change a new version (the password hash too, so a reset is on record).

The admin token may do both, to make the first administrators; after that it should stay in the safe.
No administrator may change their own account's role, and an account holds exactly one role.

三员分立: none of the three administrators may change another administrator's password, state (active) or
role, nor make an account an administrator: that is the admin token's alone (kept in the safe, every use
audited). A password set by someone else (a reset) must be changed by its owner at the next login, and every
session of an account ends when its password changes or is reset, or when it is disabled.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.access import totp
from hub.access.passwords import check_password_policy, hash_password, verify_password
from hub.access.roles import ADMIN_ROLES, ENTERPRISE_ROLES, GRANTABLE, REGION_ROLES, ROLE_LABELS, Role
from hub.access.sessions import end_sessions
from hub.access.tables import User, UserVersion
from hub.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from hub.core.versions import append, fields_of, history, latest
from hub.registry.enterprises import enterprise_by_id, enterprise_by_uscc
from protocols.codes import RegionCodeError, validate_region_code

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")


def create_user(
    session: Session, *, username: str, display_name: str, password: str, by: str, now_ms: int
) -> dict[str, Any]:
    if not USERNAME.match(username):
        raise Invalid("用户名应为2–64位字母、数字或 . _ @ - (user names are 2–64 letters, digits, . _ @ -)")
    check_password_policy(password, username)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"用户名 {username} 已存在 (user {username!r} exists)")
    user = User(username=username, created_ms=now_ms)
    session.add(user)
    session.flush()
    fields = dict(
        display_name=display_name,
        password_hash=hash_password(password),
        role=None,
        enterprise_id=None,
        region_code=None,
    )
    append(session, UserVersion, {"user_id": user.id}, fields, by=by, now_ms=now_ms, reason="created")
    return user_view(session, username)


def change_user(
    session: Session,
    username: str,
    *,
    display_name: str | None,
    active: bool | None,
    password: str | None,
    reason: str | None,
    by: str,
    now_ms: int,
    by_role: Role | None = None,
) -> dict[str, Any]:
    user, prev = _current(session, username)
    fields = fields_of(prev, ("user_id",))
    if display_name is not None:
        fields["display_name"] = display_name
    if username == by and password is not None:
        raise Forbidden(
            "修改自己的密码请用 POST /api/v1/me/password，须输入原密码 (change your own password there)",
            "self",
        )
    if username == by and active is False:
        raise Forbidden("不能停用自己的账号 (you cannot disable your own account)", "self")
    if password is not None or active is not None:
        _keep_admins_apart(prev, by, by_role, "密码或状态 (password or state)")
    if password is not None:
        check_password_policy(password, username)
        fields["password_hash"] = hash_password(password)
        fields["must_change_password"] = True  # a reset: the owner chooses a new one at the next login
    is_active = prev.active if active is None else active
    if password is not None or not is_active:
        end_sessions(session, user.id, now_ms)
    append(
        session,
        UserVersion,
        {"user_id": user.id},
        fields,
        by=by,
        now_ms=now_ms,
        reason=reason,
        active=is_active,
    )
    return user_view(session, username)


def grant_role(
    session: Session,
    username: str,
    *,
    role: str | None,
    enterprise_uscc: str | None,
    region_code: str | None,
    reason: str | None,
    by: str,
    now_ms: int,
    by_role: Role | None = None,
) -> dict[str, Any]:
    if username == by:
        raise Forbidden("不能修改自己的角色 (you cannot change your own role)", "self")
    user, prev = _current(session, username)
    _keep_admins_apart(prev, by, by_role, "角色 (role)")
    if role in ADMIN_ROLES and by_role in ADMIN_ROLES:
        raise Forbidden(
            "管理员角色只能由初始管理令牌授予 (only the admin token makes an administrator: 三员分立)",
            "separation",
        )
    fields = fields_of(prev, ("user_id",))
    fields.update(role=None, enterprise_id=None, region_code=None)
    if role is not None:
        try:
            granted = Role(role)
        except ValueError as exc:
            raise Invalid(f"未知角色 {role!r} (unknown role; one of {', '.join(sorted(GRANTABLE))})") from exc
        if granted not in GRANTABLE:
            raise Invalid(f"角色 {role} 不能授予账号 (that role cannot be granted)")
        fields["role"] = granted.value
        if granted in ENTERPRISE_ROLES:
            if not enterprise_uscc:
                raise Invalid(f"{ROLE_LABELS[granted]}须指定所属企业 enterprise_uscc (needs enterprise_uscc)")
            fields["enterprise_id"] = enterprise_by_uscc(session, enterprise_uscc).id
        elif enterprise_uscc:
            raise Invalid(f"{ROLE_LABELS[granted]}不属于企业 (this role is not bound to an enterprise)")
        if granted in REGION_ROLES:
            if not region_code:
                raise Invalid(f"{ROLE_LABELS[granted]}须指定辖区 region_code (needs region_code)")
            try:
                validate_region_code(region_code)
            except RegionCodeError as exc:
                raise Invalid(str(exc)) from exc
            fields["region_code"] = region_code
        elif region_code:
            raise Invalid(f"{ROLE_LABELS[granted]}不按辖区授权 (this role has no region)")
    append(
        session,
        UserVersion,
        {"user_id": user.id},
        fields,
        by=by,
        now_ms=now_ms,
        reason=reason,
        active=prev.active,
    )
    return user_view(session, username)


def change_own_password(session: Session, user_id: int, old: str, new: str, now_ms: int) -> None:
    user = session.get(User, user_id)
    prev = latest(session, UserVersion, user_id=user_id) if user else None
    if user is None or prev is None:
        raise NotFound("账号不存在 (no such account)")
    if not verify_password(old, prev.password_hash):
        raise Unauthenticated("原密码错误 (the old password is wrong)")
    check_password_policy(new, user.username)
    fields = fields_of(prev, ("user_id",))
    fields["password_hash"] = hash_password(new)
    fields["must_change_password"] = False
    end_sessions(session, user_id, now_ms)
    append(
        session,
        UserVersion,
        {"user_id": user_id},
        fields,
        by=user.username,
        now_ms=now_ms,
        reason="password changed by its owner",
        active=prev.active,
    )


def reset_second_factor(
    session: Session, username: str, *, by: str, by_role: Role | None, now_ms: int
) -> bool:
    """Forget an account's second factor (a lost phone): it enrols again at its next login, and its sessions
    end. Never one's own, and never another administrator's (三员分立: only the admin token does that)."""
    user, version = _current(session, username)
    if by == user.username:
        raise Forbidden("不能重置自己的动态口令 (you may not reset your own second factor)", "self")
    _keep_admins_apart(version, by, by_role, "动态口令")
    had = totp.reset(session, user.id)
    end_sessions(session, user.id, now_ms)
    return had


def _keep_admins_apart(target: UserVersion, by: str, by_role: Role | None, what: str) -> None:
    """三员分立: an administrator never changes another administrator's password, state or role."""
    if by_role in ADMIN_ROLES and target.role in ADMIN_ROLES:
        raise Forbidden(
            f"管理员不能修改另一管理员的{what}；须由初始管理令牌办理 "
            "(an administrator may not change another administrator's account: 三员分立)",
            "separation",
        )


def list_users(session: Session) -> list[dict[str, Any]]:
    names = session.scalars(select(User.username).order_by(User.username)).all()
    return [user_view(session, n, with_history=False) for n in names]


def user_view(session: Session, username: str, *, with_history: bool = True) -> dict[str, Any]:
    user, version = _current(session, username)
    view = {"username": user.username, "created_ms": user.created_ms, **_version_view(session, version)}
    if with_history:
        rows = history(session, UserVersion, user_id=user.id)
        view["history"] = [
            {
                **_version_view(session, v),
                "password_changed": i > 0 and v.password_hash != rows[i - 1].password_hash,
            }
            for i, v in enumerate(rows)
        ]
    return view


def _version_view(session: Session, v: UserVersion) -> dict[str, Any]:
    return {
        "version": v.version,
        "display_name": v.display_name,
        "role": v.role,
        "enterprise_uscc": enterprise_by_id(session, v.enterprise_id).uscc if v.enterprise_id else None,
        "region_code": v.region_code,
        "active": v.active,
        "must_change_password": bool(v.must_change_password),
        "recorded_ms": v.recorded_ms,
        "recorded_by": v.recorded_by,
        "reason": v.reason,
    }


def _current(session: Session, username: str) -> tuple[User, UserVersion]:
    user = session.scalar(select(User).where(User.username == username))
    version = latest(session, UserVersion, user_id=user.id) if user else None
    if user is None or version is None:
        raise NotFound(f"没有用户 {username} (no user {username!r})")
    return user, version
