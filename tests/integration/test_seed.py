"""Loading the sample sessions: complete, idempotent, with the artifact session's history intact."""

from __future__ import annotations

from dashboard.core.tables import STRIKE, readings_display
from dashboard.seed import SAMPLE_DIR, load_samples
from dashboard.store import events as store_events
from dashboard.store import readings as store_readings
from dashboard.store import sessions as store_sessions


def test_samples_load_once(engine):
    assert load_samples(engine) == 11
    assert load_samples(engine) == 0
    sessions = store_sessions.list_sessions(engine)
    assert len(sessions) == 11 and {s.status for s in sessions} == {"discharged"}
    assert len([s for s in sessions if s.patient_code == "P-1006"]) == 6


def test_artifact_session_keeps_the_original_and_the_voided_reading(engine):
    load_samples(engine)
    session = store_sessions.find_session(engine, "S-0005")
    history = store_readings.session_readings(engine, session.id, history=True)
    current = store_readings.session_readings(engine, session.id)
    assert 212 in history["sbp"].tolist() and 212 not in current["sbp"].tolist()
    original = history[history["sbp"] == 212].iloc[0]
    correction = history[history["supersedes_id"] == original["id"]].iloc[0]
    assert not original["is_current"] and correction["sbp"] == 122 and correction["map_computed"]
    assert correction["correction_reason"] == "digits transposed (212 typed for 122)"
    assert correction["id"] in current["id"].tolist()
    assert 122 in current["sbp"].tolist()
    assert 165 not in current["hr"].tolist() and 165 in history["hr"].tolist()
    table = readings_display(history, "America/New_York")
    assert any(STRIKE in bp and "212" in bp.replace(STRIKE, "") for bp in table["BP"])
    assert any("digits transposed" in status for status in table["Status"])
    assert any(status.startswith("entered in error: motion artifact") for status in table["Status"])


def test_sample_events_and_times_are_loaded(engine):
    load_samples(engine)
    session = store_sessions.find_session(engine, "S-0004")
    events = store_events.session_events_frame(engine, session.id)
    assert events[events["kind"] == "moaa_s"]["score"].tolist() == [3, 4, 5]
    readings = store_readings.session_readings(engine, session.id)
    assert readings["measured_at"].min() < session.infusion_started_at < readings["measured_at"].max()
    assert readings["source_file"].iloc[0] == "sample_data/readings.csv" and readings["source_line"].min() >= 2
    lines = [n for n, line in enumerate(SAMPLE_DIR.joinpath("readings.csv").read_text().splitlines(), start=1)
             if line.startswith("S-0004,")]
    assert readings["source_line"].tolist() == lines
    assert set(readings["source"]) == {"file"} and set(readings["bp_method"]) == {"cuff"}
    assert readings["map_computed"].all() and set(readings["entered_by"]) == {"sample data"}


def test_a_monitor_map_is_kept_as_measured(engine):
    load_samples(engine, by="trainer")
    session = store_sessions.find_session(engine, "S-0006")
    readings = store_readings.session_readings(engine, session.id)
    assert not readings["map_computed"].any() and readings["map"].notna().all()
    assert set(readings["entered_by"]) == {"trainer"}


def test_a_sample_session_reads_as_charted_at_the_chair_not_as_late_entries(engine):
    """Loaded today, a sample's side effects and scores keep the time they were charted, and its readings
    came from a file: none is listed as a late entry after the discharge."""
    from dashboard.core.entry_time import typed_after
    from dashboard.core.events import events_display
    load_samples(engine)
    session = store_sessions.find_session(engine, "S-0002")
    events = store_events.session_events_frame(engine, session.id)
    assert len(events) and not any("late entry" in t for t in events_display(events, "America/New_York")["Time"])
    assert typed_after(store_readings.session_readings(engine, session.id), session.discharged_at).empty
