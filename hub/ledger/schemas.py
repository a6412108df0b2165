"""JSON shapes of batch ingest."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class RefusedEventAnswer(BaseModel):
    seq: int
    event_id: str
    reason: str = Field(
        description="time_out_of_range, bad_weight, not_producer, not_holder, not_receiver, …"
    )
    message: str = Field(description="Chinese first, English in brackets: what the edge shows")


class ReceiptAnswer(BaseModel):
    receipt: dict[str, Any] = Field(description="the receipt envelope, signed by the hub key")
    refused: list[RefusedEventAnswer] = Field(
        default_factory=list,
        description="events stored and acknowledged (links of the chain) that the hub refused to act on",
    )
    projected: bool = Field(
        default=True,
        description="false when custody and the projection of the new events follow after the answer "
        "(WT_HUB_PROJECTION=deferred): `refused` is then empty, and refusals are found in the hub's records",
    )


class ProjectionState(BaseModel):
    """Where custody and the projection stand (WT_HUB_PROJECTION): what the pages trail the ingest by."""

    mode: str = Field(description="inline (in each batch's transaction) or deferred (by a projector after)")
    pending_batches: int = Field(description="batches stored and not yet judged and projected")
    oldest_received_ms: int | None = Field(description="when the oldest of them reached the hub (UTC ms)")
    lag_ms: int = Field(description="how long the oldest has waited; 0 with none pending")
