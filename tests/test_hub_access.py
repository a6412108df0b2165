"""The access matrix: every endpoint × every role × own and other enterprise (or region).

Generated from the application's route table: a route without a row in hub/access/policies.py, or without a
sample request below, fails the test, so a new endpoint cannot be forgotten. What each principal should get
is read from the policy: a role not allowed is refused by the gate (401 without login, 403 `role`); an
allowed role reaches the route with its own enterprise's data; with another enterprise's data (or outside
its region) a scoped role is refused (403 `scope`), an unscoped one is not. Whatever else a route answers
(a 409 because a manifest is in the wrong state, a 422 for a sample body) is that route's business and is
tested elsewhere.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.routing import iter_route_contexts
from test_hub_support import ADMIN_TOKEN, PASSWORD, START_MS, login, make_user, rows, sqlite_url
from test_hub_world import DRUMS, OIL, ORGS, PLATES, World, bag_code, build_world

from hub.access.policies import POLICIES, Kind, policy_for
from hub.access.principal import Scope
from hub.access.roles import Role
from hub.registry.enterprises import enterprise_by_id
from hub.warnings import orders as warning_orders
from hub.warnings import record as warning_record
from hub.warnings import silences as warning_silences
from hub.warnings import webhooks as warning_webhooks
from hub.warnings.record import Finding
from protocols.ledger import Attachment

# Principal → the role it logs in with and the enterprise that is its "own" (a regulator's own is inside its
# region). `other` is always the Nanjing counterpart: another enterprise, outside Baoding.
PRINCIPALS = {
    "anonymous": (None, "P1"),
    "admin-token": (Role.ADMIN_TOKEN, "P1"),
    "sysadmin": (Role.SYSTEM_ADMIN, "P1"),
    "secadmin": (Role.SECURITY_ADMIN, "P1"),
    "auditor": (Role.AUDIT_ADMIN, "P1"),
    "regulator": (Role.REGULATOR, "P1"),
    "inspector": (Role.INSPECTOR, "P1"),
    "p1": (Role.ENTERPRISE, "P1"),
    "t1": (Role.TRANSPORTER, "T1"),
    "d1": (Role.RECEIVER, "D1"),
}
OTHER = {"P1": "P2", "T1": "T2", "D1": "D2"}


@dataclass
class Ctx:
    """What a sample request may name: the world's objects, seen from one principal."""

    org: str  # the principal's own org key (P1/T1/D1), or its Nanjing counterpart for "other"
    site: str  # the producer side: P1 or P2
    facts: dict[str, Any]

    @property
    def uscc(self) -> str:
        return ORGS[self.org].uscc

    def __getitem__(self, key: str) -> Any:
        return self.facts[self.site][key]


Sample = Callable[[Ctx], tuple[dict[str, str], Any]]  # → (path params, JSON body)


def p(**params: Callable[[Ctx], str]) -> Callable[[Ctx], dict[str, str]]:
    return lambda c: {k: f(c) for k, f in params.items()}


def none(_: Ctx) -> dict[str, str]:
    return {}


@dataclass(frozen=True)
class Spec:
    params: Callable[[Ctx], dict[str, str]] = none
    body: Callable[[Ctx], Any] | None = None
    other: bool = True  # False: the route names no enterprise (a list, a create for one's own)
    form: bool = False  # a page form, not JSON
    fresh_login: bool = False  # the request ends the session it is made with
    ends_sessions: bool = False  # the request ends every session of the caller (a password change)


