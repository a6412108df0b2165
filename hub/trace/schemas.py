"""The trace answer (a bag's events, each with its evidence, and `life`), a signed batch, EPCIS."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hub.core.schemas import SignedEnvelope
from hub.inventory.schemas import StorageRecordView


class EnterpriseRef(BaseModel):
    uscc: str
    name: str


class Attachment(BaseModel):
    """A file the event names by its SHA-256 (a camera snapshot: /api/v1/snapshots/{sha256}.jpg)."""

    model_config = ConfigDict(extra="allow")

    # In the order the signed event holds them (RFC 8785 sorts member names).
    media_type: str
    role: str = Field(description="what it shows: snapshot, label …")
    sha256: str


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
    attachments: list[Attachment]
    data: dict[str, Any] = Field(
        description="what the event kind records beyond the common fields, as signed"
    )
    corrects: str | None
    batch_id: str


class Trace(BaseModel):
    code: str
    waste_code: str | None
    enterprise: EnterpriseRef | None
    events: list[TraceEvent]


class EvidencedEvent(TraceEvent):
    batch_signature: str | None = Field(
        description="the device's Ed25519 signature of the batch that carried it"
    )
    batch_url: str = Field(
        description="the signed batch as received: verify the signature, then the event hash"
    )


class Production(BaseModel):
    batch_code: str = Field(description="HJ 1259 产生批次编码 (HWCS…)")
    enterprise: EnterpriseRef | None
    waste_code: str | None
    grams: int | None
    time_ms: int


class InStock(BaseModel):
    enterprise: EnterpriseRef | None
    facility_code: str | None
    stored_ms: int
    in_batch_code: str
    age_days: int


class LifeManifest(BaseModel):
    """A manifest the bag was loaded on, with what the receiver recorded of this bag."""

    number: str
    state: str
    state_label_zh: str
    shipper: EnterpriseRef | None
    carrier: EnterpriseRef | None
    receiver: EnterpriseRef | None
    vehicle_plate: str | None
    departed_ms: int | None
    shipped_grams: int
    received_grams: int | None
    accepted: bool | None = Field(description="null: not received yet")
    reason: str | None
    received_ms: int | None


class DisposalView(BaseModel):
    batch_code: str
    method: str | None
    grams: int | None
    time_ms: int
    enterprise: EnterpriseRef | None


class Life(BaseModel):
    """The bag's life around its events."""

    production: Production | None = Field(description="its 产生 (commissioning) batch")
    storage: list[StorageRecordView] = Field(description="HJ 1259 入库/出库 records, oldest first")
    in_stock: InStock | None
    manifests: list[LifeManifest]
    disposal: DisposalView | None
    residue: list[str] = Field(description="codes of bags made from this one")
    derived_from: list[str] = Field(description="codes of bags this one was made from")
    stage: str = Field(
        description="produced, stored, outbound, loaded, in_transit, received, rejected, disposed, unknown"
    )
    stage_label_zh: str
    stage_label_en: str


class FullTrace(Trace):
    events: list[EvidencedEvent]  # type: ignore[assignment]
    life: Life


class SignedBatch(BaseModel):
    """A batch exactly as the device signed it, with the key that verifies it: the evidence."""

    device_id: str
    public_key: str = Field(description="the device's Ed25519 public key, base64")
    envelope: SignedEnvelope = Field(description="wastetrace.batch/1: device_id, batch_id, sent_ms, events")


class EpcisEvent(BaseModel):
    """One EPCIS 2.0 event; its other members (epcList, action, bizStep, disposition, readPoint,
    bizLocation, sensorElementList, bizTransactionList, sourceList …) as the EPCIS 2.0 JSON schema defines
    them, with wastetrace's own under the wt: prefix."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="ObjectEvent, AggregationEvent or TransformationEvent")
    eventID: str  # noqa: N815 (EPCIS's own names)
    eventTime: str = Field(description="ISO 8601")  # noqa: N815
    eventTimeZoneOffset: str = Field(description="+08:00")  # noqa: N815


class EpcisBody(BaseModel):
    eventList: list[EpcisEvent]  # noqa: N815


class EpcisDocument(BaseModel):
    """An EPCISDocument (EPCIS 2.0 JSON-LD)."""

    context: list[str | dict[str, str]] = Field(alias="@context")
    type: str = Field(description="EPCISDocument")
    schemaVersion: str  # noqa: N815
    creationDate: str = Field(description="ISO 8601")  # noqa: N815
    epcisBody: EpcisBody  # noqa: N815
