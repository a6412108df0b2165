"""How numbers read on the hub's pages: integer grams as kilograms, UTC milliseconds as Beijing time."""

from __future__ import annotations

import datetime as dt

from protocols.china_time import CHINA

# China keeps one time zone and no daylight saving, so a fixed offset is exact.


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
