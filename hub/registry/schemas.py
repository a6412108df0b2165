"""Request bodies and answers of 一企一档: enterprises, facilities, licences, plans, vehicles, the file."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StrictBool, StrictInt

from hub.core.schemas import LAT_E6, LON_E6, PLATE_COLOUR, Grams, Strict, Text
from hub.devices.schemas import CommissionReportView, DeviceRecord
from hub.inspections.schemas import InspectionFileEntry, InspectionHistoryEntry


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
    lon_e6: Annotated[StrictInt, LON_E6] | None = Field(
        default=None, description="longitude, millionths of a degree"
    )
    lat_e6: Annotated[StrictInt, LAT_E6] | None = None
    contacts: list[Contact] = Field(default_factory=list, max_length=20)


class EnterpriseChange(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    region_code: str | None = Field(default=None, max_length=6)
    roles: list[EnterpriseKind] | None = Field(default=None, min_length=1, max_length=3)
    industry: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=500)
    lon_e6: Annotated[StrictInt, LON_E6] | None = None
    lat_e6: Annotated[StrictInt, LAT_E6] | None = None
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
    measure: str | None = Field(
        default=None, max_length=200, description="委托利用/处置措施: how it is used or disposed of, by whom"
    )
    receiver_uscc: str | None = Field(
        default=None, min_length=18, max_length=18, description="the receiver, if named"
    )


class PlanPut(Strict):
    lines: list[PlanLine] = Field(min_length=1, max_length=500)
    reason: str | None = Text
    attachments: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="备案 documents: SHA-256 of files the caller uploaded",
    )


class OperationPlanLine(Strict):
    waste_code: str
    method: str = Field(min_length=2, max_length=3, description="利用/处置方式, e.g. R4, D10, C1")
    planned_receive_grams: Grams = Field(description="计划接收量")
    planned_process_grams: Grams = Field(description="计划利用/处置量")


class OperationPlanPut(Strict):
    lines: list[OperationPlanLine] = Field(min_length=1, max_length=500)
    reason: str | None = Text
    attachments: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="备案 documents: SHA-256 of files the caller uploaded",
    )


class VehicleCreate(Strict):
    plate: str = Field(min_length=1, max_length=16)
    plate_colour: Annotated[int, PLATE_COLOUR] | None = Field(
        default=None, description="车牌颜色, JT/T 697.7-2014: 1 蓝 2 黄 3 黑 4 白 5 绿 9 其他"
    )
    permit: str | None = Field(default=None, max_length=64, description="道路运输经营许可证号")
    capacity_grams: Grams | None = None


class VehicleChange(Strict):
    permit: str | None = Field(default=None, max_length=64)
    capacity_grams: Grams | None = None
    plate_colour: Annotated[int, PLATE_COLOUR] | None = Field(
        default=None, description="车牌颜色, JT/T 697.7-2014 code"
    )
    active: StrictBool | None = None
    reason: str | None = Text


# Answers. Field order is the order the answers have always had on the wire. Every versioned record ends
# with the same bookkeeping: version, active, recorded_ms, recorded_by, reason.


class ContactView(BaseModel):
    name: str
    phone: str
    role: str | None = None


class EnterpriseView(BaseModel):
    """An enterprise's profile as it stands (version 0: known only from enrolment, no profile yet)."""

    uscc: str
    name: str
    region_code: str | None
    roles: list[str] = Field(description="producer, transporter, receiver")
    industry: str | None
    address: str | None
    lon_e6: int | None = Field(description="longitude, millionths of a degree")
    lat_e6: int | None
    contacts: list[ContactView]
    version: int
    active: bool


class EnterpriseListed(BaseModel):
    """One line of the register. `directory_only` lines (carriers and receivers an enterprise user may name
    on a manifest) have only uscc, name, roles and region_code."""

    uscc: str
    name: str
    region_code: str | None
    roles: list[str]
    industry: str | None = None
    address: str | None = None
    lon_e6: int | None = None
    lat_e6: int | None = None
    contacts: list[ContactView] | None = None
    version: int | None = None
    active: bool | None = None
    directory_only: bool


class FacilityView(BaseModel):
    code: str = Field(description="贮存设施编码")
    name: str
    kind: str = Field(description="贮存库 / 贮存场 / 贮存池 / 贮存罐区 / 贮存点")
    capacity_grams: int
    version: int
    active: bool
    recorded_ms: int
    recorded_by: str
    reason: str | None


class LicenceView(BaseModel):
    number: str = Field(description="危险废物经营许可证编号")
    valid_from: str = Field(description="YYYY-MM-DD")
    valid_to: str = Field(description="YYYY-MM-DD")
    waste_codes: list[str]
    annual_capacity_grams: int
    version: int
    active: bool
    recorded_ms: int
    recorded_by: str
    reason: str | None


