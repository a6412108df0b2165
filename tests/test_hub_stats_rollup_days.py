"""The rollups' China calendar day (UTC+8) of a fact's time, the cached arithmetic against datetime's."""

from __future__ import annotations

import datetime as dt

import pytest

from hub.stats.rollup import china_day
from protocols.china_time import CHINA


@pytest.mark.parametrize(
    "utc",
    [
        dt.datetime(2026, 12, 31, 15, 59, 59, 999_000, tzinfo=dt.UTC),  # 23:59:59.999 in Beijing
        dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.UTC),  # 2027-01-01 00:00 in Beijing
        dt.datetime(2028, 2, 28, 16, 0, tzinfo=dt.UTC),  # a leap day
        dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
    ],
)
def test_a_fact_counts_on_its_china_calendar_day(utc):
    local = utc.astimezone(CHINA).date()
    assert china_day(int(utc.timestamp() * 1000)) == local.year * 10_000 + local.month * 100 + local.day


def test_an_absurd_device_time_clamps_to_a_real_day():
    assert china_day(-5) == 19700101
    assert china_day(10**18) == 99991231
