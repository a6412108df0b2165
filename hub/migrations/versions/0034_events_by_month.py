"""Events partitioned by month on PostgreSQL; every event id kept once in `event_ids`.

On PostgreSQL `events` becomes `PARTITION BY RANGE (time_ms)`, one partition per China month (UTC+8) for each
month its rows hold (within 2000–2099; anything else goes to `events_default`), plus this month and the next
three; the hub makes later months ahead as it runs (hub/ledger/partitions.py). The primary key becomes
(device_id, seq, time_ms), as partitioning requires. A unique key on `event_id` alone cannot exist on a
partitioned table, so the ids move to `event_ids` (event_id primary key, with the bag's code), on SQLite too,
where `events` keeps its shape otherwise.

The rows are copied once (INSERT … SELECT): on a large PostgreSQL database this takes as long as writing the
table again; run it in a maintenance window (`wastetrace hub migrate`).

Revision ID: 0034_events_by_month
Revises: 0033_inspections
Create Date: 2026-12-05
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0034_events_by_month"
down_revision = "0033_inspections"
branch_labels = None
depends_on = None

CHINA = dt.timezone(dt.timedelta(hours=8))
COLUMNS = (
    "device_id, seq, event_id, event_hash, prev_hash, kind, code, waste_code, grams, operator, place, "
    "time_ms, boot_id, mono_ms, clock_synced, received_ms, batch_id, body"
)
# The columns as 0001_baseline made them, for the table made anew each way.
COLUMNS_DDL = (
    "device_id VARCHAR(128) NOT NULL REFERENCES devices (device_id), seq BIGINT NOT NULL, "
    "event_id VARCHAR(255) NOT NULL, event_hash VARCHAR(64) NOT NULL, prev_hash VARCHAR(64) NOT NULL, "
    "kind VARCHAR(32) NOT NULL, code VARCHAR(128) NOT NULL, waste_code VARCHAR(32), grams BIGINT, "
    "operator TEXT, place TEXT, time_ms BIGINT NOT NULL, boot_id VARCHAR(128) NOT NULL, "
    "mono_ms BIGINT NOT NULL, clock_synced BOOLEAN NOT NULL, received_ms BIGINT NOT NULL, "
    "batch_id VARCHAR(255) NOT NULL, body TEXT NOT NULL"
)
MONTHS_AHEAD = 3


def upgrade() -> None:
    op.create_table(
        "event_ids",
        sa.Column("event_id", sa.String(255), primary_key=True),
        sa.Column("code", sa.String(128), nullable=False),
    )
    op.execute("INSERT INTO event_ids (event_id, code) SELECT event_id, code FROM events")
    if op.get_bind().dialect.name != "postgresql":
        with op.batch_alter_table("events") as batch:
            batch.drop_constraint("uq_events_event_id", type_="unique")
        return
    # The old table steps aside under names that free its own: index and constraint names are per schema.
    op.execute("ALTER TABLE events RENAME TO events_unpartitioned")
    op.execute("ALTER TABLE events_unpartitioned DROP CONSTRAINT uq_events_event_id")
    op.execute("ALTER TABLE events_unpartitioned RENAME CONSTRAINT events_pkey TO events_unpartitioned_pkey")
    op.execute("ALTER INDEX ix_events_code_time RENAME TO ix_events_unpartitioned_code_time")
    op.execute("ALTER INDEX ix_events_batch_id RENAME TO ix_events_unpartitioned_batch_id")
    op.execute(
        f"CREATE TABLE events ({COLUMNS_DDL}, CONSTRAINT events_pkey PRIMARY KEY (device_id, seq, time_ms))"
        " PARTITION BY RANGE (time_ms)"
    )
    op.execute("CREATE INDEX ix_events_code_time ON events (code, time_ms)")
    op.execute("CREATE INDEX ix_events_batch_id ON events (batch_id)")
    op.execute("CREATE TABLE events_default PARTITION OF events DEFAULT")
    held = op.get_bind().execute(
        sa.text(
            "SELECT DISTINCT to_char(to_timestamp(time_ms / 1000.0) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') "
            "FROM events_unpartitioned WHERE time_ms >= :low AND time_ms < :high"
        ),
        {"low": _start_ms(2000, 1), "high": _start_ms(2100, 1)},
    )
    months = {(int(ym[:4]), int(ym[5:])) for (ym,) in held}
    now = dt.datetime.now(CHINA)
    index = now.year * 12 + now.month - 1
    months |= {(i // 12, i % 12 + 1) for i in range(index, index + MONTHS_AHEAD + 1)}
    for year, month in sorted(months):
        op.execute(
            f"CREATE TABLE events_y{year:04d}m{month:02d} PARTITION OF events "
            f"FOR VALUES FROM ({_start_ms(year, month)}) TO ({_start_ms(year + month // 12, month % 12 + 1)})"
        )
    op.execute(f"INSERT INTO events ({COLUMNS}) SELECT {COLUMNS} FROM events_unpartitioned")
    op.execute("DROP TABLE events_unpartitioned")
    op.execute("ANALYZE events")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        with op.batch_alter_table("events") as batch:
            batch.create_unique_constraint("uq_events_event_id", ["event_id"])
        op.drop_table("event_ids")
        return
    op.execute("ALTER TABLE events RENAME TO events_partitioned")
    op.execute("ALTER TABLE events_partitioned RENAME CONSTRAINT events_pkey TO events_partitioned_pkey")
    op.execute("ALTER INDEX ix_events_code_time RENAME TO ix_events_partitioned_code_time")
    op.execute("ALTER INDEX ix_events_batch_id RENAME TO ix_events_partitioned_batch_id")
    op.execute(
        f"CREATE TABLE events ({COLUMNS_DDL}, CONSTRAINT events_pkey PRIMARY KEY (device_id, seq),"
        " CONSTRAINT uq_events_event_id UNIQUE (event_id))"
    )
    op.execute(f"INSERT INTO events ({COLUMNS}) SELECT {COLUMNS} FROM events_partitioned")
    op.execute("DROP TABLE events_partitioned")  # its partitions with it
    op.execute("CREATE INDEX ix_events_code_time ON events (code, time_ms)")
    op.execute("CREATE INDEX ix_events_batch_id ON events (batch_id)")
    op.drop_table("event_ids")


def _start_ms(year: int, month: int) -> int:
    return int(dt.datetime(year, month, 1, tzinfo=CHINA).timestamp() * 1000)
