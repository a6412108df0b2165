"""Custody of bags and who may act: events stored in their chain but refused (a device of an enterprise that
does not hold the bag, a time outside 2000–2099, an absurd weight), with the reason; and the flag that a
reset password must be changed at the next login (三员分立); failed logins counted per (user, source
address) and per user, and each session's last use (the idle timeout); the audit log's hash chain;
anonymous scans of /t/{code} counted per source address.

Revision ID: 0007_custody
Revises: 0006_exchange
Create Date: 2026-12-04

Hand-written so that it runs unchanged on SQLite and PostgreSQL (the same types as hub/custody/tables.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_custody"
down_revision = "0006_exchange"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "refused_events",
        sa.Column("device_id", sa.String(128), primary_key=True),
        sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("code", sa.String(128), nullable=False),
        sa.Column("enterprise_id", BigId, nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("time_ms", sa.BigInteger(), nullable=False),
        sa.Column("received_ms", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_refused_events_code", "refused_events", ["code"])
    op.create_index("ix_refused_events_received", "refused_events", ["received_ms"])
    with op.batch_alter_table("user_versions") as batch:
        batch.add_column(
            sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("last_seen_ms", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("entry_hash", sa.String(64), nullable=True))
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.Column("entries", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "scan_rate",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("window_start_ms", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
    )
    op.create_table(
        "login_throttle",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("window_start_ms", sa.BigInteger(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_allowed_ms", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("login_throttle")
    op.drop_table("scan_rate")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("entry_hash")
        batch.drop_column("prev_hash")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("last_seen_ms")
    with op.batch_alter_table("user_versions") as batch:
        batch.drop_column("must_change_password")
    op.drop_index("ix_refused_events_received", table_name="refused_events")
    op.drop_index("ix_refused_events_code", table_name="refused_events")
    op.drop_table("refused_events")
