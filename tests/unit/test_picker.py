"""The correction picker's list: the newest readings of a long session, or those at a typed clock time."""

from __future__ import annotations

from dashboard.core.picker import picker_choices


def labels(n: int) -> dict[int, str]:
    """One reading a minute from 08:00: '#1 at 08:00: BP ...'."""
    return {i: f"#{i} at {8 + (i - 1) // 60:02d}:{(i - 1) % 60:02d}: BP 120/80" for i in range(1, n + 1)}


def test_a_short_session_lists_every_reading_and_says_nothing():
    assert picker_choices(labels(12)) == (list(range(1, 13)), None)


def test_a_long_session_lists_the_newest_and_says_how_to_find_the_rest():
    ids, note = picker_choices(labels(500), limit=300)
    assert ids == list(range(201, 501))
    assert note == "the newest 300 of 500 readings are listed: type a time to find an older one"


def test_a_typed_time_finds_that_minute_or_that_hour():
    assert picker_choices(labels(500), "08:05") == ([6], None)
    assert picker_choices(labels(500), "8:05") == ([6], None)
    assert picker_choices(labels(500), "09")[0] == list(range(61, 121))
    assert picker_choices(labels(500), "17:30") == ([], "no reading at 17:30")


def test_a_time_that_is_not_one_says_how_to_type_it_and_keeps_the_choice():
    ids, note = picker_choices(labels(500), "25:99", chosen=7)
    assert ids == [7] and note == "'25:99' is not a clock time: type it as HH:MM, e.g. 09:45"


def test_the_chosen_reading_stays_listed_whatever_is_shown():
    assert picker_choices(labels(500), chosen=3, limit=300)[0][:2] == [3, 201]
    assert picker_choices(labels(500), "08:05", chosen=3)[0] == [3, 6]


def test_an_hour_with_more_readings_than_the_limit_says_so():
    ids, note = picker_choices(labels(500), "08", limit=20)
    assert ids == list(range(1, 21)) and note == "the first 20 of 60 readings at 08 are listed"
