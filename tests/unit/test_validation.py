"""What a nurse sees when an entry is wrong: one specific reason per field, and nothing saved."""

from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from dashboard.core.validation import check_values, coerce_numbers, complete_map, validate_entry

NOW = datetime(2026, 11, 2, 14, 0, tzinfo=timezone.utc)
START = NOW - timedelta(minutes=20)


def entry(**raw):
    return validate_entry(raw, measured_at=raw.pop("at", NOW), now=NOW, session_reference=START)


def test_valid_entry_returns_numbers_and_a_computed_map():
    result = entry(sbp="128", dbp="82", hr="74", spo2="98", rr="14")
    assert result.problems == []
    assert result.values["sbp"] == 128 and result.values["hr"] == 74
    assert result.values["map"] == pytest.approx(97.3) and result.values["map_computed"] is True


def test_measured_map_is_kept_and_not_flagged_computed():
    result = entry(sbp="128", dbp="82", map="99")
    assert result.values["map"] == 99 and result.values["map_computed"] is False


@pytest.mark.parametrize("raw, field, words", [
    (dict(sbp="12o", dbp="80"), "sbp", "'12o' is not a number"),
    (dict(hr="400"), "hr", "HR 400 /min is outside the possible range 20-300 /min"),
    (dict(spo2="101"), "spo2", "outside the possible range 50-100"),
    (dict(rr="0"), "rr", "outside the possible range"),
    (dict(sbp="120", dbp="150"), "dbp", "diastolic 150 is not below systolic 120"),
    (dict(sbp="120", dbp="120"), "dbp", "not below systolic"),
    (dict(sbp="120", dbp="112"), "dbp", "pulse pressure 8 mmHg (120/112) is too narrow"),
    (dict(sbp="190", dbp="165"), "dbp", "at least 30 expected"),
    (dict(sbp="120"), "dbp", "diastolic is missing"),
    (dict(dbp="80"), "sbp", "systolic is missing"),
    (dict(sbp="120", dbp="80", map="130"), "map", "MAP 130 is not between diastolic 80 and systolic 120"),
    (dict(temp_c="98.6"), "temp_c", "looks like Fahrenheit (37 °C)"),
    (dict(temp_c="45"), "temp_c", "outside the possible range"),
    (dict(), "", "no vital sign entered"),
    (dict(hr="70", at=NOW + timedelta(hours=1)), "measured_at", "is in the future"),
    (dict(hr="70", at=START - timedelta(hours=13)), "measured_at", "more than 12 h before this session"),
])
def test_each_kind_of_bad_entry_is_named_beside_its_field(raw, field, words):
    result = entry(**raw)
    assert result.values is None
    assert words in result.by_field()[field]


def test_all_problems_are_reported_at_once():
    result = entry(sbp="abc", hr="999", spo2="20")
    assert set(result.by_field()) == {"sbp", "hr", "spo2"}


def test_placeholders_mean_not_measured():
    numbers, problems = coerce_numbers(pd.DataFrame({"hr": ["--", "NA", "ERR", "", None, "72"]}, dtype="object"))
    assert problems == []
    assert numbers["hr"].isna().sum() == 5 and numbers["hr"].iloc[5] == 72


def test_frame_check_reports_row_numbers():
    frame = pd.DataFrame({"sbp": [120.0, 80.0, 130.0], "dbp": [80.0, 95.0, 85.0], "hr": [70.0, 70.0, 500.0]})
    problems = check_values(frame)
    assert {(p.row, p.column) for p in problems} == {(1, "dbp"), (2, "hr")}


def test_complete_map_only_fills_missing():
    frame = pd.DataFrame({"sbp": [120.0, 120.0, None], "dbp": [90.0, 90.0, None], "map": [None, 105.0, None]})
    out = complete_map(frame)
    assert out["map"].tolist()[:2] == [100.0, 105.0] and pd.isna(out["map"].iloc[2])
    assert out["map_computed"].tolist() == [True, False, False]


@pytest.mark.parametrize("typed, field, value", [
    ("98%", "spo2", 98), ("98 %", "spo2", 98), ("36,8", "temp_c", 36.8), ("128 mmHg", "sbp", 128),
    ("74 bpm", "hr", 74), ("98.6 °F", "temp_c", 37.0),
])
def test_typed_cells_are_read_as_the_importer_reads_them(typed, field, value):
    raw = {"sbp": "128", "dbp": "82"} if field != "sbp" else {"dbp": "82"}
    result = entry(**raw, **{field: typed})
    assert result.problems == [] and result.values[field] == pytest.approx(value)


def test_time_problems_name_the_clinic_clock_time():
    later = datetime(2026, 11, 2, 15, 30, 5, tzinfo=timezone.utc)  # 10:30:05 in New York
    result = validate_entry({"hr": "70"}, measured_at=later, now=NOW, session_reference=START, tz="America/New_York")
    assert result.by_field()["measured_at"] == "10:30:05 is in the future (now 09:00:00)"
    early = validate_entry({"hr": "70"}, measured_at=START - timedelta(hours=13), now=NOW, session_reference=START,
                           tz="America/New_York")
    assert early.by_field()["measured_at"] == "2026-11-01 19:40:00 is more than 12 h before this session"


def test_the_entry_keeps_the_moment_it_is_for():
    moment = NOW - timedelta(seconds=5)
    assert entry(hr="70", at=moment).measured_at == moment
