"""Request bodies and answers of transfer manifests and receiving."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, StrictBool

from hub.core.schemas import Grams, Strict, StrictMs, Text
from hub.transport.schemas import PositionView


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
    time_ms: StrictMs | None = Field(default=None, description="when it was weighed; default now")


# Answers. Field order is the order the answers have always had on the wire.


class PartyRef(BaseModel):
    uscc: str
    name: str
    region_code: str | None


class ManifestBagView(BaseModel):
    code: str = Field(description="the bag's 数字识别码")
    waste_code: str | None
    shipped_grams: int
    received_grams: int | None = Field(description="the receiver's re-weighing (复磅); null until received")
    accepted: bool | None = Field(description="null: not received yet")
    difference_grams: int | None = Field(description="received − shipped")
    discrepancy: bool = Field(description="the difference is beyond the tolerance")
    reason: str | None = Field(description="the receiver's reason (a rejection)")
    checked_out: bool = Field(description="a 出库 record names the bag")
    loaded_at_site_ms: int | None = Field(
        default=None, description="when the shipper's box scanned the bag onto the truck (装车), or null"
    )


class ManifestTotals(BaseModel):
    bags: int
    shipped_grams: int
    received_grams: int = Field(description="of every bag re-weighed, accepted or not")
    accepted_grams: int
    accepted: int
    rejected: int
    not_received: int
    difference_grams: int


class ReceiptProblem(BaseModel):
    """A receipt the hub could not put on the manifest as it stands."""

    code: str
    problem: str | None = Field(description="not_on_manifest, not_receiver, no_manifest")
    grams: int | None
    device_id: str | None
    seq: int | None


class ManifestView(BaseModel):
    """A manifest as it stands, as the caller sees it."""

    number: str = Field(description="4-digit year + province + city + 6-digit serial")
    version: int
    state: str = Field(
        description="draft, submitted, in_transit, received, partly_rejected, rejected, closed, cancelled"
    )
    state_label_zh: str
    state_label_en: str
    shipper: PartyRef | None
    carrier: PartyRef | None
    receiver: PartyRef | None
    waste_description: str | None
    hazards: str | None
    emergency_measures: str | None
    note: str | None
    vehicle_plate: str | None
    vehicle_permit: str | None
    driver: str | None
    route_note: str | None
    disposal_method: str | None
    receiver_note: str | None
    submitted_ms: int | None
    departed_ms: int | None
    arrived_ms: int | None = Field(description="as recorded, or from the receiver's first receipt")
    confirm_due_ms: int | None = Field(description="arrival + 5 working days")
    confirmed_ms: int | None
    closed_ms: int | None
    created_ms: int
    created_by: str
    overdue: bool = Field(description="in transit and past confirm_due_ms")
    confirmed_late: bool
    bags: list[ManifestBagView]
    totals: ManifestTotals
    discrepancies: list[str] = Field(description="codes of bags whose weights differ beyond the tolerance")
    rejected: list[str] = Field(description="codes of bags the receiver did not accept")
    problems: list[ReceiptProblem]
    your_parts: list[str] = Field(description="the parties the caller acts for: shipper, carrier, receiver")
    your_commands: list[str] = Field(description="the transitions the caller may make now")


class ManifestVersionView(BaseModel):
    version: int
    state: str
    command: str = Field(description="what made this version")
    carrier_uscc: str | None
    receiver_uscc: str | None
    waste_description: str | None
    hazards: str | None
    emergency_measures: str | None
    note: str | None
    vehicle_plate: str | None
    vehicle_permit: str | None
    driver: str | None
    route_note: str | None
    disposal_method: str | None
    receiver_note: str | None
    submitted_ms: int | None
    departed_ms: int | None
    arrived_ms: int | None
    confirm_due_ms: int | None
    confirmed_ms: int | None
    closed_ms: int | None
    bags: int
    bags_added: list[str]
    bags_removed: list[str]
    reason: str | None
    recorded_ms: int
    recorded_by: str


class ManifestSummary(BaseModel):
    """One line of the manifest list."""

    number: str
    version: int
    state: str
    shipper: PartyRef | None
    carrier: PartyRef | None
    receiver: PartyRef | None
    vehicle_plate: str | None
    bags: int
    shipped_grams: int
    arrived_ms: int | None
    confirm_due_ms: int | None
    overdue: bool
    confirmed_late: bool


class ManifestTrack(BaseModel):
    number: str
    vehicle_plate: str | None
    points: list[PositionView] = Field(description="from departure to arrival (or now, while in transit)")
