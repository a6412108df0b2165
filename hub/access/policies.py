"""Who may call each route: the access table, one row per (method, path) the hub serves.

Default deny: the gate refuses any route missing from this table with 403, and tests/test_hub_access.py
walks the application's route table and fails for a route with no row here — a new endpoint cannot be
forgotten. `scope` per role is what route code enforces on the data (hub/access/principal.py).

Kinds: `public` (anyone; a logged-in caller is still recognised, for the pages), `device` (authenticated by
the device's own signature or one-time token inside the route), `user` (a logged-in role from `allow`).
`audited=False` marks data that devices and vehicles send in bulk, kept in their own tables instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from hub.access.principal import Scope
from hub.access.roles import Role


class Kind(StrEnum):
    PUBLIC = "public"
    DEVICE = "device"
    USER = "user"
    ANY_USER = "any_user"  # any logged-in account, even one without a role yet (its own profile, logout)


@dataclass(frozen=True, slots=True)
class Policy:
    kind: Kind
    allow: Mapping[Role, Scope] = field(default_factory=lambda: MappingProxyType({}))
    audited: bool = True


R, S = Role, Scope
PUBLIC = Policy(Kind.PUBLIC)
DEVICE = Policy(Kind.DEVICE, audited=False)
ANY_USER = Policy(Kind.ANY_USER)


def users(audited: bool = True, **allow: Scope) -> Policy:
    return Policy(Kind.USER, MappingProxyType({Role(k): v for k, v in allow.items()}), audited)


# Scopes that recur.
REGION_READ = {"regulator": S.REGION, "inspector": S.REGION}
PARTIES = {"enterprise": S.OWN, "transporter": S.OWN, "receiver": S.OWN}
BAG_READERS = users(**REGION_READ, **PARTIES)
FILE_READERS = users(**REGION_READ, **PARTIES, system_admin=S.ALL)
OPERATIONS = users(system_admin=S.ALL, admin_token=S.ALL)
WARNING_READERS = users(**REGION_READ, **PARTIES)
ACCOUNT_READERS = users(system_admin=S.ALL, security_admin=S.ALL, audit_admin=S.ALL, admin_token=S.ALL)

POLICIES: dict[tuple[str, str], Policy] = {
    # the service, pages and login
    ("GET", "/openapi.json"): PUBLIC,  # FastAPI's own routes: served without the gate, listed for the record
    ("GET", "/docs"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    ("GET", "/fonts/cjk.ttf"): PUBLIC,
    ("GET", "/api/v1/health"): PUBLIC,
    ("GET", "/api/v1/hub-key"): PUBLIC,
    ("GET", "/"): PUBLIC,
    ("GET", "/t"): PUBLIC,
    ("GET", "/t/{code}"): PUBLIC,  # the label's facts for anyone; the whole history for a logged-in reader
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    ("POST", "/api/v1/sessions"): PUBLIC,
    ("DELETE", "/api/v1/sessions/current"): ANY_USER,
    ("GET", "/api/v1/me"): ANY_USER,
    ("POST", "/api/v1/me/password"): ANY_USER,
    # the second factor (hub/access/totp.py): one's own, and a reset by the security administrator
    ("GET", "/api/v1/me/totp"): ANY_USER,
    ("POST", "/api/v1/me/totp"): ANY_USER,
    ("POST", "/api/v1/me/totp/activate"): ANY_USER,
    ("GET", "/me/totp"): ANY_USER,
    ("POST", "/me/totp"): ANY_USER,
    ("POST", "/me/totp/activate"): ANY_USER,
    ("DELETE", "/api/v1/users/{username}/totp"): users(security_admin=S.ALL, admin_token=S.ALL),
    # devices
    ("POST", "/api/v1/enrolment-tokens"): users(system_admin=S.ALL, admin_token=S.ALL),
    ("POST", "/api/v1/devices/enrol"): Policy(Kind.DEVICE),
    ("POST", "/api/v1/batches"): DEVICE,
    ("GET", "/api/v1/projection"): OPERATIONS,
    ("GET", "/api/v1/devices/{device_id}"): users(
        **REGION_READ, **PARTIES, system_admin=S.ALL, admin_token=S.ALL
    ),
    ("PATCH", "/api/v1/devices/{device_id}"): users(enterprise=S.OWN, system_admin=S.ALL),
    ("GET", "/api/v1/devices/{device_id}/batches/{batch_id}"): BAG_READERS,
    # device health and remote configuration (hub/devices/health_routes.py, remote_config.py): operations
    ("POST", "/api/v1/devices/{device_id}/heartbeats"): DEVICE,
    # commissioning reports (hub/devices/commission_routes.py): signed by the box; read like the device
    ("POST", "/api/v1/devices/{device_id}/commission-reports"): DEVICE,
    ("GET", "/api/v1/devices/{device_id}/commission-reports"): users(
        **REGION_READ, **PARTIES, system_admin=S.ALL
    ),
    ("GET", "/api/v1/device-health"): OPERATIONS,
    ("GET", "/api/v1/devices/{device_id}/health"): OPERATIONS,
    ("PUT", "/api/v1/devices/{device_id}/config"): OPERATIONS,
    ("GET", "/api/v1/devices/{device_id}/config"): OPERATIONS,
    # camera evidence (hub/evidence/snapshots.py, analytics.py)
    ("PUT", "/api/v1/snapshots/{sha256}"): DEVICE,  # accepted only for an image a stored event names
    ("GET", "/api/v1/snapshots/{sha256}.jpg"): BAG_READERS,
    ("GET", "/api/v1/enterprises/{uscc}/snapshots"): FILE_READERS,
    ("POST", "/api/v1/analytics"): DEVICE,
    # attachments (hub/attachments/routes.py): anyone who writes records with files; each reads only their own
    # here, and others read them through the record that names them
    ("POST", "/api/v1/attachments"): users(**REGION_READ, **PARTIES),
    ("GET", "/api/v1/attachments/{sha256}"): users(**REGION_READ, **PARTIES),
    # custody (hub/custody/routes.py): scoped to the acting enterprise and the bag's producer
    ("GET", "/api/v1/refused-events"): users(**REGION_READ, **PARTIES, system_admin=S.ALL, admin_token=S.ALL),
    # Unscoped as written (every enterprise's warnings): the admin token only, until it is scoped by region.
    ("GET", "/api/v1/analytics/warnings"): users(admin_token=S.ALL),
    # accounts and audit (三员分立)
    ("POST", "/api/v1/users"): users(system_admin=S.ALL, admin_token=S.ALL),
    ("GET", "/api/v1/users"): ACCOUNT_READERS,
    ("GET", "/api/v1/users/{username}"): ACCOUNT_READERS,
    ("PATCH", "/api/v1/users/{username}"): users(system_admin=S.ALL, admin_token=S.ALL),
    ("PUT", "/api/v1/users/{username}/role"): users(security_admin=S.ALL, admin_token=S.ALL),
    ("GET", "/api/v1/audit"): users(audit_admin=S.ALL),
    # 一企一档
    ("GET", "/api/v1/enterprises"): FILE_READERS,
    ("POST", "/api/v1/enterprises"): users(regulator=S.REGION, system_admin=S.ALL),
    ("GET", "/api/v1/enterprises/{uscc}"): FILE_READERS,
    ("PATCH", "/api/v1/enterprises/{uscc}"): users(regulator=S.REGION, enterprise=S.OWN, system_admin=S.ALL),
    ("GET", "/api/v1/enterprises/{uscc}/history"): FILE_READERS,
    ("POST", "/api/v1/enterprises/{uscc}/facilities"): users(
        regulator=S.REGION, enterprise=S.OWN, system_admin=S.ALL
    ),
    ("PATCH", "/api/v1/enterprises/{uscc}/facilities/{code}"): users(
        regulator=S.REGION, enterprise=S.OWN, system_admin=S.ALL
    ),
    ("POST", "/api/v1/enterprises/{uscc}/licences"): users(regulator=S.REGION, system_admin=S.ALL),
    ("PATCH", "/api/v1/enterprises/{uscc}/licences/{number}"): users(regulator=S.REGION, system_admin=S.ALL),
    ("PUT", "/api/v1/enterprises/{uscc}/plans/{year}"): users(enterprise=S.OWN),
    ("GET", "/api/v1/enterprises/{uscc}/plans/{year}/attachments/{sha256}"): FILE_READERS,
    ("GET", "/api/v1/enterprises/{uscc}/operation-plans"): FILE_READERS,
    ("PUT", "/api/v1/enterprises/{uscc}/operation-plans/{year}"): users(receiver=S.OWN),
    ("GET", "/api/v1/enterprises/{uscc}/operation-plans/{year}/attachments/{sha256}"): FILE_READERS,
    ("POST", "/api/v1/enterprises/{uscc}/vehicles"): users(
        enterprise=S.OWN, transporter=S.OWN, system_admin=S.ALL
    ),
    ("PATCH", "/api/v1/enterprises/{uscc}/vehicles/{plate}"): users(
        enterprise=S.OWN, transporter=S.OWN, system_admin=S.ALL
    ),
    # inventory
    ("GET", "/api/v1/enterprises/{uscc}/stock"): BAG_READERS,
    ("GET", "/api/v1/enterprises/{uscc}/storage-records"): BAG_READERS,
    # bags
    ("GET", "/api/v1/packages/{code}/trace"): BAG_READERS,
    ("GET", "/api/v1/packages/{code}/epcis"): BAG_READERS,
    # manifests
    ("GET", "/api/v1/manifests"): BAG_READERS,
    ("POST", "/api/v1/manifests"): users(enterprise=S.OWN),
    ("GET", "/api/v1/manifests/{number}"): BAG_READERS,
    ("PATCH", "/api/v1/manifests/{number}"): users(**PARTIES),
    ("GET", "/api/v1/manifests/{number}/versions"): BAG_READERS,
    ("POST", "/api/v1/manifests/{number}/bags"): users(enterprise=S.OWN),
    ("DELETE", "/api/v1/manifests/{number}/bags/{code}"): users(enterprise=S.OWN),
    ("POST", "/api/v1/manifests/{number}/transitions"): users(**PARTIES),
    ("POST", "/api/v1/manifests/{number}/receipts"): users(receiver=S.OWN),
    ("GET", "/api/v1/manifests/{number}/track"): BAG_READERS,
    ("GET", "/manifests/{number}"): BAG_READERS,
    # transport
    ("POST", "/api/v1/vehicles/{plate}/positions"): users(audited=False, transporter=S.OWN),
    ("GET", "/api/v1/vehicles/{plate}/positions"): users(**REGION_READ, transporter=S.OWN),
    ("POST", "/api/v1/traffic/positions"): users(audited=False, traffic_feed=S.ALL),
    ("GET", "/api/v1/traffic/status"): users(**REGION_READ, system_admin=S.ALL, admin_token=S.ALL),
    # the warning centre (hub/warnings): regulators act, inspectors read, enterprises read their own, answer
    ("GET", "/api/v1/warnings"): WARNING_READERS,
    ("GET", "/api/v1/warnings/{warning_id}"): WARNING_READERS,
    ("GET", "/api/v1/warnings/events"): WARNING_READERS,
    ("POST", "/api/v1/warnings/{warning_id}/transitions"): users(regulator=S.REGION),
    ("POST", "/api/v1/warnings/{warning_id}/orders"): users(regulator=S.REGION),
    ("POST", "/api/v1/warnings/sweep"): OPERATIONS,
    ("GET", "/api/v1/supervision-orders"): WARNING_READERS,
    ("GET", "/api/v1/supervision-orders/{number}"): WARNING_READERS,
    ("POST", "/api/v1/supervision-orders/{number}/answer"): users(**PARTIES),
    ("POST", "/api/v1/supervision-orders/{number}/decision"): users(regulator=S.REGION),
    ("GET", "/api/v1/supervision-orders/{number}/attachments/{sha256}"): WARNING_READERS,
    ("GET", "/api/v1/warning-silences"): WARNING_READERS,
    ("PUT", "/api/v1/me/digest"): WARNING_READERS,
    ("DELETE", "/api/v1/me/digest"): WARNING_READERS,
    ("GET", "/api/v1/mail-outbox"): OPERATIONS,
    ("GET", "/api/v1/mail-outbox/{message_id}.eml"): OPERATIONS,
    ("POST", "/api/v1/mail-outbox/{message_id}/sent"): OPERATIONS,
    ("POST", "/api/v1/warning-webhooks"): users(regulator=S.REGION),
    ("GET", "/api/v1/warning-webhooks"): users(regulator=S.REGION),
    ("DELETE", "/api/v1/warning-webhooks/{webhook_id}"): users(regulator=S.REGION),
    ("GET", "/api/v1/warning-webhooks/{webhook_id}/deliveries"): users(regulator=S.REGION),
    ("POST", "/api/v1/warning-silences"): users(regulator=S.REGION),
    ("DELETE", "/api/v1/warning-silences/{silence_id}"): users(regulator=S.REGION),
    ("GET", "/warnings"): WARNING_READERS,
    ("GET", "/warnings/{warning_id}"): WARNING_READERS,
    ("POST", "/warnings/{warning_id}"): users(regulator=S.REGION),
    ("GET", "/supervision-orders"): WARNING_READERS,
    ("POST", "/supervision-orders/{number}"): users(**PARTIES),
    # 申报 (hub/declarations): the enterprise declares, the regulator reviews
    ("GET", "/api/v1/enterprises/{uscc}/declarations"): users(**REGION_READ, enterprise=S.OWN),
    ("GET", "/api/v1/enterprises/{uscc}/declarations/due"): users(**REGION_READ, enterprise=S.OWN),
    ("GET", "/api/v1/declarations/overdue"): users(**REGION_READ),
    ("GET", "/api/v1/enterprises/{uscc}/declarations/{year}/{month}"): users(**REGION_READ, enterprise=S.OWN),
    ("PUT", "/api/v1/enterprises/{uscc}/declarations/{year}/{month}"): users(enterprise=S.OWN),
    ("POST", "/api/v1/enterprises/{uscc}/declarations/{year}/{month}/generate"): users(enterprise=S.OWN),
    ("POST", "/api/v1/enterprises/{uscc}/declarations/{year}/{month}/submit"): users(enterprise=S.OWN),
    ("POST", "/api/v1/enterprises/{uscc}/declarations/{year}/{month}/review"): users(regulator=S.REGION),
    ("GET", "/api/v1/enterprises/{uscc}/annual-declarations"): users(**REGION_READ, enterprise=S.OWN),
    ("GET", "/api/v1/enterprises/{uscc}/annual-declarations/{year}"): users(**REGION_READ, enterprise=S.OWN),
    ("POST", "/api/v1/enterprises/{uscc}/annual-declarations/{year}/generate"): users(enterprise=S.OWN),
    ("POST", "/api/v1/enterprises/{uscc}/annual-declarations/{year}/submit"): users(enterprise=S.OWN),
    ("POST", "/api/v1/enterprises/{uscc}/annual-declarations/{year}/review"): users(regulator=S.REGION),
    ("GET", "/api/v1/enterprises/{uscc}/declarations/{year}/{month}/comparison"): users(
        **REGION_READ, enterprise=S.OWN
    ),
    ("GET", "/api/v1/enterprises/{uscc}/daily-reports"): users(**REGION_READ, receiver=S.OWN),
    ("PUT", "/api/v1/enterprises/{uscc}/daily-reports/{day}"): users(receiver=S.OWN),
    # the exchange with the provincial platform (hub/exchange): operations and regulators
    ("GET", "/api/v1/exchange/status"): users(**REGION_READ, system_admin=S.ALL, admin_token=S.ALL),
    ("GET", "/api/v1/exchange/conflicts"): users(regulator=S.REGION, system_admin=S.ALL, admin_token=S.ALL),
    ("GET", "/exchange"): users(**REGION_READ, system_admin=S.ALL, admin_token=S.ALL),
    # the regulator's pages (docs/regulator-web.md): each reads what its API would, scoped the same way
    ("GET", "/dashboard"): FILE_READERS,
    ("GET", "/enterprises"): FILE_READERS,
    ("GET", "/enterprises/{uscc}"): FILE_READERS,
    ("GET", "/stock"): BAG_READERS,
    ("GET", "/enterprises/{uscc}/facilities/{code}"): BAG_READERS,
    ("GET", "/manifests"): BAG_READERS,
    ("GET", "/devices"): users(**REGION_READ, **PARTIES, system_admin=S.ALL),
    # statistics (危废一张图, hub/stats/): summed over what the caller may see, never beyond
    ("GET", "/api/v1/stats/production"): FILE_READERS,
    ("GET", "/api/v1/stats/storage"): FILE_READERS,
    ("GET", "/api/v1/stats/transfer"): FILE_READERS,
    ("GET", "/api/v1/stats/disposal"): FILE_READERS,
    ("GET", "/api/v1/stats/live"): FILE_READERS,
    ("GET", "/api/v1/stats/map"): FILE_READERS,
    ("GET", "/api/v1/stats/districts"): FILE_READERS,
    ("GET", "/api/v1/stats/tracks"): FILE_READERS,
    ("GET", "/api/v1/stats/boundaries"): FILE_READERS,
    ("GET", "/api/v1/stats/monthly"): FILE_READERS,
    ("GET", "/api/v1/stats/manifest-feed"): FILE_READERS,
    ("GET", "/api/v1/stats/enterprises/{uscc}/overview"): FILE_READERS,
    # the field app (hub/mobile/): the app itself holds no data; what it shows comes from the API above
    ("GET", "/m"): PUBLIC,
    ("GET", "/m/"): PUBLIC,
    ("GET", "/m/app.js"): PUBLIC,
    ("GET", "/m/app.css"): PUBLIC,
    ("GET", "/m/sw.js"): PUBLIC,
    ("GET", "/m/manifest.webmanifest"): PUBLIC,
    ("GET", "/m/icon-{size}.png"): PUBLIC,
    # 现场核查 (hub/field_checks/): made by inspectors and regulators of the region, read by the enterprise
    ("POST", "/api/v1/field-checks"): users(**REGION_READ),
    ("GET", "/api/v1/field-checks"): users(**REGION_READ, **PARTIES),
    ("GET", "/api/v1/field-checks/{check_id}/photos/{sha256}"): users(**REGION_READ, **PARTIES),
    ("GET", "/reports/monthly"): FILE_READERS,
    # field inspections (hub/inspections, docs/inspections.md): with field checks, what an inspector changes.
    # Inspectors and regulators of the region plan inspections (the items, scan checks in it and submission:
    # its assignees only); the enterprise reads its own inspections once submitted, and their reports.
    ("GET", "/api/v1/inspection-checklists/{region}"): users(**REGION_READ, system_admin=S.ALL),
    ("PUT", "/api/v1/inspection-checklists/{region}"): users(regulator=S.REGION, system_admin=S.ALL),
    ("GET", "/api/v1/inspections"): users(**REGION_READ, **PARTIES),
    ("POST", "/api/v1/inspections"): users(**REGION_READ),
    ("POST", "/api/v1/inspections/sync"): users(**REGION_READ),
    ("GET", "/api/v1/inspections/{number}"): users(**REGION_READ, **PARTIES),
    ("PATCH", "/api/v1/inspections/{number}"): users(**REGION_READ),
    ("POST", "/api/v1/inspections/{number}/start"): users(**REGION_READ),
    ("PUT", "/api/v1/inspections/{number}/items/{code}"): users(**REGION_READ),
    ("POST", "/api/v1/inspections/{number}/submit"): users(**REGION_READ),
    ("POST", "/api/v1/inspections/{number}/conflicts/{conflict_id}/resolve"): users(**REGION_READ),
    ("GET", "/api/v1/inspections/{number}/report"): users(**REGION_READ, **PARTIES),
    ("GET", "/api/v1/inspections/{number}/report.pdf"): users(**REGION_READ, **PARTIES),
    ("GET", "/api/v1/inspections/{number}/attachments/{sha256}"): users(**REGION_READ, **PARTIES),
    ("POST", "/api/v1/inspections/{number}/field-checks"): users(**REGION_READ),
    ("GET", "/inspections"): users(**REGION_READ, **PARTIES),
    ("POST", "/inspections"): users(**REGION_READ),
    ("GET", "/inspections/{number}"): users(**REGION_READ, **PARTIES),
    ("POST", "/inspections/{number}/items/{code}"): users(**REGION_READ),
    ("POST", "/inspections/{number}/submit"): users(**REGION_READ),
    ("POST", "/inspections/{number}/conflicts/{conflict_id}"): users(**REGION_READ),
}
del R, S


def policy_for(method: str, path: str) -> Policy | None:
    return POLICIES.get(("GET" if method == "HEAD" else method, path))
