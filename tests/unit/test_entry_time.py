"""The time a typed entry is filed at: now to the second, or the clock time a nurse set for a late entry."""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from dashboard.core.entry_time import clock_text, entry_moment, is_late, parse_clock

TZ = "America/New_York"
NY = ZoneInfo(TZ)
DAY = date(2026, 11, 2)


@pytest.mark.parametrize("typed, clock", [
    ("9:05", time(9, 5)), ("09:05:30", time(9, 5, 30)), (" 14.07 ", time(14, 7)), ("9h05", time(9, 5)),
    ("00:00:00", time(0)), ("23:59:59", time(23, 59, 59)),
])
def test_clock_times_as_nurses_type_them(typed, clock):
    assert parse_clock(typed) == clock


@pytest.mark.parametrize("typed, words", [
    ("905", "type HH:MM or HH:MM:SS"), ("25:00", "hours 0-23"), ("09:61", "minutes and seconds 0-59"),
    ("soon", "'soon' is not a clock time"),
])
def test_a_time_that_cannot_be_read_says_what_is_expected(typed, words):
    with pytest.raises(ValueError, match=words):
        parse_clock(typed)


def test_no_time_set_is_the_moment_of_saving_to_the_second():
    now = datetime(2026, 11, 2, 14, 3, 11, 250000, tzinfo=timezone.utc)
    assert entry_moment(None, session_date=DAY, tz=TZ, reference=None, now=now) == now
    assert entry_moment("  ", session_date=DAY, tz=TZ, reference=None, now=now) == now


def test_a_set_time_is_a_clinic_clock_time_on_the_session_day():
    now = datetime(2026, 11, 2, 15, 0, tzinfo=timezone.utc)  # 10:00 in New York
    moment = entry_moment("09:41:07", session_date=DAY, tz=TZ, reference=None, now=now)
    assert moment == datetime(2026, 11, 2, 9, 41, 7, tzinfo=NY)


def test_a_session_crossing_midnight_files_early_morning_times_on_the_next_day():
    start = datetime(2026, 11, 2, 23, 30, tzinfo=NY)
    now = datetime(2026, 11, 3, 0, 40, tzinfo=NY)
    assert entry_moment("00:15", session_date=DAY, tz=TZ, reference=start, now=now) == \
        datetime(2026, 11, 3, 0, 15, tzinfo=NY)
    assert entry_moment("23:50", session_date=DAY, tz=TZ, reference=start, now=now) == \
        datetime(2026, 11, 2, 23, 50, tzinfo=NY)


def test_an_old_session_keeps_its_own_day():
    start = datetime(2026, 11, 2, 8, 30, tzinfo=NY)
    now = datetime(2026, 11, 9, 12, 0, tzinfo=NY)
    assert entry_moment("09:00", session_date=DAY, tz=TZ, reference=start, now=now).date() == DAY


def test_late_means_entered_more_than_a_minute_after_measuring():
    measured = pd.Series(pd.to_datetime(["2026-11-02 14:00:00", "2026-11-02 14:00:00"], utc=True))
    entered = pd.Series(pd.to_datetime(["2026-11-02 14:00:00.400", "2026-11-02 14:20:00.000"], utc=True))
    assert is_late(measured, entered).tolist() == [False, True]


def test_clock_text_adds_the_date_only_for_another_day():
    moment = datetime(2026, 11, 2, 14, 3, 11, tzinfo=timezone.utc)
    assert clock_text(moment, TZ) == "09:03:11"
    assert clock_text(moment, TZ, now=moment + timedelta(days=1)) == "2026-11-02 09:03:11"


def test_only_readings_typed_after_a_moment_are_late_entries_after_it():
    """A monitor export filed after discharge, and corrections, are not what the discharge note lists."""
    import pandas as pd

    from dashboard.core.entry_time import typed_after
    t = pd.Timestamp("2026-11-02 15:00", tz="UTC")
    readings = pd.DataFrame({
        "id": [1, 2, 3, 4, 5],
        "source": ["manual", "file", "manual", "manual", "manual"],
        "supersedes_id": [None, None, 1, None, None],
        "entered_at": [t + pd.Timedelta(minutes=m) for m in (20, 5, 30, -5, 10)]})
    assert typed_after(readings, t.to_pydatetime())["id"].tolist() == [5, 1]
