"""China's one time zone (UTC+8, no daylight saving), for the dates people read: labels' 产生日期, working
days, years of plans and licences, times on pages. Stored times stay UTC integer milliseconds."""

from __future__ import annotations

import datetime as dt

CHINA = dt.timezone(dt.timedelta(hours=8), "UTC+8")
CHINA_OFFSET = "+08:00"  # as ISO 8601 and EPCIS write it
CHINA_OFFSET_MIN = 480


def china_datetime(time_ms: int) -> dt.datetime:
    """The moment `time_ms` (UTC integer milliseconds) on a Chinese wall clock, to the millisecond."""
    return dt.datetime.fromtimestamp(time_ms // 1000, tz=CHINA) + dt.timedelta(milliseconds=time_ms % 1000)


def china_date(time_ms: int) -> dt.date:
    """The calendar date in China at `time_ms`."""
    return china_datetime(time_ms).date()


def day_start_ms(day: dt.date) -> int:
    """UTC milliseconds at 00:00 of `day` in China."""
    return int(dt.datetime.combine(day, dt.time(), tzinfo=CHINA).timestamp()) * 1000


def year_start_ms(year: int) -> int:
    """UTC milliseconds at 00:00 on 1 January of `year` in China."""
    return int(dt.datetime(year, 1, 1, tzinfo=CHINA).timestamp()) * 1000
