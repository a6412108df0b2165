"""Tables of the warning centre: warnings (one per rule, subject and period), their history (append-only),
supervision orders (督办单) and the sweep's cursors.

Kept in step with hub/migrations/versions/0005_warnings.py (tests/test_hub_migrations.py compares them).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.base import Base, BigId


class WarningRow(Base):
    """A warning: what rule found about which subject in which period, and where it stands."""

    __tablename__ = "warnings"
    __table_args__ = (
        UniqueConstraint("rule", "subject", "period", name="uq_warnings_key"),
        Index("ix_warnings_region_seen", "region_code", "last_seen_ms"),
        Index("ix_warnings_enterprise_seen", "enterprise_id", "last_seen_ms"),
        Index("ix_warnings_state", "state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    rule: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"))
    region_code: Mapped[str | None] = mapped_column(String(6))
    subject: Mapped[str] = mapped_column(String(160))  # a bag code, manifest number, device id, …
    period: Mapped[str] = mapped_column(String(64))  # "" when the rule has none
    state: Mapped[str] = mapped_column(String(16))
    message_zh: Mapped[str] = mapped_column(Text)
    message_en: Mapped[str] = mapped_column(Text)
    facts: Mapped[str] = mapped_column(Text)  # JSON object
    count: Mapped[int] = mapped_column(Integer)
    first_seen_ms: Mapped[int] = mapped_column(BigInteger)
    last_seen_ms: Mapped[int] = mapped_column(BigInteger)
    cleared_ms: Mapped[int | None] = mapped_column(BigInteger)
    updated_ms: Mapped[int] = mapped_column(BigInteger)


class WarningEntry(Base):
    """One step in a warning's life (and its 督办单's): appended, never changed."""

    __tablename__ = "warning_entries"
    __table_args__ = (
        Index("ix_warning_entries_warning", "warning_id", "id"),
        Index("ix_warning_entries_time", "time_ms", "id"),  # the push's order
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    warning_id: Mapped[int] = mapped_column(BigId, ForeignKey("warnings.id"))
    order_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("supervision_orders.id"))
    time_ms: Mapped[int] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)


class SupervisionOrder(Base):
    """A 督办单: a regulator's requirement to an enterprise about a warning, with a due date."""

    __tablename__ = "supervision_orders"
    __table_args__ = (
        UniqueConstraint("number", name="uq_supervision_orders_number"),
        Index("ix_supervision_orders_enterprise", "enterprise_id", "state"),
        Index("ix_supervision_orders_region", "region_code", "state"),
        Index("ix_supervision_orders_warning", "warning_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(32))
    warning_id: Mapped[int] = mapped_column(BigId, ForeignKey("warnings.id"))
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"))
    region_code: Mapped[str | None] = mapped_column(String(6))
    requirement: Mapped[str] = mapped_column(Text)
    due_ms: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16))
    issued_by: Mapped[str] = mapped_column(String(128))
    issued_ms: Mapped[int] = mapped_column(BigInteger)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(128))
    answered_ms: Mapped[int | None] = mapped_column(BigInteger)
    # Where the answer was made (the field app's location, WGS-84 micro-degrees), when it sent one.
    answer_lat_e6: Mapped[int | None] = mapped_column(Integer)
    answer_lon_e6: Mapped[int | None] = mapped_column(Integer)
    answer_accuracy_m: Mapped[int | None] = mapped_column(Integer)
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_ms: Mapped[int | None] = mapped_column(BigInteger)
    overdue_ms: Mapped[int | None] = mapped_column(BigInteger)  # when the sweep found it past due
    escalated_to: Mapped[str | None] = mapped_column(String(6))  # the next region level up


class WarningCursor(Base):
    """Where a rule that reads what arrived (refusals, image checks) left off in its last sweep."""

    __tablename__ = "warning_cursors"

    rule: Mapped[str] = mapped_column(String(32), primary_key=True)
    cursor_ms: Mapped[int] = mapped_column(BigInteger)
    run_ms: Mapped[int] = mapped_column(BigInteger)


