"""JSON shapes of enrolment and device state."""

from __future__ import annotations

from pydantic import BaseModel, Field, StrictBool

from hub.core.schemas import Strict, Text

# Printable, no spaces or slashes: a device id appears in URLs and in batch ids.
DEVICE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$"


DeviceId = Field(pattern=DEVICE_ID_PATTERN, description="letters, digits and . _ : @ - (at most 128)")


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


class DeviceChange(Strict):
    name: str | None = Field(default=None, max_length=200)
    facility_code: str | None = Field(default=None, max_length=64)
    active: StrictBool | None = None
    reason: str | None = Text
