"""The store keeps every reading: corrections are versions, nothing is changed or removed, on both databases."""

from datetime import date, datetime, timedelta, timezone

import pandas as pd
import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from dashboard.store import events as store_events
from dashboard.store import readings as store_readings
from dashboard.store import sessions as store_sessions
from dashboard.store.errors import Conflict, NotFound

T0 = datetime(2026, 11, 2, 14, 0, tzinfo=timezone.utc)
VITALS = dict(sbp=128.0, dbp=82.0, map=97.3, map_computed=True, hr=74.0, spo2=98.0, rr=14.0)


@pytest.fixture
def session_id(engine):
    patient = store_sessions.create_patient(engine, "P-1001", by="ana")
    return store_sessions.create_session(engine, patient, date(2026, 11, 2), by="ana",
                                         protocol="IV ketamine clinic default", infusion_number=1)


def test_session_codes_are_given_in_order_and_patients_are_unique(engine, session_id):
    assert store_sessions.get_session(engine, session_id).code == "S-0001"
    with pytest.raises(Conflict, match="already exists"):
        store_sessions.create_patient(engine, "P-1001", by="ana")
    assert store_sessions.find_patient(engine, " P-1001 ") is not None


def test_reading_round_trips_with_author_and_both_times(engine, session_id):
    store_readings.add_reading(engine, session_id, VITALS, measured_at=T0, by="ana", note="baseline")
    frame = store_readings.session_readings(engine, session_id)
    row = frame.iloc[0]
    assert row["measured_at"] == pd.Timestamp(T0)
    assert row["entered_at"] >= row["measured_at"] and row["entered_by"] == "ana"
    assert (row["sbp"], row["dbp"], row["map"], row["map_computed"]) == (128, 82, 97.3, True)
    assert row["source"] == "manual" and row["bp_method"] == "cuff" and row["note"] == "baseline"


def test_correction_keeps_the_original_as_a_replaced_version(engine, session_id):
    original = store_readings.add_reading(engine, session_id, {**VITALS, "sbp": 212.0}, measured_at=T0, by="ana")
    fixed = store_readings.correct_reading(engine, original, VITALS, reason="digits transposed", by="ben")
    current = store_readings.session_readings(engine, session_id)
    assert current["id"].tolist() == [fixed] and current["sbp"].tolist() == [128.0]
    history = store_readings.session_readings(engine, session_id, history=True).set_index("id")
    assert history.loc[original, "sbp"] == 212.0 and history.loc[original, "replaced_by"] == fixed
    assert history.loc[fixed, "correction_reason"] == "digits transposed"
    assert history.loc[fixed, "entered_by"] == "ben" and history.loc[fixed, "measured_at"] == pd.Timestamp(T0)


def test_a_version_can_be_replaced_only_once(engine, session_id):
    original = store_readings.add_reading(engine, session_id, VITALS, measured_at=T0, by="ana")
    store_readings.correct_reading(engine, original, VITALS, reason="first", by="ana")
    with pytest.raises(Conflict, match="already replaced"):
        store_readings.correct_reading(engine, original, VITALS, reason="second", by="ben")


def test_correction_needs_a_reason(engine, session_id):
    original = store_readings.add_reading(engine, session_id, VITALS, measured_at=T0, by="ana")
    with pytest.raises(Conflict, match="needs a reason"):
        store_readings.correct_reading(engine, original, VITALS, reason="  ", by="ana")
    with pytest.raises(NotFound):
        store_readings.correct_reading(engine, 999, VITALS, reason="x", by="ana")


def test_entered_in_error_hides_the_reading_but_keeps_it(engine, session_id):
    original = store_readings.add_reading(engine, session_id, {**VITALS, "hr": 165.0}, measured_at=T0, by="ana")
    store_readings.mark_entered_in_error(engine, original, reason="motion artifact", by="ana")
    assert store_readings.session_readings(engine, session_id).empty
    history = store_readings.session_readings(engine, session_id, history=True)
    assert len(history) == 2 and history["entered_in_error"].tolist() == [False, True]
    with pytest.raises(Conflict):
        store_readings.correct_reading(engine, int(history["id"].iloc[1]), VITALS, reason="x", by="ana")
    assert store_readings.reading_counts(engine).get(session_id, 0) == 0


@pytest.mark.parametrize("statement", ["UPDATE readings SET sbp = 1", "DELETE FROM readings"])
def test_database_refuses_to_change_or_delete_readings(engine, session_id, statement):
    store_readings.add_reading(engine, session_id, VITALS, measured_at=T0, by="ana")
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text(statement))
    assert len(store_readings.session_readings(engine, session_id)) == 1


