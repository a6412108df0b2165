"""The warning rules' thresholds, read from the environment (WT_HUB_WARN_*); see docs/warnings.md for each
default and where it comes from."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from hub.settings import SettingsError
from protocols.warnings import Calendar, parse_calendar

DEFAULT_CALENDAR = Path(__file__).resolve().parent / "calendars" / "cn.toml"


class WarningSettingsError(SettingsError):
    """A threshold that is not a whole number, or out of range."""


@dataclass(frozen=True, slots=True)
class WarningSettings:
    plan_approach_pct: int = 90
    plan_exceed_pct: int = 100
    storage_days_operator: int = 365  # 固废法 §81: licensed operators, one year
    storage_days_producer: int = 365  # no national rule for producers: per province
    storage_point_grams: int = 3_000_000  # GB 18597-2023 8.3.5: a 贮存点 holds at most 3 t
    transfer_permille: int = 10
    transfer_floor_grams: int = 100
    receive_hours: int = 72
    confirm_working_days: int = 5  # 令第23号 §18
    licence_approach_pct: int = 90
    licence_exceed_pct: int = 100
    silent_hours: int = 24
    declare_permille: int = 50  # 申报异常: declared vs weighed, 5 %
    declare_floor_grams: int = 10_000  # … and at least 10 kg
    declare_months: int = 3  # how many completed months back are compared
    idle_days: int = 30  # a box that weighed nothing this long, at an enterprise whose plan says it produces
    corridor_m: int = 5_000  # 车辆偏移: metres either side of the shipper–receiver line
    stop_minutes: int = 60  # a stop on the way longer than this
    stop_radius_m: int = 300  # "stopped": staying within this radius
    transit_hours: int = 24  # in transit longer than this: 运输超时
    clock_minutes: int = 10  # a box's clock this far from the hub's
    reprint_daily: int = 10  # reprints of one enterprise in one China day
    lookback_hours: int = 48
    order_days: int = 10  # a 督办单's default due date, in days
    sweep_seconds: int = 0  # the in-process scheduler: 0 = off (run `wastetrace hub warnings sweep`)
    deliver_seconds: int = (
        5  # the in-process webhook deliverer: 0 = off (run `wastetrace hub warnings deliver`)
    )
    on_ingest: int = 2  # 0 sweep only, 1 right after each batch, 2 queued (hub/warnings/evaluate.py)
    # How often each hub worker runs queued mode's triggers; 0 leaves them to `wastetrace hub mqtt` workers
    # and `wastetrace hub warnings sweep` (a deployment that keeps evaluation off the HTTP workers).
    evaluate_seconds: int = 1
    calendar_file: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> WarningSettings:
        env = os.environ if environ is None else environ
        values: dict[str, int | str] = {}
        for f in fields(cls):
            name = "WT_HUB_WARN_" + f.name.upper()
            raw = env.get(name)
            if raw is None or raw == "":
                continue
            if f.name == "calendar_file":
                values[f.name] = raw
                continue
            try:
                value = int(raw)
            except ValueError as exc:
                raise WarningSettingsError(f"{name}={raw!r} is not a whole number") from exc
            if value < 0:
                raise WarningSettingsError(f"{name}={raw!r} must not be negative")
            values[f.name] = value
        return cls(**values)  # type: ignore[arg-type]

    @property
    def calendar(self) -> Calendar:
        return load_calendar(self.calendar_file or str(DEFAULT_CALENDAR))


@functools.lru_cache(maxsize=8)
def load_calendar(path: str) -> Calendar:
    """The holiday file, read once per path (it is a file, not state: every worker reads the same)."""
    return parse_calendar(Path(path).read_text(encoding="utf-8"))
