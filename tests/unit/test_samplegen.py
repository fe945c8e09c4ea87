"""The sample sessions show what they claim to, pass the entry rules, and match their generator."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.core.protocol import default_protocol
from dashboard.core.samplegen import generate
from dashboard.core.validation import check_values, coerce_numbers
from dashboard.seed import SAMPLE_DIR, write_sample_files


@pytest.fixture(scope="module")
def sample():
    return generate()


def minutes(sample, code: str) -> pd.DataFrame:
    rows = sample.readings[sample.readings["session_id"] == code].copy()
    start = next(s for s in sample.manifest["sessions"] if s["code"] == code)["infusion_started_at"]
    rows["minute"] = (pd.to_datetime(rows["timestamp"]) - pd.Timestamp(start)).dt.total_seconds() / 60
    return rows


def test_same_seed_same_sessions(sample):
    again = generate()
    pd.testing.assert_frame_equal(sample.readings, again.readings)
    assert sample.manifest == again.manifest


def test_committed_files_are_what_the_generator_writes(tmp_path):
    write_sample_files(tmp_path)
    for name in ("readings.csv", "sessions.json"):
        assert (tmp_path / name).read_text() == (SAMPLE_DIR / name).read_text(), f"regenerate {name}"


def test_every_sample_reading_passes_the_entry_rules(sample):
    numbers, problems = coerce_numbers(sample.readings)
    assert problems == [] and check_values(numbers) == []


def test_readings_follow_the_session_timetable(sample):
    for spec in sample.manifest["sessions"]:
        rows = minutes(sample, spec["code"])
        gaps = rows["minute"].diff().dropna()
        assert 1 <= (rows["minute"] < 0).sum() <= 2
        assert set(gaps[rows["minute"].between(5, 40)]) == {5}
        assert set(gaps[rows["minute"] > 40]) == {15}
        assert spec["planned_dose_mg"] == 0.5 * spec["weight_kg"]


def test_map_only_from_a_monitor_and_temperature_only_at_baseline(sample):
    monitor = {s["code"] for s in sample.manifest["sessions"] if "bedside monitor" in s["description"]}
    given = sample.readings.dropna(subset=["map"])
    assert monitor and set(given["session_id"]) == monitor
    assert len(given) == (sample.readings["session_id"].isin(monitor)).sum()
    temperature = sample.readings.dropna(subset=["temp_c"])
    assert 0 < len(temperature) < sample.readings["session_id"].nunique()
    assert set(temperature["note"]) == {"baseline"}


def test_uneventful_session_stays_inside_the_warning_limits(sample):
    limits = default_protocol().limits
    rows = minutes(sample, "S-0001")
    for key in ("sbp", "dbp", "hr", "spo2", "rr"):
        levels = rows[key].astype(float).map(limits[key].level)
        assert set(levels) == {"normal"}, key


def test_hypertensive_session_crosses_180_110_at_30_40_min_and_settles(sample):
    rows = minutes(sample, "S-0002")
    peak = rows[rows["minute"].between(30, 40)]
    assert ((peak["sbp"] > 180) | (peak["dbp"] > 110)).any()
    assert rows.iloc[-1]["sbp"] < 160


def test_tachycardia_and_desaturation_sessions(sample):
    hr = minutes(sample, "S-0003")["hr"]
    assert (hr > 120).sum() >= 3 and hr.max() > 140
    sat = minutes(sample, "S-0004")
    assert sat["spo2"].min() <= 89 and sat["rr"].min() <= 9
    assert {e["score"] for e in sample.manifest["events"] if e["session"] == "S-0004" and e["kind"] == "moaa_s"} \
        == {3, 4, 5}


def test_series_is_six_infusions_within_three_weeks_for_one_patient(sample):
    series = [s for s in sample.manifest["sessions"] if s["patient"] == "P-1006"]
    days = sorted(pd.Timestamp(s["date"]) for s in series)
    assert [s["infusion_number"] for s in series] == [1, 2, 3, 4, 5, 6]
    assert (days[-1] - days[0]).days <= 21
    cadss = [e["score"] for e in sample.manifest["events"] if e["kind"] == "cadss" and
             e["session"] in {s["code"] for s in series}]
    assert cadss == sorted(cadss, reverse=True)
