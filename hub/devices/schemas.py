"""JSON shapes of devices: enrolment, chain head, place in the file, health, remote configuration."""

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


class DeviceRecord(BaseModel):
    """A device in its enterprise's file: chain head and what the file says of it."""

    device_id: str
    enrolled_ms: int
    last_seq: int
    last_seen_ms: int | None = Field(description="when its last batch arrived, UTC ms")
    name: str | None
    facility_code: str | None = Field(description="the storage facility it stands in (its 入库 land there)")
    active: bool
    version: int = Field(description="0 while the file says nothing of it")
