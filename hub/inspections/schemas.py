"""The JSON shapes of field inspections: checklists, inspections and their items, scan checks, the phone's
sync operations and their outcomes, the signed report."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StrictInt

from hub.core.schemas import COUNT, ID, Strict, StrictMs
from hub.field_checks.schemas import FieldCheckIn, FieldCheckOut

Verdict = Literal["ok", "finding", "not_applicable"]
MAX_NOTE = 2000
MAX_PHOTOS = 20
PHOTOS_DESC = (
    "SHA-256 of photos the caller uploaded first (POST /api/v1/attachments: JPEG, PNG, WebP or PDF, at most "
    "10 MB each); at most 20. Photos already on the item may be kept by anyone who edits it"
)


# ---- checklists


class ChecklistItem(BaseModel):
    code: str = Field(description="unique in the checklist, e.g. STO-02")
    group: str = Field(description="标识, 贮存, 台账, 转移, 管理计划, 许可（接收单位）, 应急 …")
    text_zh: str
    text_en: str
    basis: str = Field(description="the clause it checks (法规/标准条款)")
    basis_approx: bool = Field(description="true where the clause number is not confirmed (an approximation)")


class ChecklistItemIn(Strict):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    group: str = Field(min_length=1, max_length=60)
    text_zh: str = Field(min_length=1, max_length=500)
    text_en: str = Field(default="", max_length=500)
    basis: str = Field(default="", max_length=500)
    basis_approx: bool = False


class ChecklistIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    items: list[ChecklistItemIn] = Field(min_length=1, max_length=200)
    reason: str | None = Field(default=None, max_length=2000, description="why this version (kept with it)")


class ChecklistOut(BaseModel):
    region_code: str | None = Field(description="whose checklist this is; null: the default")
    asked_region: str | None = Field(description="the region asked for (the checklist may be inherited)")
    version: int = Field(description="0: the default shipped with the hub, never edited")
    name: str
    items: list[ChecklistItem]
    recorded_ms: int | None
    recorded_by: str | None
    reason: str | None


# ---- inspections


class InspectionCreate(Strict):
    enterprise_uscc: str = Field(min_length=18, max_length=18)
    source: Literal["plan", "warning", "ad_hoc"] = Field(
        description="plan: from a plan or schedule (plan_name); warning: from a warning (warning_id); ad_hoc"
    )
    plan_name: str | None = Field(default=None, max_length=200, description="e.g. 2026年第四季度双随机抽查")
    warning_id: Annotated[StrictInt, ID] | None = None
    assignees: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list,
        max_length=10,
        description="user names of inspectors or regulators of the enterprise's region; default: the caller",
    )
    planned_ms: StrictMs | None = None
    client_id: uuid.UUID | None = Field(
        default=None,
        description="the phone's own id for it (sync operations may name it before it has a number)",
    )


class InspectionChange(Strict):
    base_version: Annotated[StrictInt, COUNT] = Field(
        description="the inspection's `version` the change was made on"
    )
    assignees: list[Annotated[str, Field(min_length=1, max_length=64)]] | None = Field(
        default=None, min_length=1, max_length=10
    )
    planned_ms: StrictMs | None = None
    summary: str | None = Field(default=None, max_length=4000, description="检查小结")


class ItemEdit(Strict):
    base_version: Annotated[StrictInt, COUNT] = Field(
        description="the item's `version` the edit was made on (0: unchecked)"
    )
    verdict: Verdict
    note: str | None = Field(
        default=None, max_length=MAX_NOTE, description="what was seen; required for a finding"
    )
    photos: list[str] = Field(default_factory=list, max_length=MAX_PHOTOS, description=PHOTOS_DESC)
    requirement: str | None = Field(
        default=None,
        max_length=MAX_NOTE,
        description="整改要求, for a finding that needs 整改: becomes a 督办单",
    )
    due_ms: StrictMs | None = Field(default=None, description="整改期限, UTC ms; with a requirement")


class PhotoOut(BaseModel):
    sha256: str
    url: str = Field(description="where the inspection's readers fetch it")


class ItemOut(BaseModel):
    code: str
    group: str
    text_zh: str
    text_en: str
    basis: str
    basis_approx: bool
    version: int = Field(description="0: not checked yet; send it back as base_version with an edit")
    verdict: str | None = Field(description="ok, finding, not_applicable; null: not checked yet")
    note: str | None
    photos: list[PhotoOut]
    requirement: str | None
    due_ms: int | None
    recorded_ms: int | None
    recorded_by: str | None
    warning_id: int | None = Field(default=None, description="the warning the finding raised, once submitted")
    order_number: str | None = Field(default=None, description="its 督办单, when it carried a requirement")


class AssigneeOut(BaseModel):
    username: str
    display_name: str
    role: str | None


class ChecklistRef(BaseModel):
    region_code: str | None
    version: int


class ReportOut(BaseModel):
    number: str
    sha256: str = Field(description="SHA-256 of the PDF, hex")
    alg: str = Field(description="Ed25519")
    signature: str = Field(
        description="base64 Ed25519 signature over the 32 bytes of the SHA-256 (not the hex)"
    )
    public_key: str = Field(description="the hub key that signed it, base64; the same as GET /api/v1/hub-key")
    size: int
    issued_ms: int
    issued_by: str
    pdf_url: str
    signature_valid: bool = Field(description="the hub checked the stored PDF against the signature just now")


class InspectionOut(BaseModel):
    number: str
    client_id: str | None
    enterprise_uscc: str
    enterprise_name: str
    enterprise_address: str | None
    region_code: str | None
    source: str = Field(description="plan, warning, ad_hoc")
    plan_name: str | None
    warning_id: int | None
    state: str = Field(description="planned, in_progress, submitted")
    state_label_zh: str
    planned_ms: int | None
    started_ms: int | None
    submitted_ms: int | None
    submitted_by: str | None
    assignees: list[AssigneeOut]
    checklist: ChecklistRef
    summary: str | None
    version: int = Field(description="of the inspection's own fields (summary, assignees, planned time)")
    created_by: str
    created_ms: int
    updated_by: str
    updated_ms: int
    report: ReportOut | None


class ConflictOut(BaseModel):
    id: int
    target: str = Field(description='"item:<code>" or "inspection"')
    op_id: str
    username: str
    base_version: int
    hub_version: int
    theirs: dict[str, Any] = Field(description="the edit as the phone sent it (the fields of set_item)")
    created_ms: int
    resolved_ms: int | None
    resolved_by: str | None
    resolution: str | None = Field(description="mine (applied then) or hub (dropped)")


class InspectionDetail(InspectionOut):
    items: list[ItemOut]
    conflicts: list[ConflictOut] = Field(description="stale edits not applied, open ones first")
    field_checks: list[FieldCheckOut] = Field(description="the field checks made in this inspection")


class InspectionList(BaseModel):
    inspections: list[InspectionOut]
    total: int


class StaleItem(BaseModel):
    detail: str
    reason: str = Field(description="stale")
    current: ItemOut


class ResolveIn(Strict):
    keep: Literal["mine", "hub"] = Field(
        description="mine: apply the kept edit over what the hub holds now; hub: drop it"
    )


# ---- the phone's sync


class OpBase(Strict):
    op_id: uuid.UUID = Field(
        description="made by the phone, once per operation; the same op again is a duplicate"
    )


class OpCreate(OpBase, InspectionCreate):
    kind: Literal["create_inspection"]
    client_id: uuid.UUID  # required here: later operations name the inspection by it


class OpStart(OpBase):
    kind: Literal["start"]
    inspection: str = Field(max_length=36)


class OpItem(OpBase, ItemEdit):
    kind: Literal["set_item"]
    inspection: str = Field(max_length=36)
    item_code: str = Field(max_length=32)


class OpSummary(OpBase):
    kind: Literal["set_summary"]
    inspection: str = Field(max_length=36)
    base_version: StrictInt = Field(ge=0)
    summary: str = Field(max_length=4000)


class OpFieldCheck(OpBase, FieldCheckIn):
    kind: Literal["field_check"]
    inspection: str | None = Field(
        default=None, max_length=36, description="made in this inspection (its number or client id)"
    )


class OpSubmit(OpBase):
    kind: Literal["submit"]
    inspection: str = Field(max_length=36)


SyncOp = Annotated[
    OpCreate | OpStart | OpItem | OpSummary | OpFieldCheck | OpSubmit, Field(discriminator="kind")
]


class SyncIn(Strict):
    operations: list[Any] = Field(
        max_length=500,
        description="in the order made; each one of create_inspection, start, set_item, set_summary, "
        "field_check, submit (docs/inspections.md), checked one by one: a bad one is refused alone",
    )


class OpResult(BaseModel):
    index: int = Field(description="its place in the list sent")
    op_id: str | None
    kind: str | None
    outcome: Literal["applied", "duplicate", "conflict", "error"]
    status: int = Field(
        description="as HTTP would say it: 200/201 applied, 200 duplicate, 409 conflict, 4xx error"
    )
    detail: str | None = None
    reason: str | None = None
    first_outcome: str | None = Field(default=None, description="for a duplicate: applied or conflict")
    inspection: str | None = Field(default=None, description="the inspection's number")
    client_id: str | None = None
    version: int | None = Field(default=None, description="the item's (or inspection's) version now")
    current: ItemOut | None = Field(default=None, description="for a conflict on an item: the hub's value")
    current_summary: str | None = Field(default=None, description="for a conflict on the summary")
    conflict_id: int | None = None
    field_check_id: int | None = None


class SyncOut(BaseModel):
    results: list[OpResult]


# ---- in the enterprise's file (hub/registry/file.py)


class InspectionFileEntry(BaseModel):
    number: str
    source: str
    submitted_ms: int
    submitted_by: str
    findings: int = Field(description="items found wanting")
    report_sha256: str
    report_url: str = Field(description="the report's signature and key (GET), to verify the PDF")
    pdf_url: str


class InspectionHistoryEntry(BaseModel):
    record: Literal["inspection"]
    key: str = Field(description="the inspection's number")
    findings: int
    report_sha256: str
    signature: str = Field(description="the hub's Ed25519 signature over the report's SHA-256, base64")
    recorded_ms: int = Field(description="when it was submitted and its report issued")
    recorded_by: str
    reason: str | None = None
