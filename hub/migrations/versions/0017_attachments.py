"""Attachments: photos and PDFs kept once by SHA-256, and who uploaded them (hub/attachments/tables.py).

Revision ID: 0017_attachments
Revises: 0008_stats
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_attachments"
down_revision = "0008_stats"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("received_ms", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "attachment_uploads",
        sa.Column("sha256", sa.String(64), sa.ForeignKey("attachments.sha256"), primary_key=True),
        sa.Column("uploader", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("uploaded_ms", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("attachment_uploads")
    op.drop_table("attachments")
