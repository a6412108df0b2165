"""Tables of field inspections (巡查): checklists a province may edit, inspections with their assignees and
checked items (each edit a new version), findings turned into warnings and 督办单, the field checks made in
an inspection, the offline phone's applied operations and the conflicts it met, and the signed report.

Kept in step with hub/migrations/versions/0033_inspections.py (tests/test_hub_migrations.py compares them).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.base import Base, BigId


class InspectionChecklist(Base):
    """One version of the checklist in force for a region (`scope` "" is the default, everywhere else)."""

    __tablename__ = "inspection_checklists"

    scope: Mapped[str] = mapped_column(String(6), primary_key=True)  # a region code, or "" for the default
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(Text)
    items: Mapped[str] = mapped_column(
        Text
    )  # JSON list of {code, group, text_zh, text_en, basis, basis_approx}
    recorded_ms: Mapped[int] = mapped_column(BigInteger)
    recorded_by: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str | None] = mapped_column(Text)


class Inspection(Base):
    """An inspection of one enterprise: where it came from, who does it, where it stands, and the checklist
    it was made with (copied, so a later version of the checklist does not change a report)."""

    __tablename__ = "inspections"
    __table_args__ = (
        UniqueConstraint("number", name="uq_inspections_number"),
        UniqueConstraint("client_id", name="uq_inspections_client_id"),
        Index("ix_inspections_enterprise", "enterprise_id", "state"),
        Index("ix_inspections_region", "region_code", "state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(32))  # XC + year + serial
    client_id: Mapped[str | None] = mapped_column(String(36))  # the phone's UUID when it created it offline
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"))
    region_code: Mapped[str | None] = mapped_column(String(6))
    source: Mapped[str] = mapped_column(String(16))  # plan, warning, ad_hoc
    plan_name: Mapped[str | None] = mapped_column(Text)
    warning_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("warnings.id"))
    state: Mapped[str] = mapped_column(String(16))  # planned, in_progress, submitted
    planned_ms: Mapped[int | None] = mapped_column(BigInteger)
    started_ms: Mapped[int | None] = mapped_column(BigInteger)
    submitted_ms: Mapped[int | None] = mapped_column(BigInteger)
    submitted_by: Mapped[str | None] = mapped_column(String(128))
    checklist_scope: Mapped[str] = mapped_column(String(6))
    checklist_version: Mapped[int] = mapped_column(Integer)
    checklist_items: Mapped[str] = mapped_column(Text)  # JSON, as in force when the inspection was made
    summary: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(
        Integer
    )  # of the inspection's own fields (summary, assignees, state)
    created_by: Mapped[str] = mapped_column(String(128))
    created_ms: Mapped[int] = mapped_column(BigInteger)
    updated_by: Mapped[str] = mapped_column(String(128))
    updated_ms: Mapped[int] = mapped_column(BigInteger)


class InspectionAssignee(Base):
    __tablename__ = "inspection_assignees"

    inspection_id: Mapped[int] = mapped_column(BigId, ForeignKey("inspections.id"), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    added_by: Mapped[str] = mapped_column(String(128))
    added_ms: Mapped[int] = mapped_column(BigInteger)


class InspectionItemVersion(Base):
    """One version of one checked item: appended, never changed; the newest is the item as it stands."""

    __tablename__ = "inspection_item_versions"

    inspection_id: Mapped[int] = mapped_column(BigId, ForeignKey("inspections.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    verdict: Mapped[str] = mapped_column(String(16))  # ok, finding, not_applicable
    note: Mapped[str | None] = mapped_column(Text)
    photos: Mapped[str] = mapped_column(Text)  # JSON list of SHA-256 (hub/attachments)
    requirement: Mapped[str | None] = mapped_column(Text)  # 整改要求, for a finding
    due_ms: Mapped[int | None] = mapped_column(BigInteger)
    op_id: Mapped[str | None] = mapped_column(String(36))  # the phone's operation, when it came by sync
    recorded_ms: Mapped[int] = mapped_column(BigInteger)
    recorded_by: Mapped[str] = mapped_column(String(128))


class InspectionAttachment(Base):
    """A photo named by an item of the inspection (the bytes in hub/attachments); served to its readers."""

    __tablename__ = "inspection_attachments"

    inspection_id: Mapped[int] = mapped_column(BigId, ForeignKey("inspections.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), ForeignKey("attachments.sha256"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    added_by: Mapped[str] = mapped_column(String(128))
    added_ms: Mapped[int] = mapped_column(BigInteger)


class InspectionFinding(Base):
    """A finding of a submitted inspection as the warning centre follows it: its warning and 督办单."""

    __tablename__ = "inspection_findings"

    inspection_id: Mapped[int] = mapped_column(BigId, ForeignKey("inspections.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    warning_id: Mapped[int] = mapped_column(BigId, ForeignKey("warnings.id"))
    order_number: Mapped[str | None] = mapped_column(String(32))


class InspectionOp(Base):
    """An operation the phone sent, applied (or kept as a conflict) once: its op_id again is a duplicate."""

    __tablename__ = "inspection_ops"

    op_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))  # applied, conflict
    result: Mapped[str] = mapped_column(Text)  # JSON: what was answered the first time
    applied_ms: Mapped[int] = mapped_column(BigInteger)


class InspectionConflict(Base):
    """An edit made on stale data (someone changed the item meanwhile): not applied, kept until resolved."""

    __tablename__ = "inspection_conflicts"
    __table_args__ = (Index("ix_inspection_conflicts_inspection", "inspection_id", "resolved_ms"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    inspection_id: Mapped[int] = mapped_column(BigId, ForeignKey("inspections.id"))
    target: Mapped[str] = mapped_column(String(40))  # "item:<code>" or "summary"
    op_id: Mapped[str] = mapped_column(String(36))
    username: Mapped[str] = mapped_column(String(64))
    base_version: Mapped[int] = mapped_column(Integer)
    hub_version: Mapped[int] = mapped_column(Integer)
    theirs: Mapped[str] = mapped_column(Text)  # JSON: the edit as sent
    created_ms: Mapped[int] = mapped_column(BigInteger)
    resolved_ms: Mapped[int | None] = mapped_column(BigInteger)
    resolved_by: Mapped[str | None] = mapped_column(String(128))
    resolution: Mapped[str | None] = mapped_column(
        String(8)
    )  # mine (applied then), hub (dropped by the user)


class InspectionFieldCheck(Base):
    """A field check (hub/field_checks) made as part of an inspection: in its detail and its report."""

    __tablename__ = "inspection_field_checks"
    __table_args__ = (Index("ix_inspection_field_checks_inspection", "inspection_id"),)

    check_id: Mapped[int] = mapped_column(BigId, ForeignKey("field_checks.id"), primary_key=True)
    inspection_id: Mapped[int] = mapped_column(BigId, ForeignKey("inspections.id"))


class InspectionReport(Base):
    """The report made at submission: the PDF, its SHA-256 and the hub's detached Ed25519 signature of it."""

    __tablename__ = "inspection_reports"

    inspection_id: Mapped[int] = mapped_column(BigId, ForeignKey("inspections.id"), primary_key=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    alg: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(128))  # base64, over the 32 bytes of the SHA-256
    public_key: Mapped[str] = mapped_column(String(64))  # the hub key that signed it (base64)
    issued_ms: Mapped[int] = mapped_column(BigInteger)
    issued_by: Mapped[str] = mapped_column(String(128))