def test_bulk_add_is_all_or_nothing_and_matches_single_adds(engine, session_id):
    store_readings.add_reading(engine, session_id, VITALS, measured_at=T0, by="ana")
    times = pd.date_range(T0 + timedelta(minutes=5), periods=3, freq="5min")
    frame = pd.DataFrame({"session_id": session_id, "measured_at": times, "sbp": [130.0, 140.0, 150.0],
                          "dbp": [85.0, 88.0, 90.0], "hr": [80.0, None, 90.0], "source_file": "a.csv",
                          "source_line": [2, 3, 4]})
    assert store_readings.add_readings(engine, frame, by="import") == 3
    current = store_readings.session_readings(engine, session_id)
    assert current["measured_at"].tolist() == [pd.Timestamp(T0), *times]
    assert current["source"].tolist() == ["manual", "file", "file", "file"]
    assert pd.isna(current["hr"].iloc[2]) and current["source_line"].iloc[3] == 4
    broken = frame.assign(session_id=[session_id, session_id, 9999])  # unknown session: whole batch fails
    stored = store_readings.session_readings(engine, session_id, history=True)
    with pytest.raises((IntegrityError, psycopg.IntegrityError), match="(?i)foreign key"):
        store_readings.add_readings(engine, broken, by="import")
    pd.testing.assert_frame_equal(store_readings.session_readings(engine, session_id, history=True), stored)


def _insert_reading(conn, session_id, supersedes_id=None):
    conn.execute(text("INSERT INTO readings (session_id, measured_at, entered_at, entered_by, source, map_computed, "
                      "entered_in_error, supersedes_id) VALUES (:s, :t, :t, 'ana', 'manual', false, false, :r)"),
                 {"s": session_id, "t": T0.replace(tzinfo=None), "r": supersedes_id})


@pytest.mark.parametrize("reference", ["session", "supersedes"])
def test_a_reading_must_name_a_stored_session_and_a_stored_version(engine, session_id, reference):
    """Both databases refuse it (PostgreSQL checks these keys once per statement, SQLite per row)."""
    store_readings.add_reading(engine, session_id, VITALS, measured_at=T0, by="ana")
    before = store_readings.session_readings(engine, session_id, history=True)
    with pytest.raises(IntegrityError, match="(?i)foreign key"):
        with engine.begin() as conn:
            if reference == "session":
                _insert_reading(conn, 9999)
            else:
                _insert_reading(conn, session_id, supersedes_id=424242)
    pd.testing.assert_frame_equal(store_readings.session_readings(engine, session_id, history=True), before)


def test_a_session_with_readings_cannot_be_removed_or_renumbered(engine, session_id):
    store_readings.add_reading(engine, session_id, VITALS, measured_at=T0, by="ana")
    for statement in ("DELETE FROM sessions WHERE id = :id", "UPDATE sessions SET id = 777 WHERE id = :id"):
        with pytest.raises(IntegrityError, match="(?i)foreign key"):
            with engine.begin() as conn:
                conn.execute(text(statement), {"id": session_id})
    assert store_sessions.get_session(engine, session_id).code == "S-0001"
    assert len(store_readings.session_readings(engine, session_id)) == 1


def test_infusion_start_stop_and_discharge_move_the_status(engine, session_id):
    with pytest.raises(Conflict, match="not started"):
        store_sessions.stop_infusion(engine, session_id, T0)
    store_sessions.start_infusion(engine, session_id, T0)
    with pytest.raises(Conflict, match="already started"):
        store_sessions.start_infusion(engine, session_id, T0)
    store_sessions.stop_infusion(engine, session_id, T0 + timedelta(minutes=40))
    store_sessions.discharge(engine, session_id, T0 + timedelta(minutes=100))
    session = store_sessions.get_session(engine, session_id)
    assert session.status == "discharged" and session.infusion_started_at == T0


def test_events_are_kept_with_scores(engine, session_id):
    store_events.add_event(engine, session_id, "moaa_s", "MOAA/S", score=3, occurred_at=T0, by="ana")
    store_events.add_event(engine, session_id, "side_effect", "Nausea", severity="mild", occurred_at=T0, by="ana")
    with pytest.raises(Conflict, match="outside 0-5"):
        store_events.add_event(engine, session_id, "moaa_s", "MOAA/S", score=7, occurred_at=T0, by="ana")
    frame = store_events.session_events_frame(engine, session_id)
    assert frame["label"].tolist() == ["MOAA/S", "Nausea"] and frame["score"].iloc[0] == 3
