"""The receiver's confirmation deadline: 5 working days after the waste arrives (令第23号 §18).

Working days are Monday to Friday in China (UTC+8), minus the public holidays passed in, plus the weekend
days that are made working days (调休) passed in; the State Council publishes both lists every year, so they
are configuration, not code. The deadline is the end of the last working day, China time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from protocols.china_time import CHINA

CONFIRMATION_WORKING_DAYS = 5
BACKFILL_WORKING_DAYS = 10  # §20: a paper manifest is entered in the system within 10 working days


def is_working_day(
    day: dt.date, holidays: Collection[dt.date] = (), extra_working_days: Collection[dt.date] = ()
) -> bool:
    if day in extra_working_days:
        return True
    return day.weekday() < 5 and day not in holidays


def add_working_days(
    start: dt.date,
    days: int,
    holidays: Collection[dt.date] = (),
    extra_working_days: Collection[dt.date] = (),
) -> dt.date:
    """The date `days` working days after `start` (the day of arrival itself does not count)."""
    if days < 0:
        raise ValueError(f"days must be >= 0, got {days}")
    day, left = start, days
    while left:
        day += dt.timedelta(days=1)
        if is_working_day(day, holidays, extra_working_days):
            left -= 1
    return day


def confirmation_due_ms(
    arrival_ms: int,
    days: int = CONFIRMATION_WORKING_DAYS,
    holidays: Collection[dt.date] = (),
    extra_working_days: Collection[dt.date] = (),
) -> int:
    """UTC ms of the end (23:59:59.999 China time) of the last working day to confirm receipt."""
    arrival = dt.datetime.fromtimestamp(arrival_ms // 1000, tz=CHINA).date()
    last = add_working_days(arrival, days, holidays, extra_working_days)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=CHINA)
    return int(end.timestamp()) * 1000 - 1
