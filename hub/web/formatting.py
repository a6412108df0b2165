"""How numbers read on the hub's pages: integer grams as kilograms, UTC milliseconds as Beijing time."""

from __future__ import annotations

import datetime as dt

from hub.core.errors import Invalid
from protocols.china_time import CHINA, day_start_ms

# China keeps one time zone and no daylight saving, so a fixed offset is exact.


DAY_MS = 86_400_000


def day_ms(value: str | None, name: str, end: bool = False) -> int | None:
    """A filter's or form's date (YYYY-MM-DD, a China day) as the UTC ms it starts at, or ends at with `end`;
    None when empty."""
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise Invalid(f"{name} 应为日期 YYYY-MM-DD ({name} must be a date)") from exc
    return day_start_ms(day) + (DAY_MS if end else 0)


def format_kg(grams: int | None) -> str:
    """12340 → "12.340 kg", exactly: integer arithmetic, never a float."""
    if grams is None:
        return "—"
    sign = "-" if grams < 0 else ""
    kg, g = divmod(abs(grams), 1000)
    return f"{sign}{kg}.{g:03d} kg"


def format_time(ms: int | None) -> str:
    """UTC milliseconds → "2025-03-01 14:03:22" in Beijing time."""
    if ms is None:
        return "—"
    try:
        moment = dt.datetime.fromtimestamp(ms // 1000, tz=dt.UTC).astimezone(CHINA)
    except (OverflowError, OSError, ValueError):
        # Device time is the device's word; an absurd value is shown as it came, not hidden.
        return f"{ms} ms"
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def short_hash(value: str | None, length: int = 12) -> str:
    if not value:
        return "—"
    return value[:length] + "…" if len(value) > length else value
