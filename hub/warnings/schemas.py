"""The JSON shapes of the warning centre."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from hub.core.schemas import Place, Strict, UtcMs


class WarningOut(BaseModel):
    id: int
    rule: str
    rule_name_zh: str
    rule_name_en: str
    severity: str = Field(description="notice 提示, warning 预警, serious 严重")
    state: str = Field(description="open, acknowledged, supervised, resolved, closed, cleared")
    state_label_zh: str
    enterprise_uscc: str
    enterprise_name: str
    region_code: str | None
    subject: str = Field(description="a bag code, manifest number, device id, facility …")
    period: str
    message_zh: str
    message_en: str
    facts: dict[str, Any] = Field(
        description="what the rule found, by rule: e.g. grams and planned_grams for 产废超量, "
        "days for 贮存超期, shipped_grams and received_grams for 转移量差异 (docs/warnings.md, each rule)"
    )
    count: int
    first_seen_ms: int
    last_seen_ms: int
    cleared_ms: int | None
    updated_ms: int


class WarningList(BaseModel):
    warnings: list[WarningOut]
    total: int = Field(description="how many match the filters (the list holds at most `limit`)")


class EntryOut(BaseModel):
    time_ms: int
    actor: str
    action: str
    from_state: str | None
    to_state: str | None
    note: str | None
    order_number: str | None = None


class OrderAttachmentOut(BaseModel):
    sha256: str
    name: str
    media_type: str = Field(description="image/jpeg, image/png, image/webp or application/pdf")
    size: int
    step: str = Field(description="answer (the enterprise's evidence) or decision (the regulator's)")
    added_by: str
    added_ms: int
    url: str = Field(description="where the order's readers fetch it")


class OrderOut(BaseModel):
    number: str
    warning_id: int
    enterprise_uscc: str
    enterprise_name: str
    region_code: str | None
    requirement: str
    due_ms: int
    state: str = Field(description="issued, answered, returned, accepted")
    state_label_zh: str
    issued_by: str
    issued_ms: int
    answer: str | None
    answered_by: str | None
    answered_ms: int | None
    answer_location: Place | None = None
    decision_note: str | None
    decided_by: str | None
    decided_ms: int | None
    overdue: bool = Field(description="past its due date while waiting for the enterprise")
    overdue_ms: int | None
    escalated_to: str | None = Field(description="the region code it was escalated to when overdue")
    attachments: list[OrderAttachmentOut] = Field(default_factory=list)


class WarningDetail(BaseModel):
    warning: WarningOut
    history: list[EntryOut]
    orders: list[OrderOut]


class OrderList(BaseModel):
    orders: list[OrderOut]


class OrderDetail(BaseModel):
    order: OrderOut
    warning: WarningOut
    history: list[EntryOut]


class SweepOut(BaseModel):
    found: dict[str, int]
    raised: int
    cleared: int
    overdue_orders: int
    failed: dict[str, str]


class TransitionIn(Strict):
    action: Literal["acknowledge", "resolve", "close"]
    note: str | None = Field(default=None, max_length=4000)


class OrderIn(Strict):
    requirement: str = Field(
        min_length=1, max_length=4000, description="督办要求: what the enterprise must do"
    )
    due_ms: UtcMs | None = Field(default=None, description="UTC ms; default WT_HUB_WARN_ORDER_DAYS from now")


class AnswerIn(Strict):
    text: str = Field(min_length=1, max_length=4000, description="整改情况 (the enterprise's answer)")
    location: Place | None = Field(default=None, description="where the answer was made (the field app)")
    attachments: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="SHA-256 of photos and files the caller uploaded (POST /api/v1/attachments) as evidence",
    )


class DecisionIn(Strict):
    accept: bool = Field(description="true: verified, closed (销号); false: returned to the enterprise")
    note: str | None = Field(default=None, max_length=4000, description="required when returning")
    due_ms: UtcMs | None = Field(default=None, description="a new due date when returning, UTC ms")
    attachments: list[str] = Field(
        default_factory=list, max_length=20, description="SHA-256 of files the regulator uploaded"
    )


class SilenceIn(Strict):
    rule: str = Field(max_length=32, description="the rule's code, e.g. vehicle_deviation")
    enterprise_uscc: str = Field(min_length=18, max_length=18)
    days: int = Field(ge=1, le=366, description="how long, from now")
    reason: str = Field(min_length=1, max_length=2000, description="why (kept with the silence and audited)")


class SilenceOut(BaseModel):
    id: int
    rule: str
    rule_name_zh: str
    enterprise_uscc: str
    enterprise_name: str
    region_code: str | None
    from_ms: int
    until_ms: int
    reason: str
    created_by: str
    lifted_by: str | None
    lifted_ms: int | None


class WebhookIn(Strict):
    region_code: str = Field(min_length=6, max_length=6, description="the region whose warnings are posted")
    url: str = Field(
        max_length=2000, description="https://…, or http:// to a private-network IP address (an intranet)"
    )


class WebhookOut(BaseModel):
    id: int
    region_code: str
    url: str
    created_by: str
    created_ms: int


class WebhookCreated(WebhookOut):
    secret: str = Field(description="signs every delivery (X-Wastetrace-Signature); shown this once")


class WebhookDeliveryOut(BaseModel):
    event_id: str = Field(description="X-Wastetrace-Delivery: de-duplicate on it")
    event_type: str
    created_ms: int
    attempts: int
    next_attempt_ms: int
    delivered_ms: int | None
    gave_up_ms: int | None
    last_status: int | None
    last_error: str | None


class WarningStep(BaseModel):
    id: int = Field(description="the step's id: ask for the steps after it")
    warning_id: int
    rule: str
    action: str = Field(description="raised, acknowledged, order_issued, order_answered, cleared, …")
    time_ms: int


class WarningSteps(BaseModel):
    last_id: int = Field(description="ask with ?after=last_id next time")
    steps: list[WarningStep]


class DigestIn(Strict):
    address: str = Field(max_length=254, description="where the site's mail relay delivers the digest")
    lang: str = Field(default="zh", pattern="^(zh|en)$")


class DigestOut(BaseModel):
    address: str
    lang: str


class MailOut(BaseModel):
    id: int
    username: str
    address: str
    day: str = Field(description="the China day the digest covers")
    subject: str
    created_ms: int
    sent_ms: int | None
    eml: str = Field(description="where the relay fetches the message (message/rfc822)")