USCC = p(uscc=lambda c: c.uscc)
DEVICE = p(device_id=lambda c: f"edge-{c.org.lower()}")
NUMBER = p(number=lambda c: c["manifest"])
BAG = p(code=lambda c: c["bag"])
WARNING = p(warning_id=lambda c: str(c.facts["warnings"][c.org]))
ORDER = p(number=lambda c: c.facts["orders"][c.org])
PERIOD = p(uscc=lambda c: c.uscc, year=lambda c: "2026", month=lambda c: "11")
YEAR = p(uscc=lambda c: c.uscc, year=lambda c: "2025")
INSPECTION = p(number=lambda c: c.facts["inspections"][c.org])
REGION = p(region=lambda c: ORGS[c.org].region)
SPECS: dict[tuple[str, str], Spec] = {
    ("GET", "/openapi.json"): Spec(other=False),
    ("GET", "/docs"): Spec(other=False),
    ("GET", "/redoc"): Spec(other=False),
    ("GET", "/fonts/cjk.ttf"): Spec(other=False),
    ("GET", "/api/v1/health"): Spec(other=False),
    ("GET", "/api/v1/hub-key"): Spec(other=False),
    ("GET", "/"): Spec(other=False),
    ("GET", "/t"): Spec(other=False),
    ("GET", "/t/{code}"): Spec(BAG),
    ("GET", "/login"): Spec(other=False),
    ("POST", "/login"): Spec(other=False, form=True, body=lambda c: {"username": "nobody", "password": "x"}),
    ("POST", "/logout"): Spec(other=False, form=True, body=lambda c: {}),
    ("POST", "/api/v1/sessions"): Spec(other=False, body=lambda c: {"username": "nobody", "password": "x"}),
    ("DELETE", "/api/v1/sessions/current"): Spec(other=False, fresh_login=True),
    ("GET", "/api/v1/me"): Spec(other=False),
    ("POST", "/api/v1/me/password"): Spec(
        other=False, body=lambda c: {"old_password": PASSWORD, "new_password": PASSWORD}, ends_sessions=True
    ),
    ("GET", "/api/v1/me/totp"): Spec(other=False),
    ("POST", "/api/v1/me/totp"): Spec(other=False),
    ("POST", "/api/v1/me/totp/activate"): Spec(other=False, body=lambda c: {"code": "000000"}),
    ("GET", "/me/totp"): Spec(other=False),
    ("POST", "/me/totp"): Spec(other=False, form=True, body=lambda c: {}),
    ("POST", "/me/totp/activate"): Spec(other=False, form=True, body=lambda c: {"code": "000000"}),
    ("POST", "/api/v1/enrolment-tokens"): Spec(
        other=False,
        body=lambda c: {"enterprise_uscc": c.uscc, "enterprise_name": "x", "device_id": "edge-new"},
    ),
    ("POST", "/api/v1/devices/enrol"): Spec(
        other=False, body=lambda c: {"token": "no-such-token", "device_id": "edge-x", "public_key": "AAAA"}
    ),
    ("POST", "/api/v1/batches"): Spec(other=False, body=lambda c: {}),
    ("GET", "/api/v1/devices/{device_id}"): Spec(DEVICE),
    ("PATCH", "/api/v1/devices/{device_id}"): Spec(DEVICE, body=lambda c: {"name": "称重终端"}),
    ("GET", "/api/v1/devices/{device_id}/batches/{batch_id}"): Spec(
        p(device_id=lambda c: f"edge-{c.org.lower()}", batch_id=lambda c: c.facts["batches"][c.org])
    ),
    ("POST", "/api/v1/devices/{device_id}/heartbeats"): Spec(DEVICE, body=lambda c: {}),
    ("POST", "/api/v1/devices/{device_id}/commission-reports"): Spec(DEVICE, body=lambda c: {}),
    ("GET", "/api/v1/devices/{device_id}/commission-reports"): Spec(DEVICE),
    ("GET", "/api/v1/device-health"): Spec(other=False),
    ("GET", "/api/v1/projection"): Spec(other=False),
    ("GET", "/api/v1/devices/{device_id}/health"): Spec(DEVICE),
    ("PUT", "/api/v1/devices/{device_id}/config"): Spec(
        DEVICE, body=lambda c: {"settings": {"thresholds": {}}}
    ),
    ("GET", "/api/v1/devices/{device_id}/config"): Spec(DEVICE),
    ("PUT", "/api/v1/snapshots/{sha256}"): Spec(p(sha256=lambda c: "0" * 64), other=False, body=lambda c: {}),
    ("GET", "/api/v1/snapshots/{sha256}.jpg"): Spec(p(sha256=lambda c: c.facts["snapshots"][c.org])),
    ("POST", "/api/v1/analytics"): Spec(other=False, body=lambda c: {}),
    ("GET", "/api/v1/analytics/warnings"): Spec(other=False),
    ("GET", "/api/v1/refused-events"): Spec(other=False),
    ("POST", "/api/v1/attachments"): Spec(other=False, body=lambda c: {}),
    ("GET", "/api/v1/attachments/{sha256}"): Spec(p(sha256=lambda c: "0" * 64), other=False),
    ("POST", "/api/v1/users"): Spec(
        other=False, body=lambda c: {"username": "new-user", "display_name": "新用户", "password": PASSWORD}
    ),
    ("GET", "/api/v1/users"): Spec(other=False),
    ("GET", "/api/v1/users/{username}"): Spec(p(username=lambda c: "victim"), other=False),
    ("PATCH", "/api/v1/users/{username}"): Spec(
        p(username=lambda c: "victim"), other=False, body=lambda c: {"display_name": "改名"}
    ),
    ("PUT", "/api/v1/users/{username}/role"): Spec(
        p(username=lambda c: "victim"),
        other=False,
        body=lambda c: {"role": "inspector", "region_code": "130600"},
    ),
    ("DELETE", "/api/v1/users/{username}/totp"): Spec(p(username=lambda c: "victim"), other=False),
    ("GET", "/api/v1/audit"): Spec(other=False),
    ("GET", "/api/v1/enterprises"): Spec(other=False),
    ("POST", "/api/v1/enterprises"): Spec(
        other=True,
        body=lambda c: {
            "uscc": "91130602MA0D4E5F6J" if c.site == "P1" else "91320102MA1D4E5F6X",
            "name": "新建档企业",
            "region_code": ORGS[c.org].region,
            "roles": ["producer"],
        },
    ),
    ("GET", "/api/v1/enterprises/{uscc}"): Spec(USCC),
    ("PATCH", "/api/v1/enterprises/{uscc}"): Spec(
        USCC, body=lambda c: {"address": "新地址", "reason": "搬迁"}
    ),
    ("GET", "/api/v1/enterprises/{uscc}/history"): Spec(USCC),
    ("POST", "/api/v1/enterprises/{uscc}/facilities"): Spec(
        USCC, body=lambda c: {"code": "F99", "name": "贮存点", "kind": "贮存点", "capacity_grams": 3_000_000}
    ),
    ("PATCH", "/api/v1/enterprises/{uscc}/facilities/{code}"): Spec(
        p(uscc=lambda c: c.uscc, code=lambda c: "F01"), body=lambda c: {"capacity_grams": 40_000_000}
    ),
    ("POST", "/api/v1/enterprises/{uscc}/licences"): Spec(
        USCC,
        body=lambda c: {
            "number": f"许可{c.org}-new",
            "valid_from": "2026-01-01",
            "valid_to": "2027-12-31",
            "waste_codes": [OIL],
            "annual_capacity_grams": 1_000_000,
        },
    ),
    ("PATCH", "/api/v1/enterprises/{uscc}/licences/{number}"): Spec(
        p(uscc=lambda c: c.uscc, number=lambda c: "冀危许D12026001" if c.site == "P1" else "苏危许D22026001"),
        body=lambda c: {"annual_capacity_grams": 60_000_000_000},
    ),
    ("GET", "/api/v1/enterprises/{uscc}/plans/{year}/attachments/{sha256}"): Spec(
        p(uscc=lambda c: c.uscc, year=lambda c: "2026", sha256=lambda c: "0" * 64)
    ),
    ("PUT", "/api/v1/enterprises/{uscc}/plans/{year}"): Spec(
        p(uscc=lambda c: c.uscc, year=lambda c: "2026"),
        body=lambda c: {"lines": [{"waste_code": OIL, "planned_grams": 5_000_000}]},
    ),
    ("GET", "/api/v1/enterprises/{uscc}/operation-plans"): Spec(USCC),
    ("PUT", "/api/v1/enterprises/{uscc}/operation-plans/{year}"): Spec(
        p(uscc=lambda c: c.uscc, year=lambda c: "2026"),
        body=lambda c: {
            "lines": [
                {"waste_code": OIL, "method": "D10", "planned_receive_grams": 1, "planned_process_grams": 1}
            ]
        },
    ),
    ("GET", "/api/v1/enterprises/{uscc}/operation-plans/{year}/attachments/{sha256}"): Spec(
        p(uscc=lambda c: c.uscc, year=lambda c: "2026", sha256=lambda c: "0" * 64)
    ),
    ("POST", "/api/v1/enterprises/{uscc}/vehicles"): Spec(
        USCC, body=lambda c: {"plate": "冀F99999" if c.site == "P1" else "苏A99999"}
    ),
    ("PATCH", "/api/v1/enterprises/{uscc}/vehicles/{plate}"): Spec(
        p(uscc=lambda c: c.uscc, plate=lambda c: PLATES["T1" if c.site == "P1" else "T2"]),
        body=lambda c: {"permit": "新许可证"},
    ),
    ("GET", "/api/v1/enterprises/{uscc}/stock"): Spec(USCC),
    ("GET", "/api/v1/enterprises/{uscc}/storage-records"): Spec(USCC),
    ("GET", "/api/v1/packages/{code}/trace"): Spec(BAG),
    ("GET", "/api/v1/packages/{code}/epcis"): Spec(BAG),
    ("GET", "/api/v1/manifests"): Spec(other=False),
    ("POST", "/api/v1/manifests"): Spec(other=False, body=lambda c: {}),
    ("GET", "/api/v1/manifests/{number}"): Spec(NUMBER),
    ("PATCH", "/api/v1/manifests/{number}"): Spec(NUMBER, body=lambda c: {"note": "更正备注"}),
    ("GET", "/api/v1/manifests/{number}/versions"): Spec(NUMBER),
    ("POST", "/api/v1/manifests/{number}/bags"): Spec(NUMBER, body=lambda c: {"codes": [c["spare"]]}),
    ("DELETE", "/api/v1/manifests/{number}/bags/{code}"): Spec(
        p(number=lambda c: c["manifest"], code=lambda c: c["spare"])
    ),
    ("POST", "/api/v1/manifests/{number}/transitions"): Spec(NUMBER, body=lambda c: {"command": "close"}),
    ("POST", "/api/v1/manifests/{number}/receipts"): Spec(
        NUMBER, body=lambda c: {"code": c["bag"], "grams": 1000, "accepted": True}
    ),
    ("GET", "/api/v1/manifests/{number}/track"): Spec(NUMBER),
    ("GET", "/manifests/{number}"): Spec(NUMBER),
    ("POST", "/api/v1/vehicles/{plate}/positions"): Spec(
        p(plate=lambda c: PLATES["T1" if c.site == "P1" else "T2"]),
        body=lambda c: {"points": [{"time_ms": START_MS, "lat_e6": 38_000_000, "lon_e6": 115_000_000}]},
    ),
    ("GET", "/api/v1/vehicles/{plate}/positions"): Spec(
        p(plate=lambda c: PLATES["T1" if c.site == "P1" else "T2"])
    ),
    ("POST", "/api/v1/traffic/positions"): Spec(
        other=False,
        body=lambda c: {
            "points": [
                {
                    "plate": "冀F12345",
                    "plate_colour": 2,
                    "time_ms": 1_795_392_000_000,
                    "lon_e6": 115_464_000,
                    "lat_e6": 38_873_000,
                }
            ]
        },
    ),  # fmt: skip
    ("GET", "/api/v1/traffic/status"): Spec(other=False),
    # the warning centre: a warning with a 督办单 per org (made in _facts)
    ("GET", "/api/v1/warnings"): Spec(other=False),
    ("GET", "/api/v1/warnings/{warning_id}"): Spec(WARNING),
    ("POST", "/api/v1/warnings/{warning_id}/transitions"): Spec(
        WARNING, body=lambda c: {"action": "acknowledge"}
    ),
    ("POST", "/api/v1/warnings/{warning_id}/orders"): Spec(
        WARNING, body=lambda c: {"requirement": "说明情况"}
    ),
    ("POST", "/api/v1/warnings/sweep"): Spec(other=False),
    ("GET", "/api/v1/supervision-orders"): Spec(other=False),
    ("GET", "/api/v1/supervision-orders/{number}"): Spec(ORDER),
    ("POST", "/api/v1/supervision-orders/{number}/answer"): Spec(ORDER, body=lambda c: {"text": "已整改"}),
    ("POST", "/api/v1/supervision-orders/{number}/decision"): Spec(
        ORDER, body=lambda c: {"accept": False, "note": "请补充"}
    ),
    ("GET", "/api/v1/supervision-orders/{number}/attachments/{sha256}"): Spec(
        p(number=lambda c: c.facts["orders"][c.org], sha256=lambda c: "0" * 64)
    ),
    ("GET", "/api/v1/warning-silences"): Spec(other=False),
    ("GET", "/api/v1/warnings/events"): Spec(other=False),
    ("POST", "/api/v1/warning-silences"): Spec(
        body=lambda c: {"rule": "device_silent", "enterprise_uscc": c.uscc, "days": 1, "reason": "检修"}
    ),
    ("DELETE", "/api/v1/warning-silences/{silence_id}"): Spec(
        p(silence_id=lambda c: str(c.facts["silences"][c.org]))
    ),
    ("POST", "/api/v1/warning-webhooks"): Spec(
        body=lambda c: {"region_code": ORGS[c.org].region, "url": "https://hooks.example.cn/warnings"}
    ),
    ("GET", "/api/v1/warning-webhooks"): Spec(other=False),
    ("PUT", "/api/v1/me/digest"): Spec(other=False, body=lambda c: {"address": "someone@example.cn"}),
    ("DELETE", "/api/v1/me/digest"): Spec(other=False),
    ("GET", "/api/v1/mail-outbox"): Spec(other=False),
    ("GET", "/api/v1/mail-outbox/{message_id}.eml"): Spec(p(message_id=lambda c: "1"), other=False),
    ("POST", "/api/v1/mail-outbox/{message_id}/sent"): Spec(p(message_id=lambda c: "1"), other=False),
    ("DELETE", "/api/v1/warning-webhooks/{webhook_id}"): Spec(
        p(webhook_id=lambda c: str(c.facts["webhooks"][c.org]))
    ),
    ("GET", "/api/v1/warning-webhooks/{webhook_id}/deliveries"): Spec(
        p(webhook_id=lambda c: str(c.facts["webhooks"][c.org]))
    ),
    ("GET", "/warnings"): Spec(other=False),
    ("GET", "/warnings/{warning_id}"): Spec(WARNING),
    ("POST", "/warnings/{warning_id}"): Spec(WARNING, form=True, body=lambda c: {"action": "acknowledge"}),
    ("GET", "/supervision-orders"): Spec(other=False),
    ("POST", "/supervision-orders/{number}"): Spec(ORDER, form=True, body=lambda c: {"text": "已整改"}),
    ("GET", "/api/v1/enterprises/{uscc}/declarations"): Spec(USCC),
    ("GET", "/api/v1/enterprises/{uscc}/declarations/due"): Spec(USCC),
    ("GET", "/api/v1/declarations/overdue"): Spec(other=False),
    ("GET", "/api/v1/enterprises/{uscc}/declarations/{year}/{month}"): Spec(PERIOD),
    ("PUT", "/api/v1/enterprises/{uscc}/declarations/{year}/{month}"): Spec(
        PERIOD, body=lambda c: {"lines": [{"waste_code": OIL, "produced_grams": 1000}]}
    ),
    ("POST", "/api/v1/enterprises/{uscc}/declarations/{year}/{month}/generate"): Spec(PERIOD),
    ("POST", "/api/v1/enterprises/{uscc}/declarations/{year}/{month}/submit"): Spec(PERIOD),
    ("POST", "/api/v1/enterprises/{uscc}/declarations/{year}/{month}/review"): Spec(
        PERIOD, body=lambda c: {"accept": False, "reason": "产生量与称重不符"}
    ),
    ("GET", "/api/v1/enterprises/{uscc}/declarations/{year}/{month}/comparison"): Spec(PERIOD),
    ("GET", "/api/v1/enterprises/{uscc}/annual-declarations"): Spec(USCC),
    ("GET", "/api/v1/enterprises/{uscc}/annual-declarations/{year}"): Spec(YEAR),
    ("POST", "/api/v1/enterprises/{uscc}/annual-declarations/{year}/generate"): Spec(YEAR),
    ("POST", "/api/v1/enterprises/{uscc}/annual-declarations/{year}/submit"): Spec(YEAR),
    ("POST", "/api/v1/enterprises/{uscc}/annual-declarations/{year}/review"): Spec(
        YEAR, body=lambda c: {"accept": False, "reason": "产生量与月报不符"}
    ),
    ("GET", "/api/v1/enterprises/{uscc}/daily-reports"): Spec(USCC),
    ("PUT", "/api/v1/enterprises/{uscc}/daily-reports/{day}"): Spec(
        p(uscc=lambda c: c.uscc, day=lambda c: "2026-11-23"),
        body=lambda c: {"lines": [{"waste_code": OIL, "method": "D10", "received_grams": 1000}]},
    ),
    ("GET", "/api/v1/exchange/status"): Spec(other=False),
    ("GET", "/api/v1/exchange/conflicts"): Spec(other=False),
    ("GET", "/exchange"): Spec(other=False),
    ("GET", "/dashboard"): Spec(other=False),
    ("GET", "/enterprises"): Spec(other=False),
    ("GET", "/enterprises/{uscc}"): Spec(USCC),
    ("GET", "/enterprises/{uscc}/facilities/{code}"): Spec(p(uscc=lambda c: c.uscc, code=lambda c: "F01")),
    ("GET", "/stock"): Spec(other=False),
    ("GET", "/manifests"): Spec(other=False),
    ("GET", "/devices"): Spec(other=False),
    ("GET", "/api/v1/stats/production"): Spec(other=False),
    ("GET", "/api/v1/stats/storage"): Spec(other=False),
    ("GET", "/api/v1/stats/transfer"): Spec(other=False),
    ("GET", "/api/v1/stats/disposal"): Spec(other=False),
    ("GET", "/api/v1/stats/live"): Spec(other=False),
    ("GET", "/api/v1/stats/map"): Spec(other=False),
    ("GET", "/api/v1/stats/districts"): Spec(other=False),
    ("GET", "/api/v1/stats/tracks"): Spec(other=False),
    ("GET", "/api/v1/stats/boundaries"): Spec(other=False),
    ("GET", "/api/v1/stats/monthly"): Spec(other=False),
    ("GET", "/api/v1/stats/manifest-feed"): Spec(other=False),
    ("GET", "/api/v1/stats/enterprises/{uscc}/overview"): Spec(USCC),
    ("GET", "/api/v1/enterprises/{uscc}/snapshots"): Spec(USCC),
    ("GET", "/m"): Spec(other=False),
    ("GET", "/m/"): Spec(other=False),
    ("GET", "/m/app.js"): Spec(other=False),
    ("GET", "/m/app.css"): Spec(other=False),
    ("GET", "/m/sw.js"): Spec(other=False),
    ("GET", "/m/manifest.webmanifest"): Spec(other=False),
    ("GET", "/m/icon-{size}.png"): Spec(p(size=lambda c: "192"), other=False),
    ("POST", "/api/v1/field-checks"): Spec(
        body=lambda c: {"subject": "bag", "code": c["bag"], "verdict": "ok", "at_ms": START_MS}
    ),
    ("GET", "/api/v1/field-checks"): Spec(other=False),
    ("GET", "/api/v1/field-checks/{check_id}/photos/{sha256}"): Spec(
        p(check_id=lambda c: "999999", sha256=lambda c: "0" * 64), other=False
    ),
    ("GET", "/reports/monthly"): Spec(other=False),
    # field inspections: an inspection per org, assigned to its region's regulator and inspector
    ("GET", "/api/v1/inspection-checklists/{region}"): Spec(REGION),
    ("PUT", "/api/v1/inspection-checklists/{region}"): Spec(
        REGION,
        body=lambda c: {"name": "检查表", "items": [{"code": "A-1", "group": "标识", "text_zh": "标签齐全"}]},
    ),
    ("GET", "/api/v1/inspections"): Spec(other=False),
    ("POST", "/api/v1/inspections"): Spec(body=lambda c: {"enterprise_uscc": c.uscc, "source": "ad_hoc"}),
    ("POST", "/api/v1/inspections/sync"): Spec(other=False, body=lambda c: {"operations": []}),
    ("GET", "/api/v1/inspections/{number}"): Spec(INSPECTION),
    ("PATCH", "/api/v1/inspections/{number}"): Spec(
        INSPECTION, body=lambda c: {"base_version": 1, "summary": "检查小结"}
    ),
    ("POST", "/api/v1/inspections/{number}/start"): Spec(INSPECTION),
    ("PUT", "/api/v1/inspections/{number}/items/{code}"): Spec(
        p(number=lambda c: c.facts["inspections"][c.org], code=lambda c: "LBL-01"),
        body=lambda c: {"base_version": 0, "verdict": "ok"},
    ),
    ("POST", "/api/v1/inspections/{number}/submit"): Spec(INSPECTION),
    ("POST", "/api/v1/inspections/{number}/conflicts/{conflict_id}/resolve"): Spec(
        p(number=lambda c: c.facts["inspections"][c.org], conflict_id=lambda c: "999"),
        body=lambda c: {"keep": "hub"},
    ),
    ("GET", "/api/v1/inspections/{number}/report"): Spec(INSPECTION),
    ("GET", "/api/v1/inspections/{number}/report.pdf"): Spec(INSPECTION),
    ("GET", "/api/v1/inspections/{number}/attachments/{sha256}"): Spec(
        p(number=lambda c: c.facts["inspections"][c.org], sha256=lambda c: "0" * 64)
    ),
    ("POST", "/api/v1/inspections/{number}/field-checks"): Spec(
        INSPECTION,
        body=lambda c: {"subject": "bag", "code": c["bag"], "verdict": "ok", "at_ms": START_MS},
    ),
    ("GET", "/inspections"): Spec(other=False),
    ("POST", "/inspections"): Spec(form=True, body=lambda c: {"enterprise_uscc": c.uscc, "source": "ad_hoc"}),
    ("GET", "/inspections/{number}"): Spec(INSPECTION),
    ("POST", "/inspections/{number}/items/{code}"): Spec(
        p(number=lambda c: c.facts["inspections"][c.org], code=lambda c: "LBL-01"),
        form=True,
        body=lambda c: {"base_version": "0", "verdict": "ok"},
    ),
    ("POST", "/inspections/{number}/submit"): Spec(INSPECTION, form=True, body=lambda c: {}),
    ("POST", "/inspections/{number}/conflicts/{conflict_id}"): Spec(
        p(number=lambda c: c.facts["inspections"][c.org], conflict_id=lambda c: "999999"),
        form=True,
        body=lambda c: {"keep": "hub"},
    ),
}

