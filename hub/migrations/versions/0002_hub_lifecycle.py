"""The whole life of a bag: 一企一档 records as versions, users, sessions, audit log; bags, HJ 1259 storage
records and stock, transfer manifests and their versions, receipts, disposals, residue links, GPS points.

Revision ID: 0002_hub_lifecycle
Revises: 0001
Create Date: 2026-01-01

Hand-written so that it runs unchanged on SQLite and PostgreSQL (the same types as hub/tables_*.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_hub_lifecycle"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

TABLES = (
    "users",
    "user_versions",
    "sessions",
    "audit_log",
    "enterprise_versions",
    "facility_versions",
    "licence_versions",
    "plan_versions",
    "vehicle_versions",
    "device_versions",
    "bags",
    "bag_links",
    "storage_records",
    "stock",
    "counters",
    "manifests",
    "manifest_versions",
    "manifest_bags",
    "receipts",
    "disposals",
    "gps_points",
)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    op.create_table(
        "user_versions",
        sa.Column("user_id", BigId, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(32), nullable=True),
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), nullable=True),
        sa.Column("region_code", sa.String(6), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("recorded_ms", sa.BigInteger(), nullable=False),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("user_id", "version"),
    )
    op.create_table(
        "sessions",
        sa.Column("token_sha256", sa.String(64), primary_key=True),
        sa.Column("user_id", BigId, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("expires_ms", sa.BigInteger(), nullable=False),
        sa.Column("ended_ms", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("time_ms", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(128), nullable=True),
        sa.Column("role", sa.String(32), nullable=True),
        sa.Column("action", sa.String(128), nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("client", sa.String(64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.create_index("ix_audit_log_actor_time", "audit_log", ["actor", "time_ms"])
    op.create_index("ix_audit_log_time", "audit_log", ["time_ms"])
    op.create_table(
        "enterprise_versions",
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column("roles", sa.String(64), nullable=False),
        sa.Column("industry", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("lon_e6", sa.BigInteger(), nullable=True),
        sa.Column("lat_e6", sa.BigInteger(), nullable=True),
        sa.Column("contacts", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("recorded_ms", sa.BigInteger(), nullable=False),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("enterprise_id", "version"),
    )
    op.create_index("ix_enterprise_versions_region", "enterprise_versions", ["region_code"])
    op.create_table(
        "facility_versions",
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("capacity_grams", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("recorded_ms", sa.BigInteger(), nullable=False),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("enterprise_id", "code", "version"),
    )
    op.create_table(
        "licence_versions",
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("valid_from", sa.String(10), nullable=False),
        sa.Column("valid_to", sa.String(10), nullable=False),
        sa.Column("waste_codes", sa.Text(), nullable=False),
        sa.Column("annual_capacity_grams", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("recorded_ms", sa.BigInteger(), nullable=False),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("number", "version"),
    )
    op.create_index("ix_licence_versions_enterprise", "licence_versions", ["enterprise_id"])
    op.create_table(
        "plan_versions",
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("lines", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("recorded_ms", sa.BigInteger(), nullable=False),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("enterprise_id", "year", "version"),
    )
    op.create_table(
        "vehicle_versions",
        sa.Column("plate", sa.String(16), nullable=False),
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("permit", sa.String(64), nullable=True),
        sa.Column("capacity_grams", sa.BigInteger(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("recorded_ms", sa.BigInteger(), nullable=False),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("plate", "version"),
    )
    op.create_index("ix_vehicle_versions_enterprise", "vehicle_versions", ["enterprise_id"])
    op.create_table(
        "device_versions",
        sa.Column("device_id", sa.String(128), sa.ForeignKey("devices.device_id"), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("facility_code", sa.String(64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("recorded_ms", sa.BigInteger(), nullable=False),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("device_id", "version"),
    )
    op.create_table(
        "bags",
        sa.Column("code", sa.String(128), primary_key=True),
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("device_id", sa.String(128), nullable=False),
        sa.Column("waste_code", sa.String(32), nullable=True),
        sa.Column("grams", sa.BigInteger(), nullable=True),
        sa.Column("commissioned_ms", sa.BigInteger(), nullable=False),
        sa.Column("batch_code", sa.String(32), nullable=False),
        sa.Column("event_id", sa.String(255), nullable=False),
    )
    op.create_index("ix_bags_enterprise_time", "bags", ["enterprise_id", "commissioned_ms"])
    op.create_table(
        "bag_links",
        sa.Column("from_code", sa.String(128), nullable=False),
        sa.Column("to_code", sa.String(128), nullable=False),
        sa.Column("time_ms", sa.BigInteger(), nullable=False),
        sa.Column("device_id", sa.String(128), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("from_code", "to_code"),
    )
    op.create_index("ix_bag_links_to", "bag_links", ["to_code"])
    op.create_table(
        "storage_records",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("batch_code", sa.String(32), nullable=False),
        sa.Column("code", sa.String(128), nullable=False),
        sa.Column("waste_code", sa.String(32), nullable=True),
        sa.Column("grams", sa.BigInteger(), nullable=True),
        sa.Column("time_ms", sa.BigInteger(), nullable=False),
        sa.Column("facility_code", sa.String(64), nullable=True),
        sa.Column("operator", sa.Text(), nullable=True),
        sa.Column("handler", sa.Text(), nullable=True),
        sa.Column("container_type", sa.Text(), nullable=True),
        sa.Column("destination", sa.Text(), nullable=True),
        sa.Column("in_batch_code", sa.String(32), nullable=True),
        sa.Column("device_id", sa.String(128), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.UniqueConstraint("device_id", "seq", name="uq_storage_records_event"),
    )
    op.create_index("ix_storage_records_code", "storage_records", ["code"])
    op.create_index("ix_storage_records_enterprise_time", "storage_records", ["enterprise_id", "time_ms"])
    op.create_table(
        "stock",
        sa.Column("code", sa.String(128), primary_key=True),
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("facility_code", sa.String(64), nullable=True),
        sa.Column("waste_code", sa.String(32), nullable=True),
        sa.Column("grams", sa.BigInteger(), nullable=True),
        sa.Column("stored_ms", sa.BigInteger(), nullable=False),
        sa.Column("in_batch_code", sa.String(32), nullable=False),
    )
    op.create_index("ix_stock_place", "stock", ["enterprise_id", "facility_code", "waste_code"])
    op.create_table(
        "counters",
        sa.Column("name", sa.String(96), primary_key=True),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "manifests",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(14), nullable=False),
        sa.Column("shipper_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.UniqueConstraint("number", name="uq_manifests_number"),
    )
    op.create_index("ix_manifests_shipper_id", "manifests", ["shipper_id"])
    op.create_table(
        "manifest_versions",
        sa.Column("manifest_id", BigId, sa.ForeignKey("manifests.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("command", sa.String(16), nullable=False),
        sa.Column("carrier_id", BigId, sa.ForeignKey("enterprises.id"), nullable=True),
        sa.Column("receiver_id", BigId, sa.ForeignKey("enterprises.id"), nullable=True),
        sa.Column("waste_description", sa.Text(), nullable=True),
        sa.Column("hazards", sa.Text(), nullable=True),
        sa.Column("emergency_measures", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("vehicle_plate", sa.String(16), nullable=True),
        sa.Column("vehicle_permit", sa.String(64), nullable=True),
        sa.Column("driver", sa.Text(), nullable=True),
        sa.Column("route_note", sa.Text(), nullable=True),
        sa.Column("disposal_method", sa.Text(), nullable=True),
        sa.Column("receiver_note", sa.Text(), nullable=True),
        sa.Column("submitted_ms", sa.BigInteger(), nullable=True),
        sa.Column("departed_ms", sa.BigInteger(), nullable=True),
        sa.Column("arrived_ms", sa.BigInteger(), nullable=True),
        sa.Column("confirm_due_ms", sa.BigInteger(), nullable=True),
        sa.Column("confirmed_ms", sa.BigInteger(), nullable=True),
        sa.Column("closed_ms", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("recorded_ms", sa.BigInteger(), nullable=False),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("manifest_id", "version"),
    )
    op.create_index("ix_manifest_versions_carrier", "manifest_versions", ["carrier_id"])
    op.create_index("ix_manifest_versions_plate", "manifest_versions", ["vehicle_plate"])
    op.create_index("ix_manifest_versions_receiver", "manifest_versions", ["receiver_id"])
    op.create_table(
        "manifest_bags",
        sa.Column("manifest_id", BigId, sa.ForeignKey("manifests.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(128), nullable=False),
        sa.Column("waste_code", sa.String(32), nullable=True),
        sa.Column("shipped_grams", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("manifest_id", "version", "code"),
    )
    op.create_index("ix_manifest_bags_code", "manifest_bags", ["code"])
    op.create_table(
        "receipts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("manifest_id", BigId, sa.ForeignKey("manifests.id"), nullable=True),
        sa.Column("code", sa.String(128), nullable=False),
        sa.Column("grams", sa.BigInteger(), nullable=True),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("time_ms", sa.BigInteger(), nullable=False),
        sa.Column("recorded_ms", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("device_id", sa.String(128), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("recorded_by", sa.String(128), nullable=True),
        sa.Column("problem", sa.String(32), nullable=True),
        sa.UniqueConstraint("device_id", "seq", name="uq_receipts_event"),
    )
    op.create_index("ix_receipts_code", "receipts", ["code"])
    op.create_index("ix_receipts_manifest", "receipts", ["manifest_id"])
    op.create_table(
        "disposals",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(128), nullable=False),
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("batch_code", sa.String(32), nullable=False),
        sa.Column("method", sa.Text(), nullable=True),
        sa.Column("grams", sa.BigInteger(), nullable=True),
        sa.Column("time_ms", sa.BigInteger(), nullable=False),
        sa.Column("device_id", sa.String(128), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.UniqueConstraint("device_id", "seq", name="uq_disposals_event"),
    )
    op.create_index("ix_disposals_code", "disposals", ["code"])
    op.create_table(
        "gps_points",
        sa.Column("plate", sa.String(16), nullable=False),
        sa.Column("time_ms", sa.BigInteger(), nullable=False),
        sa.Column("lat_e6", sa.BigInteger(), nullable=False),
        sa.Column("lon_e6", sa.BigInteger(), nullable=False),
        sa.Column("speed_kmh", sa.Integer(), nullable=True),
        sa.Column("heading_deg", sa.Integer(), nullable=True),
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("received_ms", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.PrimaryKeyConstraint("plate", "time_ms"),
    )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
