"""What every warning rule is given and gives: the time and thresholds (`Context`), what to look at
(`Target`), the rule itself (`Rule`), and small helpers the rules share (hub/warnings/rules.py and the rule
modules beside it)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.core.versions import current
from hub.inventory.tables import Bag
from hub.manifests import store
from hub.manifests.tables import Manifest, ManifestVersion
from hub.registry.enterprises import enterprise_by_id
from hub.registry.tables import PlanVersion
from hub.warnings.record import Finding
from hub.warnings.settings import WarningSettings
from protocols.china_time import CHINA, china_date
from protocols.manifest import State as ManifestState
from protocols.warnings import Calendar

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


@dataclass(frozen=True, slots=True)
class Context:
    settings: WarningSettings
    now_ms: int
    since_ms: int  # rules reading what arrived read from here on
    calendar: Calendar


@dataclass(frozen=True, slots=True)
class Target:
    enterprise_ids: frozenset[int] | None = None  # None: every enterprise
    batch: tuple[str, str] | None = None  # (device_id, batch_id) just stored


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    name_zh: str
    name_en: str
    clears: bool
    on_ingest: bool
    find: Callable[[Session, Context, Target], list[Finding]]
    kinds: frozenset[str] | None = None  # after ingest: run only for a batch holding one of these event kinds
    ingest_only_if: str = ""
    """After ingest, run only if: "live" (the enterprise has a live warning of this rule to clear: a box that
    just sent a batch is not silent), "refused" (the batch had events custody refused); "" always."""


def china_year(ms: int) -> tuple[int, int, int]:
    """The China calendar year of `ms`, with its first and last-plus-one UTC ms."""
    year = dt.datetime.fromtimestamp(ms // 1000, tz=CHINA).year
    start = dt.datetime(year, 1, 1, tzinfo=CHINA)
    end = dt.datetime(year + 1, 1, 1, tzinfo=CHINA)
    return year, int(start.timestamp()) * 1000, int(end.timestamp()) * 1000


def china_day(ms: int) -> dt.date:
    return china_date(ms)


def target_ids(target: Target, everyone: Callable[[], list[int]]) -> list[int]:
    return sorted(target.enterprise_ids) if target.enterprise_ids is not None else everyone()


def uscc_of(session: Session, enterprise_id: int) -> str:
    return enterprise_by_id(session, enterprise_id).uscc


def level_of(used: int, limit: int, approach_pct: int, exceed_pct: int) -> str | None:
    if limit <= 0:
        return None
    if used * 100 >= limit * exceed_pct:
        return "serious"
    if used * 100 >= limit * approach_pct:
        return "warning"
    return None


def current_manifests(session: Session, manifest_ids: list[int]) -> list[store.Current]:
    """The current version of each manifest, in one query."""
    if not manifest_ids:
        return []
    newest = (
        select(ManifestVersion.manifest_id, func.max(ManifestVersion.version).label("v"))
        .where(ManifestVersion.manifest_id.in_(manifest_ids))
        .group_by(ManifestVersion.manifest_id)
        .subquery()
    )
    rows = session.execute(
        select(Manifest, ManifestVersion)
        .join(ManifestVersion, ManifestVersion.manifest_id == Manifest.id)
        .join(
            newest,
            (newest.c.manifest_id == ManifestVersion.manifest_id) & (newest.c.v == ManifestVersion.version),
        )
        .order_by(Manifest.number)
    ).all()
    return [store.Current(m, v) for m, v in rows]


def in_transit(session: Session) -> list[store.Current]:
    """Every manifest in transit now."""
    ids = session.scalars(
        select(ManifestVersion.manifest_id)
        .where(ManifestVersion.state == ManifestState.IN_TRANSIT)
        .distinct()
    )
    return [c for c in current_manifests(session, list(ids)) if c.state == ManifestState.IN_TRANSIT]


def this_years_plans(
    session: Session, year: int, enterprise_ids: frozenset[int] | None
) -> dict[int, list[dict[str, Any]]]:
    """The active management plan lines of `year`, per enterprise, in one query (a sweep reads them all)."""
    query = current(PlanVersion, "enterprise_id", "year").where(PlanVersion.year == year, PlanVersion.active)
    if enterprise_ids is not None:
        query = query.where(PlanVersion.enterprise_id.in_(sorted(enterprise_ids)))
    return {v.enterprise_id: json.loads(v.lines) for v in session.scalars(query)}


def produced(
    session: Session, start_ms: int, end_ms: int, enterprise_ids: set[int]
) -> dict[tuple[int, str], int]:
    """Grams weighed (as corrected) per (enterprise, waste code) between the times, in one grouped query."""
    if not enterprise_ids:
        return {}
    rows = session.execute(
        select(Bag.enterprise_id, Bag.waste_code, func.sum(Bag.grams))
        .where(
            Bag.enterprise_id.in_(sorted(enterprise_ids)),
            Bag.commissioned_ms >= start_ms,
            Bag.commissioned_ms < end_ms,
        )
        .group_by(Bag.enterprise_id, Bag.waste_code)
    ).all()
    return {(eid, code): int(grams or 0) for eid, code, grams in rows}
