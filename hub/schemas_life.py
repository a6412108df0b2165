"""Request bodies of the hub's lifecycle API (一企一档, accounts, manifests, receipts, positions).

Unknown fields are refused (422), and weights, capacities and coordinates must be JSON integers: grams,
millionths of a degree — never a float and never a string.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

Grams = StrictInt
Text = Field(default=None, max_length=2000)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Login(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class PasswordChange(Strict):
    old_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class UserCreate(Strict):
    username: str = Field(min_length=2, max_length=64)
    display_name: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=256)


class UserChange(Strict):
    display_name: str | None = Field(default=None, min_length=1, max_length=100)
    active: StrictBool | None = None
    password: str | None = Field(default=None, min_length=1, max_length=256)
    reason: str | None = Text


class RoleGrant(Strict):
    role: str | None = Field(description="one of the roles, or null to take the role away")
    enterprise_uscc: str | None = Field(default=None, max_length=18)
    region_code: str | None = Field(default=None, max_length=6)
    reason: str | None = Text


class Contact(Strict):
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(min_length=1, max_length=40)
    role: str | None = Field(default=None, max_length=100)


EnterpriseKind = Literal["producer", "transporter", "receiver"]


class EnterpriseCreate(Strict):
    uscc: str = Field(min_length=1, max_length=18, description="统一社会信用代码")
    name: str = Field(min_length=1, max_length=200)
    region_code: str = Field(min_length=1, max_length=6, description="GB/T 2260 行政区划代码")
    roles: list[EnterpriseKind] = Field(min_length=1, max_length=3)
    industry: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=500)
    lon_e6: StrictInt | None = Field(default=None, description="longitude, millionths of a degree")
    lat_e6: StrictInt | None = None
    contacts: list[Contact] = Field(default_factory=list, max_length=20)


class EnterpriseChange(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    region_code: str | None = Field(default=None, max_length=6)
    roles: list[EnterpriseKind] | None = Field(default=None, min_length=1, max_length=3)
    industry: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=500)
    lon_e6: StrictInt | None = None
    lat_e6: StrictInt | None = None
    contacts: list[Contact] | None = Field(default=None, max_length=20)
    active: StrictBool | None = None
    reason: str | None = Text


class FacilityCreate(Strict):
    code: str = Field(min_length=1, max_length=64, description="贮存设施编码")
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(description="贮存库 / 贮存场 / 贮存池 / 贮存罐区 / 贮存点")
    capacity_grams: Grams


class FacilityChange(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: str | None = None
    capacity_grams: Grams | None = None
    active: StrictBool | None = None
    reason: str | None = Text


class LicenceCreate(Strict):
    number: str = Field(min_length=1, max_length=64, description="危险废物经营许可证编号")
    valid_from: str = Field(description="YYYY-MM-DD")
    valid_to: str = Field(description="YYYY-MM-DD")
    waste_codes: list[str] = Field(min_length=1, max_length=500)
    annual_capacity_grams: Grams


class LicenceChange(Strict):
    valid_from: str | None = None
    valid_to: str | None = None
    waste_codes: list[str] | None = Field(default=None, min_length=1, max_length=500)
    annual_capacity_grams: Grams | None = None
    active: StrictBool | None = None
    reason: str | None = Text


class PlanLine(Strict):
    waste_code: str
    planned_grams: Grams


class PlanPut(Strict):
    lines: list[PlanLine] = Field(min_length=1, max_length=500)
    reason: str | None = Text


class VehicleCreate(Strict):
    plate: str = Field(min_length=1, max_length=16)
    permit: str | None = Field(default=None, max_length=64, description="道路运输经营许可证号")
    capacity_grams: Grams | None = None


class VehicleChange(Strict):
    permit: str | None = Field(default=None, max_length=64)
    capacity_grams: Grams | None = None
    active: StrictBool | None = None
    reason: str | None = Text


class DeviceChange(Strict):
    name: str | None = Field(default=None, max_length=200)
    facility_code: str | None = Field(default=None, max_length=64)
    active: StrictBool | None = None
    reason: str | None = Text


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


class Position(Strict):
    time_ms: StrictInt
    lat_e6: StrictInt
    lon_e6: StrictInt
    speed_kmh: StrictInt | None = None
    heading_deg: StrictInt | None = None


class Positions(Strict):
    points: list[Position] = Field(min_length=1, max_length=1000)
