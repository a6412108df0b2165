"""Every domain's tables, loaded together so that `Base.metadata` is whole: Alembic's environment and the
schema test import this module; nothing else needs to."""

from __future__ import annotations

from hub.access import tables as access_tables
from hub.attachments import tables as attachment_tables
from hub.core import counters, idempotency
from hub.core.base import Base
from hub.custody import tables as custody_tables
from hub.declarations import tables as declaration_tables
from hub.devices import tables as device_tables
from hub.evidence import tables as evidence_tables
from hub.exchange import tables as exchange_tables
from hub.field_checks import tables as field_check_tables
from hub.inspections import tables as inspection_tables
from hub.inventory import tables as inventory_tables
from hub.ledger import tables as ledger_tables
from hub.manifests import tables as manifest_tables
from hub.registry import tables as registry_tables
from hub.stats import tables as stats_tables
from hub.trace import tables as trace_tables
from hub.transport import tables as transport_tables
from hub.warnings import tables as warning_tables

DOMAIN_TABLES = (
    access_tables,
    attachment_tables,
    counters,
    idempotency,
    custody_tables,
    declaration_tables,
    device_tables,
    evidence_tables,
    field_check_tables,
    exchange_tables,
    inspection_tables,
    inventory_tables,
    ledger_tables,
    manifest_tables,
    registry_tables,
    trace_tables,
    stats_tables,
    transport_tables,
    warning_tables,
)

__all__ = ["Base", "DOMAIN_TABLES"]
