"""On PostgreSQL the application's own role can add records but cannot change or remove history."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timezone

import psycopg
import pytest
from sqlalchemy.engine import make_url

from dashboard.core.roles import Actor
from dashboard.services.records import Records
from dashboard.store import readings as store_readings
from dashboard.store import sessions as store_sessions
from dashboard.store.db import dispose, get_engine
from dashboard.store.grants import grant_app_role

pytestmark = pytest.mark.postgres
_numbers = itertools.count()
T0 = datetime(2026, 11, 2, 14, 0, tzinfo=timezone.utc)


@pytest.fixture
def app_url(pg_cluster, pg_template):
    owner_url = pg_cluster.create_database(f"grants_{next(_numbers)}", template="template_migrated")
    owner = get_engine(owner_url)
    with owner.begin() as conn:
        conn.exec_driver_sql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'iv_app') "
                             "THEN CREATE ROLE iv_app LOGIN; END IF; END $$")
    grant_app_role(owner, "iv_app")
    patient = store_sessions.create_patient(owner, "P-1", by="setup")
    session = store_sessions.create_session(owner, patient, date(2026, 11, 2), by="setup", protocol="p")
    store_readings.add_reading(owner, session, {"hr": 70.0}, measured_at=T0, by="setup")
    url = make_url(owner_url).set(username="iv_app").render_as_string(hide_password=False)
    yield url
    dispose(url)
    dispose(owner_url)


def test_the_app_role_records_and_corrects_through_the_services(app_url):
    engine = get_engine(app_url)
    records = Records(engine, Actor("ana", "nurse"), "UTC")
    records.start_infusion(1, T0)
    records.correct_reading(1, {"hr": "72"}, reason="typo", measured_at=T0)
    assert records.readings(1)["hr"].tolist() == [72.0]


@pytest.mark.parametrize("statement", [
    "UPDATE readings SET hr = 1", "DELETE FROM readings", "TRUNCATE audit_log", "DELETE FROM audit_log",
    "UPDATE audit_log SET actor = 'x'", "DROP TRIGGER readings_append_only ON readings",
    "ALTER TABLE audit_log DISABLE TRIGGER ALL",
])
def test_the_app_role_cannot_rewrite_history(app_url, statement):
    dsn = make_url(app_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)
