"""Request bodies of 一企一档: enterprises, facilities, licences, plans, vehicles."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool, StrictInt

from hub.core.schemas import Grams, Strict, Text


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