JPEG = b"\xff\xd8\xff\xe0"


def _snapshot(w: World, org: str, code: str) -> str:
    image = JPEG + org.encode()
    sha = hashlib.sha256(image).hexdigest()
    device = w.devices[org]
    w.record(
        org, "inspecting", code, START_MS + 5000, attachments=(Attachment(sha, "image/jpeg", "snapshot"),)
    )
    w.send(org)
    answer = w.client.put(
        f"/api/v1/snapshots/{sha}",
        params={"device_id": device.device_id, "seq": len(device.events)},
        content=image,
        headers={"Content-Type": "image/jpeg"},
    )
    assert answer.status_code == 201, answer.text
    return sha


def _facts(w: World) -> dict[str, Any]:
    """Per producer site: a bag on a draft manifest with its carrier and receiver, and a spare bag."""
    facts: dict[str, Any] = {"batches": {}, "snapshots": {}}
    for site, carrier, receiver in (("P1", "T1", "D1"), ("P2", "T2", "D2")):
        bag, spare = bag_code(ORGS[site], OIL, 1), bag_code(ORGS[site], DRUMS, 2)
        w.record(site, "commissioning", bag, START_MS + 1000, waste_code=OIL)
        w.record(site, "commissioning", spare, START_MS + 2000, waste_code=DRUMS)
        w.send(site)
        user = site.lower()
        body = {"carrier_uscc": ORGS[carrier].uscc, "receiver_uscc": ORGS[receiver].uscc}
        number = w.ok("POST", "/api/v1/manifests", user, body, status=201)["number"]
        w.ok("POST", f"/api/v1/manifests/{number}/bags", user, {"codes": [bag]})
        for org in (carrier, receiver):
            w.record(org, "inspecting", bag, START_MS + 3000, grams=None)
            w.send(org)
        facts[site] = {"bag": bag, "spare": spare, "manifest": number}
        for org in (site, carrier, receiver):
            facts["snapshots"][org] = _snapshot(w, org, bag)
            device_id = w.devices[org].device_id
            facts["batches"][org] = rows(
                w.db_url, f"SELECT batch_id FROM batches WHERE device_id = '{device_id}'"
            )[0].batch_id
    _warnings(w, facts)
    _inspections(w, facts)
    return facts


