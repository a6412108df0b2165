"""JSON shapes of refused events."""

from __future__ import annotations

from pydantic import BaseModel, Field


class RefusedEventView(BaseModel):
    device_id: str
    seq: int
    event_id: str
    kind: str = Field(description="the event's kind (commissioning, storing, receiving, …)")
    code: str = Field(description="the bag's 数字识别码 as the event named it")
    enterprise_uscc: str = Field(description="the enterprise whose device sent the event")
    producer_uscc: str | None = Field(description="the bag's producer, when the hub knows it")
    reason: str = Field(
        description="not_producer, not_holder, not_receiver, time_out_of_range, … (docs/custody.md)"
    )
    message: str = Field(description="Chinese first, English in brackets")
    time_ms: int = Field(description="the device's time, UTC ms")
    received_ms: int


class RefusedEvents(BaseModel):
    refused: list[RefusedEventView]
