"""What the 申报 routes take and answer. Quantities are integer grams."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

Grams = Field(0, ge=0, le=10**15)


class DeclarationLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    waste_code: str = Field(max_length=16)
    category: str | None = Field(None, max_length=8)  # 危废大类编码 (from the 名录 when left out)
    hazard: str | None = Field(None, max_length=16)  # 危废特性 (from the 名录 when left out)
    produced_grams: int = Grams  # 产生量
    stored_grams: int = Grams  # 贮存量
    self_grams: int = Grams  # 自行利用处置量
    transferred_grams: int = Grams  # 转出外单位处置利用量


class ManualDeclaration(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[DeclarationLineIn] = Field(max_length=200)


class Review(BaseModel):
    model_config = ConfigDict(extra="forbid")
    accept: bool
    reason: str | None = Field(None, max_length=500)


class DeclarationLineOut(BaseModel):
    category: str
    waste_code: str
    hazard: str
    produced_grams: int
    stored_grams: int
    self_grams: int
    transferred_grams: int


class DeclarationOut(BaseModel):
    year: int
    month: int
    source: str  # ledger / manual / province
    state: str  # draft / submitted / accepted / returned
    state_label: str
    lines: list[DeclarationLineOut]
    produced_grams: int
    review_reason: str | None
    version: int
    recorded_ms: int
    recorded_by: str
    reason: str | None


class DeclarationMonthOut(BaseModel):
    uscc: str
    year: int
    month: int
    current: list[DeclarationOut]  # one per source, side by side
    history: list[DeclarationOut]


class ComparedLineOut(BaseModel):
    waste_code: str
    declared_produced_grams: int
    weighed_produced_grams: int
    produced_difference_grams: int
    declared_transferred_grams: int
    weighed_transferred_grams: int


class ComparisonOut(BaseModel):
    uscc: str
    year: int
    month: int
    has_box: bool
    declared_source: str | None
    declared_state: str | None
    declared_grams: int
    weighed_grams: int
    lines: list[ComparedLineOut]


class DailyLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    waste_code: str = Field(max_length=16)
    method: str = Field(max_length=16)  # 处置方式, e.g. D10, R2
    received_grams: int = Grams  # 接收量
    stored_grams: int = Grams  # 贮存量
    disposed_grams: int = Grams  # 处置利用量
    transferred_grams: int = Grams  # 转出量


class DailyReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[DailyLineIn] = Field(max_length=200)


class DailyReportOut(BaseModel):
    day: str
    source: str
    lines: list[DailyLineIn]
    version: int
    recorded_ms: int
    recorded_by: str


class DueOut(BaseModel):
    kind: str = Field(description="monthly (产废月报) or annual (年度申报)")
    year: int
    month: int | None = Field(description="the month; null for the annual declaration")
    due_ms: int = Field(
        description="the end of the due day (the 15th of the next month, or 31 March of the next year, by "
        "default), UTC ms"
    )
    state: str = Field(description="done (submitted, accepted or reflowed), due, or overdue")


class OverdueOut(BaseModel):
    enterprise_uscc: str
    enterprise_name: str
    region_code: str | None
    kind: str = Field(description="monthly or annual")
    year: int
    month: int | None = Field(description="null for the annual declaration")
    due_ms: int


class AnnualLineOut(BaseModel):
    category: str
    waste_code: str
    hazard: str
    produced_grams: int = Field(description="产生量, the year's months summed")
    self_grams: int = Field(description="自行利用处置量")
    transferred_grams: int = Field(description="转出外单位处置利用量")
    stored_end_grams: int = Field(description="年末贮存量: the stock the latest counted month declared")


class AnnualDeclarationOut(BaseModel):
    year: int
    state: str  # draft / submitted / accepted / returned
    state_label: str
    lines: list[AnnualLineOut]
    produced_grams: int
    missing_months: list[int] = Field(
        description="months with no submitted, accepted or reflowed declaration"
    )
    review_reason: str | None
    version: int
    recorded_ms: int
    recorded_by: str
    reason: str | None


class AnnualDeclarationYearOut(BaseModel):
    uscc: str
    year: int
    due_ms: int = Field(description="the end of the annual deadline (31 March of the next year by default)")
    current: AnnualDeclarationOut
    history: list[AnnualDeclarationOut]
