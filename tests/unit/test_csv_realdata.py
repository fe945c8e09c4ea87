"""Real bedside-monitor exports (MIMIC-II numerics): imported with a correct account of every line."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from dashboard.core.csvfile import ImportOptions, NeedsSetting, parse_file
from dashboard.core.roles import Actor
from dashboard.services.imports import Imports
from dashboard.store import audit
from dashboard.store import readings as store_readings
from dashboard.store import sessions as store_sessions
from dashboard.store.db import get_engine
from tests.clinic import patient_with_sessions
from tests.realdata import LONG, SHORT

TZ = "America/New_York"
DAY = date.today() - timedelta(days=3)  # a few days back: the file's 32 hours are all in the past
START = datetime.combine(DAY, datetime.min.time().replace(hour=9), tzinfo=ZoneInfo(TZ))

pytestmark = pytest.mark.usefixtures("realdata")  # skipped without the files; a failure under CI


def raw(path: Path) -> pd.DataFrame:
    return pd.read_csv(path)


def parse(path: Path, **options):
    return parse_file(path, ImportOptions(tz=TZ, session="S-0001", start=START, **options))


@pytest.fixture
def engine(sqlite_url):
    engine = get_engine(sqlite_url)
    session = patient_with_sessions(engine, DAY, "S-0001", patient="P-ICU")["S-0001"]
    # infusion started 9 h into the recording: its 32 hours fit the session window of manual entry
    # (12 h before the start, 24 h after)
    store_sessions.start_infusion(engine, session, START + timedelta(hours=9))
    return engine


def test_without_a_start_the_surrogate_far_future_dates_are_refused_and_the_start_is_asked_for():
    parsed = parse_file(SHORT, ImportOptions(tz=TZ, session="S-0001"))
    assert parsed.rows_accepted == 0 and parsed.rows_rejected == 72
    future = {p.line for p in parsed.problems if "is in the future" in p.reason}
    assert future == set(range(2, 74))  # every line, whatever else is wrong with it
    assert "the file also has 'elapsed_min': give the start time to use it instead" in parsed.time.description
    with pytest.raises(NeedsSetting) as error:
        parse_file(SHORT, ImportOptions(tz=TZ, session="S-0001", mapping={"time": None}))
    assert error.value.setting == "start"


def test_elapsed_minutes_from_the_given_start_give_one_time_per_minute():
    parsed = parse(LONG)
    assert "elapsed time in 'elapsed_min'" in parsed.time.description
    first = parsed.readings["measured_at"].min()
    assert first == pd.Timestamp(START).tz_convert("UTC")
    elapsed = raw(LONG)["elapsed_min"].to_numpy()[parsed.readings["source_line"].to_numpy() - 2]
    offsets = (parsed.readings["measured_at"] - first).dt.total_seconds().to_numpy() / 60
    assert (offsets == elapsed).all()  # each reading at the start plus its line's elapsed minutes


def test_zeros_are_sensor_off_counted_as_the_readme_says():
    parsed = parse(LONG)
    frame = raw(LONG)
    counts = {c: int((frame[c] == 0).sum()) for c in ("ABPSys", "ABPDias", "ABPMean", "HR", "SpO2", "RESP")}
    assert counts["ABPSys"] == 1929 and counts["SpO2"] == 363 and counts["HR"] == 46 and counts["RESP"] == 45
    assert parsed.counts["sensor_off_zeros"] == sum(counts.values())
    stored = parsed.readings
    for key in ("sbp", "dbp", "map", "hr", "spo2", "rr"):
        assert not (stored[key] == 0).any(), key  # no zero was stored as a measurement
    note = next(n for n in parsed.notes if "sensor off" in n)
    assert "ABPSys 1,929" in note and "SpO2 363" in note


def test_arterial_and_cuff_are_two_series_never_merged():
    parsed = parse(LONG)
    frame = raw(LONG)
    cuff = parsed.readings[parsed.readings["bp_method"] == "cuff"]
    arterial = parsed.readings[parsed.readings["bp_method"] == "arterial"]
    cuff_lines = frame.index[frame["NBPSys"].notna()] + 2
    assert len(cuff_lines) == 152 and sorted(cuff["source_line"]) == sorted(cuff_lines)
    assert cuff["sbp"].tolist() == frame.loc[cuff["source_line"] - 2, "NBPSys"].tolist()
    live = frame.index[(frame[["ABPSys", "ABPDias", "ABPMean"]] > 0).any(axis=1)] + 2
    assert sorted(arterial["source_line"]) == sorted(live)
    # the monitor's other vitals go with the cuff row, not with the arterial one
    assert arterial["hr"].isna().all() and arterial["spo2"].isna().all()
    assert any("arterial-line and cuff pressures are kept apart" in n for n in parsed.notes)


def test_pulse_from_the_oximeter_is_not_mixed_into_heart_rate():
    parsed = parse(LONG)
    assert dict(parsed.mapping.describe())["PULSE"].startswith("not imported")
    frame = raw(LONG).set_index(np.arange(len(raw(LONG))) + 2)
    hr = parsed.readings.dropna(subset=["hr"]).set_index("source_line")["hr"]
    assert (hr == frame.loc[hr.index, "HR"]).all()


def test_the_artifact_heavy_record_is_accounted_line_by_line():
    parsed = parse(SHORT)
    assert parsed.rows_read == 72 and parsed.rows_accepted + parsed.rows_rejected == 72
    by_line = {p.line: p for p in parsed.problems}
    assert "DBP 10 mmHg is outside the possible range" in by_line[9].reason  # the 74/10 cuff reading
    assert "too narrow" in by_line[37].reason  # 151/127
    assert set(parsed.lines[parsed.rejected]) == {70}  # RR 0.9 and SpO2 36 rejected, HR 0 is sensor off: nothing left
    assert set(parsed.lines[parsed.rejected]) < set(by_line)
    partial = parsed.readings[parsed.readings["source_line"] == 7].iloc[0]  # a cuff mean without sys/dia
    assert partial["map"] == 94 and np.isnan(partial["sbp"]) and partial["bp_method"] == "cuff"
    assert 277 not in parsed.readings["hr"].tolist()  # PULSE's 277 artifact never became a heart rate


def test_importing_the_long_record_stores_what_the_preview_promised_once(engine):
    imports = Imports(engine, Actor("ana", "nurse"), TZ)
    options = ImportOptions(session="S-0001", start=START)
    preview = imports.preview(LONG, options=options)
    report = imports.commit(preview)
    assert report.rows_read == 1936 and report.rows_accepted + report.rows_rejected == 1936
    assert [(p.line, p.column) for p in report.problems] == [(1391, "HR")]  # HR 11.5: an artifact
    assert report.readings_stored == len(preview.to_store) == len(parse(LONG).readings)
    stored = store_readings.session_readings(engine, store_readings_session(engine))
    assert len(stored) == report.readings_stored
    assert set(stored["bp_method"].dropna()) == {"cuff", "arterial"}
    assert (stored["source"] == "file").all() and (stored["source_file"] == LONG.name).all()
    assert stored["source_line"].notna().all()
    again = imports.commit(imports.preview(LONG, options=options))
    assert again.readings_stored == 0 and again.duplicates_skipped == report.readings_stored
    assert len(store_readings.session_readings(engine, store_readings_session(engine))) == len(stored)
    entries = audit.entries(engine, action="import.commit")
    assert len(entries) == 2 and (entries["actor"] == "ana").all()


def test_the_session_window_of_manual_entry_applies_to_files(engine):
    """Started at the recording's start, the session cannot hold readings more than 24 h later."""
    late_start = store_sessions.create_session(engine, store_sessions.find_patient(engine, "P-ICU"), DAY,
                                               by="setup", protocol="test", code="S-0002")
    store_sessions.start_infusion(engine, late_start, START)
    report = Imports(engine, Actor("ana", "nurse"), TZ).commit(
        Imports(engine, Actor("ana", "nurse"), TZ).preview(LONG, options=ImportOptions(session="S-0002", start=START)))
    window = {p.line for p in report.problems if "more than 24 h after this session began" in p.reason}
    assert window and min(window) > 24 * 60 + 1  # elapsed_min > 1440 is on line elapsed + 2
    stored = store_readings.session_readings(engine, late_start)
    assert stored["measured_at"].max() <= pd.Timestamp(START) + pd.Timedelta(hours=24)
    assert report.rows_accepted + report.rows_rejected == report.rows_read == 1936


