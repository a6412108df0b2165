"""Answers of stock and of the HJ 1259 storage records (入库/出库)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class StockEnterprise(BaseModel):
    uscc: str
    name: str


class StockLine(BaseModel):
    """Live stock of one waste code in one facility."""

    facility_code: str | None
    waste_code: str | None
    waste_name: str | None = Field(description="from the 国家危险废物名录 catalogue")
    bags: int
    grams: int
    oldest_stored_ms: int
    oldest_age_days: int


class FacilityLoad(BaseModel):
    """An active facility's capacity against what it holds now."""

    code: str
    name: str
    kind: str
    capacity_grams: int
    stock_grams: int
    over_capacity: bool


class StockBag(BaseModel):
    code: str = Field(description="the bag's 数字识别码")
    facility_code: str | None
    waste_code: str | None
    grams: int | None
    stored_ms: int
    in_batch_code: str = Field(description="入库批次编码")
    age_ms: int
    age_days: int


class Stock(BaseModel):
    enterprise: StockEnterprise
    as_of_ms: int
    summary: list[StockLine] = Field(description="per facility and waste code")
    facilities: list[FacilityLoad]
    bags: list[StockBag] = Field(description="oldest first, at most `limit`")


class StorageRecordView(BaseModel):
    """An HJ 1259 入库 (6.3.2) or 出库 (6.3.3) record."""

    direction: str = Field(description="in (入库) or out (出库)")
    batch_code: str = Field(description="入库/出库批次编码 (HWRK…/HWCK…)")
    time_ms: int = Field(description="入库/出库时间, UTC ms")
    container_code: str = Field(description="容器/包装编码: the bag's 数字识别码")
    container_type: str | None
    container_count: int
    waste_name: str | None
    waste_category: str | None
    waste_code: str | None
    grams: int | None = Field(description="入库量/出库量, integer grams")
    unit: str = Field(description="always g")
    facility_code: str | None = Field(description="贮存设施编码")
    facility_kind: str | None = Field(description="贮存设施类型")
    storage_operator: str | None = Field(description="贮存/出库部门经办人")
    transport_handler: str | None = Field(description="运送部门经办人")
    destination: str | None = Field(description="去向")
    in_batch_code: str | None = Field(description="出库: the 入库批次编码")
    device_id: str = Field(description="the device whose ledger event made the record")
    seq: int