def _inspections(w: World, facts: dict[str, Any]) -> None:
    """An inspection of every org by its region's staff."""
    facts["inspections"] = {}
    for key, org in ORGS.items():
        staff = ["regulator", "inspector"] if org.region.startswith("13") else ["nj-regulator"]
        body = {"enterprise_uscc": org.uscc, "source": "ad_hoc", "assignees": staff}
        facts["inspections"][key] = w.ok("POST", "/api/v1/inspections", staff[0], body, status=201)["number"]


def _warnings(w: World, facts: dict[str, Any]) -> None:
    """A warning per org, each with a 督办单 addressed to its enterprise."""
    facts["warnings"], facts["orders"], facts["silences"], facts["webhooks"] = {}, {}, {}, {}
    hub = w.client.app.state.hub
    with hub.write() as session, session.begin():
        for key, org in ORGS.items():
            eid = rows(w.db_url, f"SELECT id FROM enterprises WHERE uscc = '{org.uscc}'")[0].id
            finding = Finding("image_check", "warning", eid, f"access-{key}", "访问测试", "access test")
            wid, _ = warning_record.upsert(session, finding, START_MS)
            row = warning_record.get_warning(session, wid, lock=True)
            order = warning_orders.issue(
                session,
                row,
                requirement="说明情况",
                due_ms=START_MS + 10 * 86_400_000,
                by="test",
                now_ms=START_MS,
            )
            facts["warnings"][key], facts["orders"][key] = wid, order.number
            ent = enterprise_by_id(session, eid)
            quiet = warning_silences.silence(
                session, "reprints", ent, days=30, reason="测试", by="t", now_ms=START_MS
            )
            facts["silences"][key] = quiet.id
            hook, _ = warning_webhooks.add(
                session, hub.key, org.region, "https://hooks.example.cn/w", by="t", now_ms=START_MS
            )
            facts["webhooks"][key] = hook.id


