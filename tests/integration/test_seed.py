"""Loading the sample sessions: complete, idempotent, with the artifact session's history intact."""

from __future__ import annotations

import pytest

from dashboard.core.tables import STRIKE, readings_display
from dashboard.seed import load_samples
from dashboard.store import events as store_events
from dashboard.store import readings as store_readings
from dashboard.store import sessions as store_sessions
from dashboard.store.db import get_engine


@pytest.fixture
def engine(database_url):
    return get_engine(database_url)


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
