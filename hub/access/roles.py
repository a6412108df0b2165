"""Who a user is to the hub: one role per account, bound to an enterprise or a region, or neither.

The three administrators are kept apart (三员分立, GB/T 22239): the system administrator keeps the
accounts, devices and enterprise register; the security administrator grants roles and scopes; the audit
administrator reads the audit log. None of them sees a bag's history, and none can do another's work.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    REGULATOR = "regulator"  # 生态环境主管部门, scoped by region code (province, city or district)
    INSPECTOR = "inspector"  # 执法检查人员, reads within a region; changes only field checks and inspections
    ENTERPRISE = "enterprise"  # 企业用户: its own enterprise's file, stock and manifests (as shipper)
    TRANSPORTER = "transporter"  # 运输单位用户: manifests it carries, its vehicles' positions
    RECEIVER = "receiver"  # 接收/处置单位用户: manifests it receives, receipts
    SYSTEM_ADMIN = "system_admin"  # 系统管理员
    SECURITY_ADMIN = "security_admin"  # 安全管理员
    AUDIT_ADMIN = "audit_admin"  # 审计管理员
    ADMIN_TOKEN = "admin_token"  # the WT_HUB_ADMIN_TOKEN bearer: enrolment tokens and the first accounts
    TRAFFIC_FEED = "traffic_feed"  # the WT_HUB_TRAFFIC_TOKEN bearer: the 交管 platform posting positions


ROLE_LABELS: dict[Role, str] = {
    Role.REGULATOR: "监管人员",
    Role.INSPECTOR: "检查人员",
    Role.ENTERPRISE: "企业用户",
    Role.TRANSPORTER: "运输单位用户",
    Role.RECEIVER: "接收单位用户",
    Role.SYSTEM_ADMIN: "系统管理员",
    Role.SECURITY_ADMIN: "安全管理员",
    Role.AUDIT_ADMIN: "审计管理员",
    Role.ADMIN_TOKEN: "初始管理令牌",
    Role.TRAFFIC_FEED: "交管数据接口",
}

ENTERPRISE_ROLES = frozenset({Role.ENTERPRISE, Role.TRANSPORTER, Role.RECEIVER})
REGION_ROLES = frozenset({Role.REGULATOR, Role.INSPECTOR})
ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
GRANTABLE = ENTERPRISE_ROLES | REGION_ROLES | ADMIN_ROLES