@pytest.fixture(scope="module")
def matrix_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, dict[str, Any]]]:
    tmp: Path = tmp_path_factory.mktemp("access")
    w = build_world(tmp, sqlite_url(tmp))
    with w.client:
        make_user(w.client, "victim", "inspector", region="130600")
        yield w, _facts(w)


def routes(app: Any) -> list[tuple[str, str]]:
    return sorted(
        (method, r.path)
        for r in iter_route_contexts(app.routes)
        for method in (r.methods or ())
        if method != "HEAD"
    )


def test_every_route_has_a_policy_and_a_sample_request(matrix_world):
    w, _ = matrix_world
    served = routes(w.client.app)
    assert [r for r in served if policy_for(*r) is None] == [], "add these to hub/access/policies.py"
    assert [r for r in served if r not in SPECS] == [], "add a sample request to SPECS in this test"
    unserved = sorted(set(POLICIES) - set(served))
    assert unserved == [], "hub/access/policies.py names routes the hub does not serve"


def _headers(w: World, principal: str, fresh: bool) -> dict[str, str]:
    if principal == "anonymous":
        return {}
    if principal == "admin-token":
        return {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    return login(w.client, principal) if fresh else w.h(principal)


def _call(w: World, method: str, path: str, spec: Spec, ctx: Ctx, principal: str) -> Any:
    url = path.format(**{k: quote(v, safe="") for k, v in spec.params(ctx).items()})
    body = spec.body(ctx) if spec.body else None
    headers = _headers(w, principal, spec.fresh_login)
    w.client.cookies.clear()
    if spec.form:
        return w.client.request(method, url, data=body, headers=headers, follow_redirects=False)
    answer = w.client.request(method, url, json=body, headers=headers, follow_redirects=False)
    if spec.ends_sessions and principal in w.tokens:
        w.login(principal)
    return answer


def _denied(answer: Any) -> str | None:
    """Why the gate or the scope check refused, or None if the request got through to the route."""
    if answer.status_code == 401:
        return "unauthenticated"
    if answer.status_code == 303 and answer.headers.get("location", "").startswith("/login"):
        return "unauthenticated"
    if answer.status_code == 403:
        if answer.headers.get("content-type", "").startswith("application/json"):
            reason = answer.json().get("reason")
            return reason if reason in ("role", "scope", "no_policy") else None
        return "page"
    return None


def _cases() -> list[tuple[str, str, str, str]]:
    return [
        (method, path, principal, side)
        for (method, path), spec in sorted(SPECS.items())
        for principal in PRINCIPALS
        for side in (("own", "other") if spec.other else ("own",))
    ]


@pytest.mark.parametrize(("method", "path", "principal", "side"), _cases())
def test_access(matrix_world, method, path, principal, side):
    w, facts = matrix_world
    role, own = PRINCIPALS[principal]
    org = own if side == "own" else OTHER[own]
    site = "P1" if side == "own" else "P2"
    policy = policy_for(method, path)
    assert policy is not None
    answer = _call(w, method, path, SPECS[(method, path)], Ctx(org, site, facts), principal)
    denied = _denied(answer)
    where = f"{principal} {method} {path} ({side}): {answer.status_code} {answer.text[:300]}"
    if policy.kind in (Kind.PUBLIC, Kind.DEVICE):
        assert denied not in ("role", "scope", "no_policy", "page"), where
        return
    if role is None:
        assert denied == "unauthenticated", where
        return
    if policy.kind == Kind.ANY_USER:
        assert denied is None, where
        return
    scope = policy.allow.get(role)
    if scope is None:
        assert denied in ("role", "page"), where
    elif side == "own" or scope == Scope.ALL:
        assert denied is None, where
    else:
        assert denied in ("scope", "page"), where


def test_a_role_taken_away_takes_effect_at_once(matrix_world):
    w, facts = matrix_world
    headers = login(w.client, "victim")
    assert w.client.get(f"/api/v1/manifests/{facts['P1']['manifest']}", headers=headers).status_code == 200
    revoke = w.client.put(
        "/api/v1/users/victim/role", json={"role": None}, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    assert revoke.status_code == 200
    answer = w.client.get(f"/api/v1/manifests/{facts['P1']['manifest']}", headers=headers)
    assert answer.status_code == 403 and answer.json()["reason"] == "role"


# What a careless or hostile link puts in a query: nothing, a word, a sign, a number past any column's, an
# overflowing float, a date that is none, a NUL, an emoji.
JUNK = ("", "x", "-1", "9" * 30, "1e309", "2026-13-45", "\x00", "🙂")


def _query_names(app: Any, method: str, path: str) -> list[str]:
    for route in iter_route_contexts(app.routes):
        found = getattr(route.original_route, "dependant", None)
        if found is not None and route.path == path and method in (route.methods or ()):
            return [f.alias for f in found.query_params]
    return []


def _reader(policy: Any) -> str | None:
    """A principal the route lets in with its own data, or None for a device's route."""
    if policy.kind == Kind.PUBLIC:
        return "anonymous"
    if policy.kind == Kind.ANY_USER:
        return "regulator"
    return next((name for name, (role, _) in PRINCIPALS.items() if role in policy.allow), None)


def test_junk_in_a_query_is_refused_not_a_server_error(matrix_world):
    w, facts = matrix_world
    tried = 0
    failures = []
    for (method, path), spec in sorted(SPECS.items()):
        principal = _reader(policy_for(method, path))
        names = _query_names(w.client.app, method, path)
        if method != "GET" or principal is None or not names:
            continue
        url = path.format(**{k: quote(v, safe="") for k, v in spec.params(Ctx("P1", "P1", facts)).items()})
        for name in names:
            for junk in JUNK:
                answer = w.client.get(
                    url, params={name: junk}, headers=_headers(w, principal, False), follow_redirects=False
                )
                tried += 1
                if answer.status_code >= 500:
                    failures.append(f"{principal} GET {url}?{name}={junk!r}: {answer.status_code}")
    assert tried > 300
    assert failures == []
