"""The statistics API's answers (weights in integer grams, times in UTC ms)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class YearGrams(BaseModel):
    year: int
    grams: int


class CategoryGrams(BaseModel):
    category_code: str  # HW大类, e.g. HW08
    category_name: str
    grams: int


class IndustryGrams(BaseModel):
    industry: str
    grams: int


class HazardGrams(BaseModel):
    hazard: str  # T C I R In
    name: str  # 毒性 …
    grams: int


class EnterpriseGrams(BaseModel):
    uscc: str
    name: str
    region_code: str | None
    grams: int
    lon_e6: int | None = None
    lat_e6: int | None = None


class YearToDate(BaseModel):
    first_day: int  # yyyymmdd, China
    last_day: int
    grams: int
    count: int
    same_period_last_year_grams: int
    change_percent: float | None  # 同比; None when last year had nothing


class Scope(BaseModel):
    region: str | None  # the region asked for, or the caller's own
    enterprises: int  # how many enterprises the figures cover


class ProductionStats(BaseModel):
    scope: Scope
    year_to_date: YearToDate
    years: list[YearGrams]
    top_categories: list[CategoryGrams]
    top_industries: list[IndustryGrams]
    producing_enterprises: int


class StorageStats(BaseModel):
    scope: Scope
    year_to_date: YearToDate
    years: list[YearGrams]
    top_categories: list[CategoryGrams]
    stock_grams: int
    stock_bags: int
    hazards: list[HazardGrams]
    top_enterprises: list[EnterpriseGrams]


class Flow(BaseModel):
    shipper_uscc: str
    shipper_name: str
    receiver_uscc: str | None
    receiver_name: str | None
    manifests: int
    grams: int


class MethodGrams(BaseModel):
    utilised: bool
    method: str
    grams: int
    bags: int


class LiveManifest(BaseModel):
    """One step of a manifest (a version: created, loaded, submitted, departed, confirmed, …)."""

    number: str
    version: int
    state: str
    state_label_zh: str
    state_label_en: str
    command: str  # what made the step: load, submit, depart, confirm, …
    recorded_ms: int
    shipper: str | None
    receiver: str | None
    vehicle_plate: str | None
    shipped_grams: int


class TransferStats(BaseModel):
    scope: Scope
    year_to_date: YearToDate
    years: list[YearGrams]
    within_city_grams: int
    out_of_city_grams: int
    manifests: int
    methods: list[MethodGrams]
    flows: list[Flow]
    latest: list[LiveManifest]  # the newest manifest steps (the live feed's first page)


class DisposerProgress(BaseModel):
    uscc: str
    name: str
    approved_grams: int
    received_grams: int
    utilised_grams: int
    disposed_grams: int
    progress_percent: float | None  # received / approved


class DisposalStats(BaseModel):
    scope: Scope
    approved_grams: int
    received_grams: int
    utilised_grams: int
    disposed_grams: int
    enterprises: list[DisposerProgress]


class KindFigure(BaseModel):
    kind: str  # weighed, stored, taken_out, shipped, received, disposed
    grams: int
    count: int


class PeriodFigures(BaseModel):
    period: str  # yesterday, today, week, month
    first_day: int
    last_day: int
    figures: list[KindFigure]


class EnterpriseToday(BaseModel):
    uscc: str
    name: str
    figures: list[KindFigure]


class LiveStats(BaseModel):
    scope: Scope
    periods: list[PeriodFigures]
    today: list[EnterpriseToday]


class MapPoint(BaseModel):
    uscc: str
    name: str
    region_code: str | None
    region_name: str | None = None  # the county's (or city's) name, from the boundaries package
    roles: list[str]
    lon_e6: int
    lat_e6: int
    stock_grams: int
    boxes: int
    boxes_online: int
    open_warnings: int = 0  # warnings not yet resolved, closed or cleared


class TrackPoint(BaseModel):
    time_ms: int
    lon_e6: int
    lat_e6: int


class Track(BaseModel):
    """A manifest in transit and its vehicle's GPS points since departure (the last one is where it is)."""

    number: str
    vehicle_plate: str | None
    shipper: str | None
    receiver: str | None
    overdue: bool
    points: list[TrackPoint]


class MapStats(BaseModel):
    scope: Scope
    points: list[MapPoint]
    unplaced: int  # enterprises with no coordinates
    roles: dict[str, int] = Field(
        default_factory=dict, description="how many enterprises of each kind (placed or not): producer, …"
    )
    tracks: list[Track] = Field(default_factory=list, description="manifests in transit (newest 50)")


class BoundaryProperties(BaseModel):
    code: str = Field(description="行政区划代码 (GB/T 2260)")
    name: str
    level: str = Field(description="province / city / district")


