"""The order in which the push to the province reads manifest versions and warning changes
(hub/exchange/push/): manifest_versions by (recorded_ms, manifest_id, version), warning_entries by
(time_ms, id).

Revision ID: 0027_push_order_indexes
Revises: 0026_annual_operation_plans
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0027_push_order_indexes"
down_revision = "0026_annual_operation_plans"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_manifest_versions_recorded", "manifest_versions", ["recorded_ms", "manifest_id", "version"]
    )
    op.create_index("ix_warning_entries_time", "warning_entries", ["time_ms", "id"])


def downgrade() -> None:
    op.drop_index("ix_warning_entries_time", table_name="warning_entries")
    op.drop_index("ix_manifest_versions_recorded", table_name="manifest_versions")
