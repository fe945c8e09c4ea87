"""Every change leaves an audit entry with who and what; the log cannot be rewritten. (Who may do what:
test_role_matrix.py.)"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from dashboard.core.roles import Actor
from dashboard.services.accounts import Accounts
from dashboard.services.audit_trail import audit_entries
from dashboard.services.records import Records
from dashboard.store import readings as store_readings
from dashboard.store.errors import Conflict
from tests.clinic import patient_with_sessions

T0 = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=30)
NURSE, SUPERVISOR, ADMIN = (Actor(f"{r}1", r) for r in ("nurse", "supervisor", "admin"))


@pytest.fixture
def ids(engine):
    session = patient_with_sessions(engine, T0.date(), protocol="default")["S-0001"]
    reading = store_readings.add_reading(engine, session, {"hr": 70.0}, measured_at=T0, by="setup")
    return {"session": session, "reading": reading}


def _records(engine, who):
    return Records(engine, who, "UTC")


# Changes, each performed as `who`.
ACTIONS = {
    "open a session": lambda e, who, ids: _records(e, who).open_session(
        T0.date(), patient_code=f"P-{who.role}", new_patient=True, protocol="default"),
    "start the infusion": lambda e, who, ids: _records(e, who).start_infusion(ids["session"], T0),
    "record a reading": lambda e, who, ids: _records(e, who).record_reading(
        ids["session"], {"hr": "72"}, measured_at=T0 + timedelta(minutes=5)),
    "correct a reading": lambda e, who, ids: _records(e, who).correct_reading(
        ids["reading"], {"hr": "71"}, reason="typo", measured_at=T0),
    "void a reading": lambda e, who, ids: _records(e, who).void_reading(ids["reading"], reason="wrong patient"),
    "record a side effect": lambda e, who, ids: _records(e, who).add_event(
        ids["session"], "side_effect", "Nausea", occurred_at=T0),
    "add a user": lambda e, who, ids: Accounts(e, who).add(f"new-{who.role}", "New", "nurse", "long enough pw 1"),
}


@pytest.mark.parametrize("action, audited", [
    ("open a session", {"patient.create", "session.create"}),
    ("start the infusion", {"session.infusion_start"}),
    ("record a reading", {"reading.add"}),
    ("correct a reading", {"reading.correct"}),
    ("void a reading", {"reading.entered_in_error"}),
    ("record a side effect", {"event.add"}),
    ("add a user", {"user.create"}),
])
def test_every_change_leaves_an_audit_entry_with_who_and_what(engine, ids, action, audited):
    who = ADMIN if action == "add a user" else NURSE
    ACTIONS[action](engine, who, ids)
    log = audit_entries(engine, ADMIN)
    assert set(log["action"]) == audited
    assert set(log["actor"]) == {who.username} and set(log["role"]) == {who.role}
    assert log["at"].notna().all()


def test_correction_entry_holds_before_and_after(engine, ids):
    ACTIONS["correct a reading"](engine, NURSE, ids)
    entry = audit_entries(engine, SUPERVISOR, action="reading.correct").iloc[0]
    assert '"hr": 70.0' in entry["before"] and '"hr": 71.0' in entry["after"]
    assert '"correction_reason": "typo"' in entry["after"] and entry["session_id"] == ids["session"]


def test_invalid_entry_is_neither_stored_nor_audited(engine, ids):
    result, reading_id = _records(engine, NURSE).record_reading(ids["session"], {"hr": "999"}, measured_at=T0)
    assert reading_id is None and result.problems
    assert audit_entries(engine, ADMIN).empty


def test_audit_filters_are_parameters_not_sql(engine, ids):
    ACTIONS["record a reading"](engine, NURSE, ids)
    assert audit_entries(engine, ADMIN, user="x' OR '1'='1").empty
    assert audit_entries(engine, ADMIN, action="reading.add'; DROP TABLE audit_log; --").empty
    assert len(audit_entries(engine, ADMIN, user=NURSE.username)) == 1


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"])
def test_nobody_can_change_or_remove_audit_entries(engine, ids, statement):
    ACTIONS["record a reading"](engine, NURSE, ids)
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text(statement))
    assert audit_entries(engine, ADMIN)["actor"].tolist() == [NURSE.username]


def test_a_failed_write_leaves_neither_change_nor_audit(engine, ids):
    _records(engine, NURSE).correct_reading(ids["reading"], {"hr": "71"}, reason="typo", measured_at=T0)
    stored = store_readings.session_readings(engine, ids["session"], history=True)
    with pytest.raises(Conflict, match="already replaced"):  # the original, not the correction in force
        _records(engine, NURSE).correct_reading(ids["reading"], {"hr": "72"}, reason="again", measured_at=T0)
    pd.testing.assert_frame_equal(store_readings.session_readings(engine, ids["session"], history=True), stored)
    assert audit_entries(engine, ADMIN)["action"].tolist() == ["reading.correct"]


def test_script_and_markdown_in_notes_are_stored_as_typed(engine, ids):
    note = "<script>alert(1)</script> **bold** [x](javascript:alert(1)) =HYPERLINK(\"http://x\")"
    _records(engine, NURSE).record_reading(ids["session"], {"hr": "72"}, measured_at=T0, note=note)
    assert note in _records(engine, NURSE).readings(ids["session"])["note"].tolist()


def test_sql_in_a_patient_code_is_just_a_code(engine):
    code = "P-1'); DROP TABLE readings; --"
    _records(engine, NURSE).open_session(date(2026, 11, 2), patient_code=code, new_patient=True, protocol="p")
    assert code in _records(engine, NURSE).patients()["code"].tolist()
    assert store_readings.reading_counts(engine) == {}