class BoundaryGeometry(BaseModel):
    type: Literal["MultiPolygon"]
    coordinates: list[list[list[list[float]]]] = Field(description="WGS-84 [lon, lat], rounded to 1e-4°")


class BoundaryFeature(BaseModel):
    type: Literal["Feature"]
    properties: BoundaryProperties
    geometry: BoundaryGeometry


class Boundaries(BaseModel):
    """GeoJSON (RFC 7946) FeatureCollection of a region's subdivisions, for the map."""

    type: Literal["FeatureCollection"]
    region: str | None = Field(description="the region drawn; null for all of China")
    features: list[BoundaryFeature]


class MonthKind(BaseModel):
    kind: str  # weighed, stored, taken_out, shipped, received, disposed
    grams: int
    count: int
    previous_month_grams: int
    same_month_last_year_grams: int
    month_on_month_percent: float | None = Field(description="环比; null when the previous month had none")
    year_on_year_percent: float | None = Field(description="同比; null when that month last year had none")


class DistrictMonth(BaseModel):
    code: str = Field(description="the subdivision (county of a city, city of a province), GB/T 2260")
    name: str
    enterprises: int
    weighed_grams: int
    shipped_grams: int
    received_grams: int
    disposed_grams: int


class ManifestMonth(BaseModel):
    departed: int = Field(description="manifests whose waste left in the month")
    departed_grams: int
    confirmed: int = Field(description="manifests the receiver confirmed in the month")
    in_transit: int = Field(description="in transit when the report was made")
    overdue: int = Field(description="of those, past the 5-working-day confirmation deadline")


class RuleMonth(BaseModel):
    rule: str
    name: str
    raised: int = Field(description="warnings first seen in the month")
    open: int = Field(description="of those, still open, acknowledged or under 督办")


class DeclarationMonth(BaseModel):
    producers: int
    declared: int = Field(description="producers with the month's 产废月报 submitted, accepted or reflowed")
    missing: int


class MonthlyReport(BaseModel):
    """The month of a region (月报): what the statistics, manifests, warnings and declarations say of it."""

    scope: Scope
    month: str = Field(description="yyyy-mm, China calendar")
    region_name: str | None
    made_ms: int
    kinds: list[MonthKind]
    districts: list[DistrictMonth]
    top_producers: list[EnterpriseGrams]
    top_categories: list[CategoryGrams]
    manifests: ManifestMonth
    warnings: list[RuleMonth]
    declarations: DeclarationMonth


class KindGrams(BaseModel):
    kind: Literal["weighed", "stored", "taken_out", "shipped", "received", "disposed"]
    grams: int
    count: int  # bags (manifests for shipped)


class MonthFigures(BaseModel):
    month: str  # yyyy-mm, China
    figures: list[KindGrams]


class DayFigures(BaseModel):
    day: str  # yyyy-mm-dd, China
    figures: list[KindGrams]


class LicenceUse(BaseModel):
    number: str
    valid_from: str
    valid_to: str
    waste_codes: list[str]
    in_force: bool
    annual_capacity_grams: int
    used_grams: int  # received this year, counted against the licences in force
    remaining_grams: int


class EnterpriseOverview(BaseModel):
    """企业概况: one enterprise's year month by month, its last seven days, stock and licence use."""

    uscc: str
    name: str
    year: int
    months: list[MonthFigures]
    last_days: list[DayFigures]
    stock_grams: int
    stock_bags: int
    stock_by_category: list[CategoryGrams]
    licences: list[LicenceUse]


class ManifestFeed(BaseModel):
    """The newest manifest steps the caller may see, newest first; poll again with `after=` the first's
    `recorded_ms`."""

    steps: list[LiveManifest]


class DistrictFigures(BaseModel):
    code: str  # the subdivision's 行政区划代码: a city's counties, a province's cities
    name: str
    enterprises: int
    producers: int
    receivers: int
    stock_grams: int
    open_warnings: int


class FocusEnterprise(BaseModel):
    uscc: str
    name: str
    region_name: str | None
    open_warnings: int
    stock_grams: int


class DistrictStats(BaseModel):
    """The region at a glance for a phone (the field app's home): counts by kind, each subdivision's
    enterprises, stock and open warnings, and the enterprises to watch (most open warnings, then stock)."""

    scope: Scope
    roles: dict[str, int]
    districts: list[DistrictFigures]
    focus: list[FocusEnterprise]


class Tracks(BaseModel):
    """The newest 50 manifests in transit the caller may see, each with its vehicle's track (the map's
    tracks without its enterprises: what a phone's map needs)."""

    scope: Scope
    tracks: list[Track]
