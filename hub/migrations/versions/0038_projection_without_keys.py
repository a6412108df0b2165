"""`bags`, `storage_records` and `stock` without their foreign keys to `enterprises`.

The projection writes a batch's bags, HJ 1259 records and stock in the batch's transaction, about 250, 500
and 250 rows for 1,000 events; PostgreSQL checked each row's key with a look-up of the same enterprise: 2.9
of the 8.3 ms of COPY for 500 HJ 1259 records (docs/bench-hub.md, 2026-12-06 night). The keys cannot fail:
these rows are derived from events (hub/ledger/rebuild.py makes them again), and their enterprise is the one
of the device whose row the ingest holds locked; no enterprise is ever deleted. `receipts` and
`disposals`, which receiving and disposal events write against a manifest, keep theirs: the benchmark's
batches hold no such event, so what their keys cost was not measured.

On SQLite each table is written again without the key (a copy, once; the old pages are left free for SQLite
to reuse, `VACUUM` gives them back to the disk).

Revision ID: 0038_projection_without_keys
Revises: 0037_events_without_device_key
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0038_projection_without_keys"
down_revision = "0037_events_without_device_key"
branch_labels = None
depends_on = None

TABLES = ("bags", "storage_records", "stock")
# SQLite's keys have no names; batch mode names them by this convention to drop one.
NAMING = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}


def _keys(table: str) -> list[dict]:
    keys = sa.inspect(op.get_bind()).get_foreign_keys(table)
    return [k for k in keys if k["referred_table"] == "enterprises"]


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        keys = _keys(table)
        if postgresql:
            for key in keys:
                op.drop_constraint(key["name"], table, type_="foreignkey")
        elif keys:
            with op.batch_alter_table(table, naming_convention=NAMING) as batch:
                batch.drop_constraint(f"fk_{table}_enterprise_id_enterprises", type_="foreignkey")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        if postgresql:
            op.create_foreign_key(
                f"{table}_enterprise_id_fkey", table, "enterprises", ["enterprise_id"], ["id"]
            )
            continue
        with op.batch_alter_table(table, naming_convention=NAMING) as batch:
            batch.create_foreign_key(
                f"fk_{table}_enterprise_id_enterprises", "enterprises", ["enterprise_id"], ["id"]
            )
