"""JSON shapes of devices: enrolment, chain head, place in the file, health, remote configuration."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from hub.core.schemas import SignedEnvelope, Strict, Text

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


class HealthProblem(BaseModel):
    code: str = Field(
        description="never_heard, silent, backlog_stale, disk_low, clock_jump, clock_unsynced, "
        "{device}_fault, config_rejected"
    )
    message_zh: str
    message_en: str


class PeripheralState(BaseModel):
    """The last status of one scale, printer or camera; `last_ok_ms` and `detail` when the box sent them."""

    model_config = ConfigDict(extra="allow")

    status: str
    ok: bool


class HeartbeatBody(BaseModel):
    """The device's last heartbeat as it signed it (wastetrace.heartbeat/1, protocols/fleet/heartbeat.py)."""

    model_config = ConfigDict(extra="allow")

    device_id: str
    sent_ms: int = Field(description="the device's clock, UTC ms")
    boot_id: str
    mono_ms: int
    clock_synced: bool
    backlog_events: int
    free_disk_bytes: int
    total_disk_bytes: int
    floor_bytes: int = Field(description="below this much free disk the box stops weighing")
    oldest_unsent_ms: int | None
    oldest_unsent_age_ms: int | None
    rss_bytes: int | None
    clock_jump_ms: int | None
    clock_behind_ms: int | None
    clock_message_zh: str | None
    config_version: int | None = Field(description="the remote configuration version it runs")
    config_rejected_version: int | None
    config_rejected_reason: str | None
    transport: str | None = Field(description="http or mqtt")
    uplink_error: str | None
    uplink_last_ok_ms: int | None
    devices: dict[str, PeripheralState] = Field(description="scale, printer, cameras by name")
    type: str = Field(description="wastetrace.heartbeat/1")


class DeviceHealthView(BaseModel):
    device_id: str
    enterprise_uscc: str
    enterprise_name: str
    last_seq: int
    last_batch_ms: int | None
    last_heartbeat_ms: int | None = Field(description="when the hub received it, UTC ms")
    silent: bool = Field(description="no batch or heartbeat for silent_after_s")
    silent_for_ms: int | None
    ok: bool = Field(description="no problems")
    problems: list[HealthProblem]
    heartbeat: HeartbeatBody | None


class DeviceHealthList(BaseModel):
    silent_after_s: int
    silent: int = Field(description="how many of the devices are silent")
    devices: list[DeviceHealthView]


class HeartbeatAnswer(BaseModel):
    received_ms: int
    config: SignedEnvelope | None = Field(
        description="the device's configuration (wastetrace.config/1: device_id, version, issued_ms, "
        "settings), signed by the hub key, when the device runs another version; else null"
    )
    shipping: SignedEnvelope | None = Field(
        default=None,
        description="the manifests the device's enterprise may load now, with their bags "
        "(wastetrace.shipping.v1, signed by the hub key; docs/manifests.md)",
    )


class DeviceConfigVersion(BaseModel):
    device_id: str
    version: int
    settings: dict[str, Any] = Field(
        description="`waste_types`: [{code, name, form?, main_components?, harmful_components?, "
        "precautions?}]; `thresholds`: integers by name (protocols/fleet/settings.py)"
    )
    digest: str = Field(description="SHA-256 of the canonical settings")
    created_ms: int
    created_by: str


class DeviceConfigs(BaseModel):
    device_id: str
    current: DeviceConfigVersion | None = Field(description="the newest version, null if none is kept")
    device_runs: int | None = Field(description="the version its last heartbeat said it runs")
    versions: list[DeviceConfigVersion] = Field(description="oldest first")


class CommissionStored(BaseModel):
    report_id: str
    passed: bool = Field(description="every check on site passed")


class CommissionCheckView(BaseModel):
    name: str = Field(description="scale:NAME, printer, camera:NAME, clock")
    ok: bool
    detail_zh: str
    detail_en: str
    ms: int = Field(description="how long the check took")


class CommissionReportView(BaseModel):
    device_id: str
    report_id: str
    time_ms: int = Field(description="when the checks ran (the box's clock), UTC ms")
    received_ms: int
    passed: bool
    checks: list[CommissionCheckView]
    envelope: SignedEnvelope = Field(description="the report as the box signed it (wastetrace.commission.v1)")
