"""China's one zone: dates people read turn over at 16:00 UTC; a year starts at 16:00 UTC the day before."""

import datetime as dt

from protocols.china_time import CHINA, china_date, china_datetime, year_start_ms


def _ms(*args: int) -> int:
    return int(dt.datetime(*args, tzinfo=dt.UTC).timestamp() * 1000)


def test_the_date_turns_over_at_midnight_beijing_time():
    assert china_date(_ms(2026, 12, 4, 15, 59, 59)) == dt.date(2026, 12, 4)
    assert china_date(_ms(2026, 12, 4, 16, 0, 0)) == dt.date(2026, 12, 5)


def test_a_year_starts_at_16_00_utc_on_31_december():
    assert year_start_ms(2027) == _ms(2026, 12, 31, 16, 0, 0)


def test_wall_clock_keeps_milliseconds():
    moment = china_datetime(_ms(2026, 1, 1, 0, 0, 0) + 250)
    assert (moment.hour, moment.microsecond, moment.utcoffset()) == (8, 250_000, CHINA.utcoffset(None))


def test_a_china_day_starts_at_16_00_utc_the_day_before():
    import datetime as dt

    from protocols.china_time import day_start_ms

    assert day_start_ms(dt.date(2026, 11, 23)) == 1_795_363_200_000  # 2026-11-22T16:00:00Z
