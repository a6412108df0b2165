"""The working-day calendar (法定节假日 and 调休 working weekends) as a loadable text file.

The State Council publishes each year's holidays in November or December; the hub reads them from a TOML
file rather than code. Format, one table per year:

    [2026]
    holidays = ["2026-01-01", "2026-01-02"]
    working_days = ["2026-01-04"]   # weekend days made working days (调休)
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass


class CalendarError(ValueError):
    """The calendar file is not in the expected shape."""


@dataclass(frozen=True, slots=True)
class Calendar:
    holidays: frozenset[dt.date] = frozenset()
    working_days: frozenset[dt.date] = frozenset()
    years: tuple[int, ...] = ()


def parse_calendar(text: str) -> Calendar:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CalendarError(f"not TOML: {exc}") from exc
    holidays: set[dt.date] = set()
    working: set[dt.date] = set()
    years = []
    for year, table in data.items():
        if not (year.isdigit() and len(year) == 4) or not isinstance(table, dict):
            raise CalendarError(f"[{year}]: each table is a year, like [2026]")
        years.append(int(year))
        for key, into in (("holidays", holidays), ("working_days", working)):
            values = table.get(key, [])
            if not isinstance(values, list):
                raise CalendarError(f"[{year}] {key} must be a list of dates")
            for value in values:
                day = _date(value, year, key)
                into.add(day)
        unknown = set(table) - {"holidays", "working_days", "source"}
        if unknown:
            raise CalendarError(f"[{year}]: unknown keys {sorted(unknown)}")
    both = holidays & working
    if both:
        raise CalendarError(f"days both holiday and working day: {sorted(both)}")
    return Calendar(frozenset(holidays), frozenset(working), tuple(sorted(years)))


def _date(value: object, year: str, key: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        day = value
    elif isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError as exc:
            raise CalendarError(f"[{year}] {key}: {value!r} is not a date (YYYY-MM-DD)") from exc
    else:
        raise CalendarError(f"[{year}] {key}: {value!r} is not a date")
    if str(day.year) != year:
        raise CalendarError(f"[{year}] {key}: {day} is not in {year}")
    return day
