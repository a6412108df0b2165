"""Talk to the hub's enrolment endpoints (plain HTTP/JSON, standard library only)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from protocols.ledger import public_key_b64


class EnrolmentError(RuntimeError):
    """The hub refused, or could not be reached; the message carries the hub's reason."""


@dataclass(frozen=True, slots=True)
class Enrolment:
    device_id: str
    enterprise_uscc: str
    enterprise_name: str
    hub_public_key: str


def _post(url: str, body: dict[str, Any], headers: dict[str, str] | None = None, timeout: float = 15) -> dict:
    data = json.dumps(body).encode("utf-8")
    req = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        try:
            detail = json.loads(exc.read()).get("detail")
        except (ValueError, AttributeError):
            detail = exc.reason
        raise EnrolmentError(f"the hub refused ({exc.code}): {detail}") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise EnrolmentError(f"cannot reach the hub at {url}: {exc}") from exc


def request_token(
    hub_url: str,
    admin_token: str,
    enterprise_uscc: str,
    enterprise_name: str,
    device_id: str | None = None,
    ttl_s: int = 86400,
) -> dict:
    """Ask the hub for a one-time enrolment token (an administrator's step)."""
    return _post(
        f"{hub_url.rstrip('/')}/api/v1/enrolment-tokens",
        {
            "enterprise_uscc": enterprise_uscc,
            "enterprise_name": enterprise_name,
            "device_id": device_id,
            "ttl_s": ttl_s,
        },
        headers={"Authorization": f"Bearer {admin_token}"},
    )


def enrol(hub_url: str, token: str, device_id: str, key) -> Enrolment:  # noqa: ANN001 - an Ed25519 key
    """Register this device's public key with the hub, spending the one-time token."""
    body = _post(
        f"{hub_url.rstrip('/')}/api/v1/devices/enrol",
        {"token": token, "device_id": device_id, "public_key": public_key_b64(key)},
    )
    try:
        return Enrolment(
            body["device_id"], body["enterprise_uscc"], body["enterprise_name"], body["hub_public_key"]
        )
    except KeyError as exc:
        raise EnrolmentError(f"the hub's answer lacks {exc}") from exc
