"""`backup`, `restore` and `health` as an operator runs them, on SQLite and PostgreSQL: every row comes back."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from sqlalchemy import MetaData, select

from dashboard.core.clock import today_in, utcnow
from dashboard.core.roles import SYSTEM_ACTOR
from dashboard.services.accounts import Accounts
from dashboard.services.alerting import ACK_ACTIONS, Alerting
from dashboard.services.chairs import Chairs
from dashboard.services.records import Records
from dashboard.store.db import dispose, get_engine

TZ = "America/New_York"


@pytest.fixture
def empty_url(database_url, request, tmp_path):
    """A second database of the same kind with nothing in it (not even the schema)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    cluster = request.getfixturevalue("pg_cluster")
    name = f"restored_{os.getpid()}_{abs(hash(tmp_path.name)) % 10**8}"
    url = cluster.create_database(name)
    yield url
    dispose(url)
    cluster.drop_database(name)


def fill(engine) -> None:
    """Every kind of record: a chair, accounts, a session with readings, a correction, a voided reading, an
    event, alert events and an acknowledgement, and their audit entries."""
    Chairs(engine, SYSTEM_ACTOR).add("Chair 1")
    Accounts(engine, SYSTEM_ACTOR).add("ana", "Ana", "nurse", "correct horse battery")
    records = Records(engine, SYSTEM_ACTOR, TZ)
    now = utcnow()
    session = records.open_session(today_in(TZ), patient_code="P-1", new_patient=True)
    records.start_infusion(session, now - timedelta(minutes=30), chair="Chair 1")
    ids = [records.record_reading(session, {"sbp": sbp, "dbp": "80", "hr": "74"},
                                  measured_at=now - timedelta(minutes=m))[1] for m, sbp in ((25, "130"), (20, "199"),
                                                                                           (10, "128"))]
    records.correct_reading(ids[0], {"sbp": "131", "dbp": "80", "hr": "74"}, reason="typo")
    records.void_reading(ids[2], reason="wrong patient")
    records.add_event(session, "side_effect", "Nausea", severity="mild", occurred_at=now - timedelta(minutes=5))
    events = Alerting(engine, SYSTEM_ACTOR).events(session)
    Alerting(engine, SYSTEM_ACTOR).acknowledge_event(int(events["id"].iloc[-1]), [ACK_ACTIONS[0]], "rechecked")


def every_row(engine) -> dict[str, list[str]]:
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return {name: sorted(map(repr, conn.execute(select(table)).all())) for name, table in meta.tables.items()}


def test_a_backup_restored_into_an_empty_database_holds_every_row_and_takes_new_entries(clinic_engine, database_url,
                                                                                        empty_url, tmp_path, run):
    fill(clinic_engine)
    before = every_row(clinic_engine)
    assert all(before[t] for t in ("readings", "session_events", "alerts", "alert_events", "alert_event_acks",
                                   "audit_log", "chairs", "users"))
    out = tmp_path / "clinic.backup"
    backed = run("backup", "--out", str(out), url=database_url)
    assert backed.returncode == 0 and out.stat().st_size > 0, backed.stderr
    again = run("backup", "--out", str(out), url=database_url)
    assert again.returncode == 1 and "exists already" in again.stderr  # a backup never overwrites one
    restored = run("restore", str(out), url=empty_url)
    assert restored.returncode == 0 and "restored" in restored.stdout, restored.stderr
    copy = get_engine(empty_url)
    assert every_row(copy) == before
    assert run("health", url=empty_url).returncode == 0
    records = Records(copy, SYSTEM_ACTOR, TZ)  # the restored database goes on: ids and sequences continue
    session = records.sessions()[0].id
    assert records.record_reading(session, {"sbp": "120", "dbp": "78", "hr": "70"})[1] is not None
    assert len(records.readings(session)) == 3


def test_restore_refuses_a_database_that_is_not_empty_and_changes_nothing(clinic_engine, database_url, tmp_path, run):
    fill(clinic_engine)
    out = tmp_path / "clinic.backup"
    assert run("backup", "--out", str(out), url=database_url).returncode == 0
    before = every_row(clinic_engine)
    refused = run("restore", str(out), url=database_url)
    assert refused.returncode == 1 and "the database is not empty" in refused.stderr
    assert every_row(clinic_engine) == before
    missing = run("restore", str(tmp_path / "nope.backup"), url=database_url)
    assert missing.returncode == 1 and "no backup file" in missing.stderr


def test_health_is_0_for_a_current_database_and_1_with_the_reason_otherwise(database_url, tmp_path, run):
    ok = run("health", "--json", url=database_url)
    assert ok.returncode == 0 and '"ok": true' in ok.stdout
    missing = run("health", url=f"sqlite:///{tmp_path / 'none.db'}")
    assert missing.returncode == 1 and "there is no database" in missing.stdout
    unreachable = run("health", url="postgresql://nobody@127.0.0.1:1/none")
    assert unreachable.returncode == 1 and "cannot be reached" in unreachable.stdout
