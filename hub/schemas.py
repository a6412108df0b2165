"""The JSON shapes of the hub's API: requests and answers kept apart."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

# Printable, no spaces or slashes: a device id appears in URLs and in batch ids.
DEVICE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$"
DeviceId = Field(pattern=DEVICE_ID_PATTERN, description="letters, digits and . _ : @ - (at most 128)")


class Health(BaseModel):
    status: str


class HubKey(BaseModel):
    alg: str
    public_key: str


class EnrolmentTokenCreate(BaseModel):
    enterprise_uscc: str = Field(min_length=1, max_length=64, description="统一社会信用代码, 18 characters")
    enterprise_name: str = Field(min_length=1, max_length=200)
    device_id: str | None = Field(default=None, pattern=DEVICE_ID_PATTERN)
    ttl_s: int = Field(default=86400, gt=0, le=366 * 86400)


class EnrolmentTokenIssued(BaseModel):
    token: str
    expires_ms: int


class EnrolRequest(BaseModel):
    token: str = Field(min_length=1, max_length=200)
    device_id: str = DeviceId
    public_key: str = Field(min_length=1, max_length=200, description="base64 of the raw 32-byte Ed25519 key")


class Enrolled(BaseModel):
    device_id: str
    enterprise_uscc: str
    enterprise_name: str
    hub_public_key: str


class DeviceState(BaseModel):
    device_id: str
    enterprise_uscc: str
    last_seq: int
    last_hash: str
    last_seen_ms: int | None
    enrolled_ms: int


class ReceiptAnswer(BaseModel):
    receipt: dict[str, Any] = Field(description="the receipt envelope, signed by the hub key")


class EnterpriseRef(BaseModel):
    uscc: str
    name: str


class TraceEvent(BaseModel):
    device_id: str
    seq: int
    kind: str
    kind_label_zh: str
    kind_label_en: str
    time_ms: int = Field(description="the device's clock, UTC ms; see clock_synced")
    received_ms: int = Field(description="when the hub received it, UTC ms")
    clock_synced: bool
    time_estimated_ms: int | None = Field(
        default=None,
        description="for ordering: time_ms, or, when the device clock was not synchronised, estimated from "
        "a synchronised event of the same boot by the monotonic clock (time_source)",
    )
    time_source: str | None = Field(default=None, description="device | monotonic | unsynced")
    grams: int | None
    operator: str | None
    place: str | None
    waste_code: str | None
    event_id: str
    event_hash: str
    prev_hash: str
    attachments: list[dict[str, Any]]
    data: dict[str, Any]
    corrects: str | None
    batch_id: str


class Trace(BaseModel):
    code: str
    waste_code: str | None
    enterprise: EnterpriseRef | None
    events: list[TraceEvent]


class Problem(BaseModel):
    detail: str
