"""China's one time zone (UTC+8, no daylight saving), for the dates people read: labels' 产生日期, working
days, years of plans and licences, times on pages. Stored times stay UTC integer milliseconds."""

from __future__ import annotations

import datetime as dt
import functools

CHINA = dt.timezone(dt.timedelta(hours=8), "UTC+8")
CHINA_OFFSET = "+08:00"  # as ISO 8601 and EPCIS write it
CHINA_OFFSET_MIN = 480
CHINA_OFFSET_MS = CHINA_OFFSET_MIN * 60_000
_DAY_MS = 86_400_000
_EPOCH = dt.date(1970, 1, 1).toordinal()


def china_datetime(time_ms: int) -> dt.datetime:
    """The moment `time_ms` (UTC integer milliseconds) on a Chinese wall clock, to the millisecond."""
    return dt.datetime.fromtimestamp(time_ms // 1000, tz=CHINA) + dt.timedelta(milliseconds=time_ms % 1000)


def china_date(time_ms: int) -> dt.date:
    """The calendar date in China at `time_ms`."""
    return china_datetime(time_ms).date()


def china_day_number(time_ms: int) -> int:
    """Days since 1970-01-01 on China's calendar: one number for every moment of a Chinese day, so a
    thousand events of a batch need one date each (`date_of_china_day`), not one datetime each."""
    return (time_ms + CHINA_OFFSET_MS) // _DAY_MS


@functools.lru_cache(maxsize=4096)
def date_of_china_day(number: int) -> dt.date:
    """The date of a `china_day_number`; remembered, as the events of a batch fall on a few days."""
    return dt.date.fromordinal(_EPOCH + number)


def day_start_ms(day: dt.date) -> int:
    """UTC milliseconds at 00:00 of `day` in China."""
    return int(dt.datetime.combine(day, dt.time(), tzinfo=CHINA).timestamp()) * 1000


def year_start_ms(year: int) -> int:
    """UTC milliseconds at 00:00 on 1 January of `year` in China."""
    return int(dt.datetime(year, 1, 1, tzinfo=CHINA).timestamp()) * 1000