class OrderAttachment(Base):
    """A photo or file given with a 督办单's answer or decision (the bytes in hub/attachments)."""

    __tablename__ = "order_attachments"

    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("supervision_orders.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), ForeignKey("attachments.sha256"), primary_key=True)
    step: Mapped[str] = mapped_column(String(16), primary_key=True)  # answer / decision
    name: Mapped[str] = mapped_column(String(200))
    added_by: Mapped[str] = mapped_column(String(128))
    added_ms: Mapped[int] = mapped_column(BigInteger)


class WarningSilence(Base):
    """A rule silenced for one enterprise until a time, with the reason (a regulator's decision, audited)."""

    __tablename__ = "warning_silences"
    __table_args__ = (Index("ix_warning_silences_rule", "rule", "until_ms"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    rule: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"))
    region_code: Mapped[str | None] = mapped_column(String(6))
    from_ms: Mapped[int] = mapped_column(BigInteger)
    until_ms: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(128))
    lifted_by: Mapped[str | None] = mapped_column(String(128))
    lifted_ms: Mapped[int | None] = mapped_column(BigInteger)


class WarningWebhook(Base):
    """A region's webhook: every step of every warning in the region is posted to it, signed."""

    __tablename__ = "warning_webhooks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    region_code: Mapped[str] = mapped_column(String(6))
    url: Mapped[str] = mapped_column(Text)
    sealed_secret: Mapped[bytes] = mapped_column(LargeBinary)  # hub/core/sealing.py
    created_by: Mapped[str] = mapped_column(String(128))
    created_ms: Mapped[int] = mapped_column(BigInteger)
    removed_ms: Mapped[int | None] = mapped_column(BigInteger)


class WebhookDelivery(Base):
    """The outbox: one row per event and webhook, written in the transaction that made the event, so nothing
    is lost across a restart; the deliverer posts it until the receiver answers 2xx."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("webhook_id", "event_id", name="uq_webhook_deliveries_event"),
        Index("ix_webhook_deliveries_due", "delivered_ms", "next_attempt_ms"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    webhook_id: Mapped[int] = mapped_column(BigId, ForeignKey("warning_webhooks.id"))
    event_id: Mapped[str] = mapped_column(String(36))
    event_type: Mapped[str] = mapped_column(String(48))
    payload: Mapped[str] = mapped_column(Text)  # the JSON body, exactly as posted (and signed)
    created_ms: Mapped[int] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_ms: Mapped[int] = mapped_column(BigInteger)
    delivered_ms: Mapped[int | None] = mapped_column(BigInteger)
    gave_up_ms: Mapped[int | None] = mapped_column(BigInteger)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)


class DigestSubscription(Base):
    """A user who wants the daily digest of their warnings and 督办单, at an address the mail relay serves."""

    __tablename__ = "digest_subscriptions"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    address: Mapped[str] = mapped_column(String(254))
    lang: Mapped[str] = mapped_column(String(2))
    created_ms: Mapped[int] = mapped_column(BigInteger)


class MailMessage(Base):
    """An e-mail-shaped message (RFC 5322) for the site's mail relay (the hub assumes no mail server)."""

    __tablename__ = "mail_outbox"
    __table_args__ = (UniqueConstraint("username", "day", name="uq_mail_outbox_user_day"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(254))
    day: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(Text)
    message: Mapped[bytes] = mapped_column(LargeBinary)
    created_ms: Mapped[int] = mapped_column(BigInteger)
    sent_ms: Mapped[int | None] = mapped_column(BigInteger)


class WarningTrigger(Base):
    """A stored batch whose on-ingest rules are still to run (queued mode, WT_HUB_WARN_ON_INGEST=2)."""

    __tablename__ = "warning_triggers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"))
    kinds: Mapped[str] = mapped_column(String(400))
    refused: Mapped[bool] = mapped_column(Boolean)
    received_ms: Mapped[int] = mapped_column(BigInteger)