def store_readings_session(engine) -> int:
    return store_sessions.find_session(engine, "S-0001").id


def test_a_spo2_artifact_costs_only_the_spo2_of_its_minute():
    parsed = parse(SHORT)
    frame = raw(SHORT).set_index(np.arange(72) + 2)
    assert (frame.loc[43, "SpO2"], frame.loc[59, "SpO2"]) == (42.9, 41.9)  # the probe slipping
    listed = {(p.line, p.column): p for p in parsed.problems}
    assert listed[(43, "SpO2")].value == "42.9" and "SpO2 42.9 % is outside the possible range" in listed[(43, "SpO2")].reason
    assert (59, "SpO2") in listed and (59, "NBPSys") not in listed
    by_line = parsed.readings.set_index("source_line")
    assert by_line.loc[43, "hr"] == 75.6 and by_line.loc[43, "rr"] == 6.9 and np.isnan(by_line.loc[43, "spo2"])
    assert (by_line.loc[59, "sbp"], by_line.loc[59, "dbp"], by_line.loc[59, "map"]) == (96, 64, 76)
    assert np.isnan(by_line.loc[59, "spo2"]) and not parsed.rejected[parsed.rows_of([43, 59])].any()
    assert parsed.counts["values_rejected"] == parsed.problems_total == 9


def test_an_implausible_cuff_reading_goes_as_a_whole_and_the_line_keeps_its_other_vitals():
    parsed = parse(SHORT)
    line = parsed.readings.set_index("source_line").loc[9]  # NBP 74/10: the diastolic is impossible
    assert np.isnan(line["sbp"]) and np.isnan(line["dbp"]) and np.isnan(line["map"]) and pd.isna(line["bp_method"])
    frame = raw(SHORT).set_index(np.arange(72) + 2)
    assert line["hr"] == frame.loc[9, "HR"] and line["spo2"] == frame.loc[9, "SpO2"]
