"""The trace answer: the foundation's shape (hub/schemas.Trace), each event with its evidence, and `life`."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from hub.schemas import Trace, TraceEvent


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
