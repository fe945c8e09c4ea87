"""The operations log the clinic's monitoring reads: one JSON object a line for sign-ins, imports, alerts raised."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from dashboard import oplog
from dashboard.core.clock import utcnow
from dashboard.core.roles import SYSTEM_ACTOR
from dashboard.services.accounts import Accounts, SignInFailed, sign_in
from dashboard.services.records import Records

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def logged(monkeypatch):
    """The lines this process writes, parsed."""
    lines: list[dict] = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(json.loads(record.getMessage()))

    handler = Keep()
    oplog.LOGGER.addHandler(handler)
    monkeypatch.setenv("SIGNIN_FAILURE_DELAY_S", "0")
    yield lines
    oplog.LOGGER.removeHandler(handler)


def test_sign_ins_failed_sign_ins_and_alerts_raised_are_logged_as_json(clinic_engine, logged):
    Accounts(clinic_engine, SYSTEM_ACTOR).add("ana", "Ana", "nurse", "correct horse battery", must_change=False)
    with pytest.raises(SignInFailed):
        sign_in(clinic_engine, "ana", "wrong password, twice")
    sign_in(clinic_engine, "ana", "correct horse battery")
    records = Records(clinic_engine, SYSTEM_ACTOR, "UTC")
    start = utcnow() - timedelta(minutes=20)
    session = records.open_session(start.date(), patient_code="P-1", new_patient=True, code="S-0042")
    records.start_infusion(session, start)
    records.record_reading(session, {"sbp": "199", "dbp": "80", "hr": "70"}, measured_at=start + timedelta(minutes=5))
    events = [line["event"] for line in logged]
    assert events == ["sign_in_failed", "sign_in", "alert_raised"]
    failed, ok, alert = logged
    assert (failed["user"], failed["failed_attempts"], failed["locked"]) == ("ana", 1, False)
    assert (ok["user"], ok["role"], ok["method"]) == ("ana", "nurse", "password")
    assert (alert["session"], alert["priority"]) == ("S-0042", "high") and "SBP 199" in alert["summary"]
    assert all("at" in line for line in logged)


def test_an_alert_of_a_write_that_rolled_back_is_not_logged(clinic_engine, logged):
    records = Records(clinic_engine, SYSTEM_ACTOR, "UTC")
    start = utcnow() - timedelta(minutes=20)
    session = records.open_session(start.date(), patient_code="P-1", new_patient=True)
    records.start_infusion(session, start)
    from dashboard.services.alerting import refresh
    from dashboard.store import readings as store_readings
    with pytest.raises(RuntimeError, match="power went"), clinic_engine.begin() as conn:
        store_readings.add_reading(conn, session, {"sbp": 199.0, "dbp": 80.0}, measured_at=start, by="x")
        refresh(conn, session, SYSTEM_ACTOR)
        raise RuntimeError("the power went")
    assert logged == []


def test_an_import_from_the_command_line_writes_its_lines_to_log_file(clinic_engine, database_url, tmp_path):
    records = Records(clinic_engine, SYSTEM_ACTOR, "UTC")
    start = utcnow() - timedelta(minutes=30)
    session = records.open_session(start.date(), patient_code="P-1", new_patient=True, code="S-0001")
    records.start_infusion(session, start)
    csv = tmp_path / "chair 1.csv"
    csv.write_text("session_id,timestamp,sbp,dbp,map,hr,spo2,rr,temp_c,note\n"
                   f"S-0001,{(start + timedelta(minutes=5)).isoformat()},128,82,,74,98,14,,\n"
                   f"S-0001,{(start + timedelta(minutes=10)).isoformat()},201,82,,74,98,14,,\n")
    log = tmp_path / "events.jsonl"
    env = {**os.environ, "DATABASE_URL": database_url, "LOG_FILE": str(log)}
    done = subprocess.run([sys.executable, "-m", "dashboard", "import", str(csv)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [line["event"] for line in lines] == ["alert_raised", "import"]
    assert (lines[1]["file"], lines[1]["readings_stored"], lines[1]["alerts_raised"]) == ("chair 1.csv", 2, 1)
    assert lines[0]["session"] == "S-0001" and lines[0]["priority"] == "high"
