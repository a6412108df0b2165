"""What the exchange's routes answer."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DatasetStatusOut(BaseModel):
    province: str
    direction: str  # pull (回流) / push (上报)
    dataset: str
    title: str
    state: str  # ok / running / error / never
    state_words: str
    last_success_ms: int | None
    last_success: str  # Beijing time, or "—"
    last_attempt_ms: int | None
    since_ms: int | None  # the cursor: the window being pulled (or the next one) starts here
    cursor: str  # the cursor in words
    page: int | None
    total: int | None
    records: int
    fetched: int
    stored: int
    unchanged: int
    rejected: int
    conflicts: int
    retries: int
    error: str | None
    push_position: dict[str, object] | None = Field(
        None, description="push: the cursor as kept — the key of the last record the province has"
    )


class ExchangeStatusOut(BaseModel):
    datasets: list[DatasetStatusOut]
    conflicts: int


class ConflictOut(BaseModel):
    id: int
    province: str
    dataset: str
    record_id: str
    record_version: int
    uscc: str | None
    subject: str
    hub_source: str
    hub_value: object = Field(description="the field's value as the hub holds it (from a box or a person)")
    province_value: object = Field(description="the same field's value as the province sent it")
    detected_ms: int
