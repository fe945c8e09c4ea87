"""Many writers at once, as separate processes on one database (SQLite file or PostgreSQL): nothing lost,
nothing doubled, no 'database is locked' reaching a user, alerts as if the entries had come one by one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from dashboard.core.clock import utcnow
from dashboard.core.roles import SYSTEM_ACTOR
from dashboard.services.accounts import LOCK_AFTER, Accounts
from dashboard.services.alerting import Alerting, evaluate_session
from dashboard.services.records import Records
from dashboard.store import board as store_board
from dashboard.store import users as store_users
from dashboard.store.schema import audit_log, readings

ROOT = Path(__file__).resolve().parents[2]
WRITERS, PER_WRITER, SESSIONS = 8, 500, 4
KEY = ["rule", "vital", "level", "started_at"]


def start_all(commands: list[list[str]], url: str, lead_s: float = 8.0) -> list[subprocess.CompletedProcess]:
    """Start every command as its own process; each waits for the same moment, lead_s from now, to begin."""
    start_at = time.time() + lead_s
    env = {**os.environ, "DATABASE_URL": url, "CLINIC_TZ": "America/New_York", "SIGNIN_FAILURE_DELAY_S": "0"}
    started = [subprocess.Popen([sys.executable, *[a.replace("{start}", str(start_at)) for a in command]], cwd=ROOT,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for command in commands]
    done = []
    for process in started:
        out, err = process.communicate(timeout=1500)
        done.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return done


def assert_clean(done: list[subprocess.CompletedProcess]) -> None:
    for process in done:
        assert "locked" not in process.stderr and "Traceback" not in process.stderr, process.stderr[-3000:]
        assert process.returncode == 0, process.stderr[-3000:]


def stored_alerts_match_evaluation(engine, session_id: int) -> None:
    """The stored live alerts are exactly those the session's readings give when evaluated once, whole."""
    stored = Alerting(engine, SYSTEM_ACTOR).alerts(session_id)
    stored = stored[stored["withdrawn_at"].isna()]
    expected = evaluate_session(engine, session_id)
    as_keys = lambda f: sorted(zip(f["rule"], f["vital"], f["level"], pd.to_datetime(f["started_at"], utc=True),  # noqa: E731
                                   strict=True))
    assert as_keys(stored) == as_keys(expected)
    events = Alerting(engine, SYSTEM_ACTOR).events(session_id)
    live = events[events["withdrawn_at"].isna()]
    assert not live["started_at"].duplicated().any()  # one event per start time, never two
    with engine.connect() as conn:  # the board shows what the records hold: no entry or acknowledgement missed
        assert store_board.stored_state(conn, [session_id]) == store_board.state_from_records(conn, [session_id])


def sessions_started(engine, n: int) -> list[int]:
    records = Records(engine, SYSTEM_ACTOR, "UTC")
    start = utcnow() - timedelta(hours=3)
    ids = []
    for i in range(n):
        sid = records.open_session(start.date(), patient_code=f"P-{i}", new_patient=True, code=f"S-{i + 1:04d}",
                                   confirm_second=True)
        records.start_infusion(sid, start)
        ids.append(sid)
    return ids


@pytest.mark.timeout(2700)  # 4,000 typed entries with their alert refreshes, on a shared 2-core machine
def test_eight_writers_of_500_readings_each_at_once_lose_nothing_and_double_nothing(clinic_engine, database_url):
    ids = sessions_started(clinic_engine, SESSIONS)
    # two writers per session, their readings interleaved a second apart
    commands = [["-m", "tests.writers", "readings", database_url, "{start}", str(ids[w % SESSIONS]), str(w // SESSIONS),
                 "2", str(PER_WRITER)] for w in range(WRITERS)]
    assert_clean(start_all(commands, database_url))
    with clinic_engine.connect() as conn:
        per_session = dict(conn.execute(select(readings.c.session_id, func.count())
                                        .group_by(readings.c.session_id)).all())
        distinct = conn.execute(select(func.count()).select_from(
            select(readings.c.session_id, readings.c.measured_at).distinct().subquery())).scalar_one()
        audited = conn.execute(select(func.count()).select_from(audit_log)
                               .where(audit_log.c.action == "reading.add")).scalar_one()
    assert per_session == {sid: WRITERS // SESSIONS * PER_WRITER for sid in ids}
    assert distinct == WRITERS * PER_WRITER and audited == WRITERS * PER_WRITER
    for sid in ids:
        stored_alerts_match_evaluation(clinic_engine, sid)


def test_two_imports_of_the_same_file_at_the_same_moment_store_it_once(clinic_engine, database_url, tmp_path):
    [sid] = sessions_started(clinic_engine, 1)
    start = Records(clinic_engine, SYSTEM_ACTOR).session(sid).infusion_started_at
    lines = [f"S-0001,{(start + timedelta(seconds=5 * i)).isoformat()},{120 + i % 70},80,,70,98,14,,"
             for i in range(2000)]
    path = tmp_path / "monitor export.csv"
    path.write_text("session_id,timestamp,sbp,dbp,map,hr,spo2,rr,temp_c,note\n" + "\n".join(lines) + "\n")
    done = start_all([["-m", "dashboard", "import", str(path), "--json"]] * 2, database_url)
    assert_clean(done)
    reports = sorted((json.loads(d.stdout) for d in done), key=lambda r: r["readings_stored"])
    assert [(r["readings_stored"], r["duplicates_skipped"]) for r in reports] == [(0, 2000), (2000, 0)]
    assert len(Records(clinic_engine, SYSTEM_ACTOR).readings(sid)) == 2000
    stored_alerts_match_evaluation(clinic_engine, sid)


def test_failed_sign_ins_at_the_same_moment_are_each_counted_and_lock_the_account(clinic_engine, database_url):
    Accounts(clinic_engine, SYSTEM_ACTOR).add("ana", "Ana", "nurse", "correct horse battery", must_change=False)
    tries = LOCK_AFTER + 3
    assert_clean(start_all([["-m", "tests.writers", "sign_in", database_url, "{start}", "ana"]] * tries, database_url))
    user = store_users.get_user(clinic_engine, "ana")
    assert user.failed_attempts == tries and user.locked_until is not None


def test_two_entries_landing_together_raise_each_alert_once(clinic_engine, database_url):
    ids = sessions_started(clinic_engine, 1)
    # two nurses, one session, readings a second apart, each with critical values now and then; a third nurse
    # acknowledges each high alert as it appears
    commands = [["-m", "tests.writers", "readings", database_url, "{start}", str(ids[0]), str(w), "2", "60"]
                for w in range(2)]
    commands.append(["-m", "tests.writers", "acknowledge", database_url, "{start}", str(ids[0]), "40"])
    assert_clean(start_all(commands, database_url))
    assert len(Records(clinic_engine, SYSTEM_ACTOR).readings(ids[0])) == 120
    stored_alerts_match_evaluation(clinic_engine, ids[0])
    events = Alerting(clinic_engine, SYSTEM_ACTOR).events(ids[0])
    assert events["acked_at"].notna().any()  # the acknowledgements did land among the entries
