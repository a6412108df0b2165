"""Each manifest's version in force (manifests.current_version), filled from its versions, so the manifest
list joins one version per manifest (hub/manifests/search.py).

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
    op.execute(
        "UPDATE manifests SET current_version = "
        "(SELECT max(version) FROM manifest_versions WHERE manifest_versions.manifest_id = manifests.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("manifests") as batch:
        batch.drop_column("current_version")