class PlanLineView(BaseModel):
    waste_code: str
    planned_grams: int
    produced_grams: int = Field(description="commissioned in the plan's year (China calendar)")
    measure: str | None = Field(default=None, description="委托利用/处置措施")
    receiver_uscc: str | None = None


class PlanAttachmentView(BaseModel):
    sha256: str
    name: str
    media_type: str
    size: int
    added_by: str
    added_ms: int
    url: str


class OperationPlanCodeView(BaseModel):
    waste_code: str
    planned_receive_grams: int
    planned_process_grams: int
    received_grams: int = Field(description="received in the plan's year so far (China calendar)")
    processed_grams: int = Field(description="utilised or disposed of in the plan's year so far")


class OperationPlanView(BaseModel):
    year: int
    lines: list[OperationPlanLine]
    by_waste_code: list[OperationPlanCodeView] = Field(description="plan against what was done, per code")
    licensed_capacity_grams: int = Field(description="核准经营规模 of the licences in force in the year")
    attachments: list[PlanAttachmentView] = Field(default_factory=list, description="备案 documents")
    version: int
    active: bool
    recorded_ms: int
    recorded_by: str
    reason: str | None


class PlanView(BaseModel):
    year: int
    lines: list[PlanLineView]
    attachments: list[PlanAttachmentView] = Field(default_factory=list, description="备案 documents")
    version: int
    active: bool
    recorded_ms: int
    recorded_by: str
    reason: str | None


class VehicleView(BaseModel):
    plate: str
    plate_colour: int | None = Field(
        default=None, description="车牌颜色, JT/T 697.7-2014: 1 蓝 2 黄 3 黑 4 白 5 绿 9 其他"
    )
    permit: str | None = Field(description="道路运输经营许可证号")
    capacity_grams: int | None
    version: int
    active: bool
    recorded_ms: int
    recorded_by: str
    reason: str | None


class EnterpriseUser(BaseModel):
    username: str
    display_name: str
    role: str | None
    active: bool


class EnterpriseFile(BaseModel):
    """The whole file (一企一档) as it stands."""

    enterprise: EnterpriseView
    facilities: list[FacilityView]
    licences: list[LicenceView]
    plans: list[PlanView]
    operation_plans: list[OperationPlanView] = Field(
        default_factory=list, description="经营计划 (licensed receivers only)"
    )
    vehicles: list[VehicleView]
    devices: list[DeviceRecord]
    users: list[EnterpriseUser]
    commission_reports: list[CommissionReportView] = Field(
        default_factory=list, description="the boxes' commissioning reports, newest first (at most 20)"
    )
    inspections: list[InspectionFileEntry] = Field(
        default_factory=list, description="submitted inspections with their signed reports, newest first"
    )


# The file's history: one entry per version of any record, told apart by `record`; `key` names the record
# (the USCC, a facility code, a licence number, a plan's year, a plate, a device id). Licence waste codes
# and plan lines are shown as recorded: JSON text.


class EnterpriseHistoryEntry(BaseModel):
    record: Literal["enterprise"]
    key: str
    uscc: str
    name: str
    region_code: str | None
    roles: list[str]
    industry: str | None
    address: str | None
    lon_e6: int | None
    lat_e6: int | None
    contacts: list[ContactView]
    version: int
    active: bool
    recorded_ms: int
    recorded_by: str
    reason: str | None


class FacilityHistoryEntry(BaseModel):
    record: Literal["facility"]
    key: str
    name: str
    kind: str
    capacity_grams: int
    version: int
    active: bool
    recorded_ms: int
    recorded_by: str
    reason: str | None


class LicenceHistoryEntry(BaseModel):
    record: Literal["licence"]
    key: str
    valid_from: str
    valid_to: str
    waste_codes: str = Field(description="JSON list, as recorded")
    annual_capacity_grams: int
    version: int
    active: bool
    recorded_ms: int
    recorded_by: str
    reason: str | None


class PlanHistoryEntry(BaseModel):
    record: Literal["plan"]
    key: str
    lines: str = Field(description='JSON list of {"waste_code", "planned_grams"}, as recorded')
    version: int
    active: bool
    recorded_ms: int
    recorded_by: str
    reason: str | None


class VehicleHistoryEntry(BaseModel):
    record: Literal["vehicle"]
    key: str
    permit: str | None
    capacity_grams: int | None
    plate_colour: int | None = None
    version: int
    active: bool
    recorded_ms: int
    recorded_by: str
    reason: str | None


class DeviceHistoryEntry(BaseModel):
    record: Literal["device"]
    key: str
    name: str | None
    facility_code: str | None
    version: int
    active: bool
    recorded_ms: int
    recorded_by: str
    reason: str | None


HistoryEntry = Annotated[
    EnterpriseHistoryEntry
    | FacilityHistoryEntry
    | LicenceHistoryEntry
    | PlanHistoryEntry
    | VehicleHistoryEntry
    | DeviceHistoryEntry
    | InspectionHistoryEntry,
    Field(discriminator="record"),
]
