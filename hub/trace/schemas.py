"""The trace answer: a bag's events, each with its evidence, and `life`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


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


class EvidencedEvent(TraceEvent):
    batch_signature: str | None = Field(
        description="the device's Ed25519 signature of the batch that carried it"
    )
    batch_url: str = Field(
        description="the signed batch as received: verify the signature, then the event hash"
    )


class FullTrace(Trace):
    events: list[EvidencedEvent]  # type: ignore[assignment]
    life: dict[str, Any] = Field(
        description="stage, production (HWCS batch), storage (HJ 1259 records), in_stock, manifests, "
        "disposal, residue, derived_from"
    )
