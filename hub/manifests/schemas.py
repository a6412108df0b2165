"""Request bodies of transfer manifests and receiving."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool, StrictInt

from hub.core.schemas import Grams, Strict, Text


class ManifestFields(Strict):
    carrier_uscc: str | None = Field(default=None, max_length=18)
    receiver_uscc: str | None = Field(default=None, max_length=18)
    waste_description: str | None = Text
    hazards: str | None = Text
    emergency_measures: str | None = Text
    note: str | None = Text
    vehicle_plate: str | None = Field(default=None, max_length=16)
    vehicle_permit: str | None = Field(default=None, max_length=64)
    driver: str | None = Field(default=None, max_length=100)
    route_note: str | None = Text
    disposal_method: str | None = Text
    receiver_note: str | None = Text


class ManifestCreate(ManifestFields):
    number: str | None = Field(
        default=None, description="a number issued by the national system; else the hub's"
    )


class ManifestCorrection(ManifestFields):
    reason: str | None = Text


class BagsLoad(Strict):
    codes: list[str] = Field(min_length=1, max_length=1000)


class TransportFields(Strict):
    vehicle_plate: str | None = Field(default=None, max_length=16)
    vehicle_permit: str | None = Field(default=None, max_length=64)
    driver: str | None = Field(default=None, max_length=100)
    route_note: str | None = Text


class TransitionRequest(Strict):
    command: Literal["submit", "cancel", "depart", "confirm", "close"]
    reason: str | None = Text
    transport: TransportFields | None = Field(default=None, description="with depart: the carrier's details")


class ReceiptEntry(Strict):
    code: str = Field(min_length=1, max_length=128)
    grams: Grams | None = None
    accepted: StrictBool
    reason: str | None = Text
    time_ms: StrictInt | None = Field(default=None, description="when it was weighed; default now")
