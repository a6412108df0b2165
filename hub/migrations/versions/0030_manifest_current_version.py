"""Each manifest's version in force (manifests.current_version) and that version's bags and shipped weight,
filled from its versions, so the manifest list joins one version per manifest and sorts by weight without
summing every bag (hub/manifests/search.py).

Revision ID: 0030_manifest_current_version
Revises: 0029_traffic_feed
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030_manifest_current_version"
down_revision = "0029_traffic_feed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("manifests") as batch:
        batch.add_column(sa.Column("current_version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("bags", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("shipped_grams", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE manifests SET current_version = "
        "(SELECT max(version) FROM manifest_versions WHERE manifest_versions.manifest_id = manifests.id)"
    )
    op.execute(
        "UPDATE manifests SET "
        "bags = (SELECT count(*) FROM manifest_bags b WHERE b.manifest_id = manifests.id "
        "AND b.version = manifests.current_version), "
        "shipped_grams = (SELECT coalesce(sum(b.shipped_grams), 0) FROM manifest_bags b "
        "WHERE b.manifest_id = manifests.id AND b.version = manifests.current_version)"
    )


def downgrade() -> None:
    with op.batch_alter_table("manifests") as batch:
        batch.drop_column("shipped_grams")
        batch.drop_column("bags")
        batch.drop_column("current_version")
