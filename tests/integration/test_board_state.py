"""The board's stored per-session state on SQLite and PostgreSQL: whatever path changes a session's readings or
alerts (typed, corrected, voided, imported, stored in bulk, acknowledged, withdrawn), the board shows what the
records hold, in the same transaction; and a database upgraded from before the state existed is filled."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from alembic import command
from sqlalchemy import select

from dashboard.core.clock import today_in, utcnow
from dashboard.core.roles import SYSTEM_ACTOR
from dashboard.services.alerting import ACK_ACTIONS, Alerting
from dashboard.services.board import Board
from dashboard.services.imports import Imports
from dashboard.services.records import Records
from dashboard.store import board as store_board
from dashboard.store import readings as store_readings
from dashboard.store.db import alembic_config, begin
from dashboard.store.schema import sessions

TZ = "America/New_York"


def all_sessions(engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(select(sessions.c.id)).scalars())


def assert_state_matches_records(engine) -> None:
    ids = all_sessions(engine)
    with engine.connect() as conn:
        assert store_board.stored_state(conn, ids) == store_board.state_from_records(conn, ids)


def tile(engine, code: str):
    return next(t for t in Board(engine, SYSTEM_ACTOR, TZ).tiles() if t.session == code)


def open_two(engine) -> tuple[Records, dict[str, int]]:
    records = Records(engine, SYSTEM_ACTOR, TZ)
    now, today = utcnow(), today_in(TZ)
    ids = {code: records.open_session(today, patient_code=f"P-{code}", new_patient=True, code=code)
           for code in ("S-0001", "S-0002")}
    for sid in ids.values():
        records.start_infusion(sid, now - timedelta(minutes=45))
    return records, ids


def test_every_write_path_leaves_the_board_showing_what_the_records_hold(clinic_engine):
    engine = clinic_engine
    records, ids = open_two(engine)
    now = utcnow()
    assert tile(engine, "S-0001").latest == {} and tile(engine, "S-0001").highest_alert is None
    assert_state_matches_records(engine)

    # typed: a critical SBP raises a high alert; a later reading without BP keeps the last BP apart
    _, first = records.record_reading(ids["S-0001"], {"sbp": "196", "dbp": "90", "hr": "80"},
                                      measured_at=now - timedelta(minutes=20))
    records.record_reading(ids["S-0001"], {"hr": "82", "spo2": "97"}, measured_at=now - timedelta(minutes=10))
    shown = tile(engine, "S-0001")
    assert (shown.latest["hr"], shown.last_bp["sbp"], shown.highest_alert, shown.unacknowledged_high) == \
        (82.0, 196.0, "high", 1)
    assert shown.latest["at"].endswith("+00:00") and shown.last_bp["at"].endswith("+00:00")  # as board --json gives
    assert_state_matches_records(engine)

    # acknowledged: still active, no longer waiting
    alerting = Alerting(engine, SYSTEM_ACTOR)
    events = alerting.events(ids["S-0001"])
    alerting.acknowledge_event(int(events[events["priority"] == "high"]["id"].iloc[0]), [ACK_ACTIONS[0]])
    assert (tile(engine, "S-0001").highest_alert, tile(engine, "S-0001").unacknowledged_high) == ("high", 0)
    assert_state_matches_records(engine)

    # corrected: the typo goes, its alert is withdrawn, the last BP is the corrected one
    records.correct_reading(first, {"sbp": "128", "dbp": "80", "hr": "80"}, reason="typed 196 for 128")
    shown = tile(engine, "S-0001")
    assert (shown.last_bp["sbp"], shown.highest_alert) == (128.0, None)
    assert_state_matches_records(engine)

    # a correction that moves the newest reading earlier: the one before it is the newest again
    newest = int(records.readings(ids["S-0001"]).sort_values("measured_at")["id"].iloc[-1])
    records.correct_reading(newest, {"hr": "83", "spo2": "97"}, reason="clock was wrong",
                            measured_at=now - timedelta(minutes=30))
    assert tile(engine, "S-0001").latest["sbp"] == 128.0
    assert_state_matches_records(engine)

    # voided: the newest reading entered in error leaves the board; the one before shows again
    newest = int(records.readings(ids["S-0001"]).sort_values("measured_at")["id"].iloc[-1])
    records.void_reading(newest, reason="wrong patient")
    assert "sbp" not in tile(engine, "S-0001").latest
    assert_state_matches_records(engine)

    # imported: a monitor file for the second session
    start = now - timedelta(minutes=40)
    lines = [f"S-0002,{(start + timedelta(minutes=i)).isoformat()},{150 + i},85,,{70 + i},98,14,,"
             for i in range(30)]
    imports = Imports(engine, SYSTEM_ACTOR, TZ)
    report = imports.commit(imports.preview(("session_id,timestamp,sbp,dbp,map,hr,spo2,rr,temp_c,note\n"
                                             + "\n".join(lines) + "\n").encode(), file_name="monitor.csv"))
    assert report.readings_stored == 30
    shown = tile(engine, "S-0002")
    assert (shown.latest["sbp"], shown.latest["hr"]) == (179.0, 99.0) and shown.highest_alert is not None
    assert_state_matches_records(engine)

    # stored in bulk by the store itself, inside a caller's transaction that then fails: nothing of it shows
    frame = pd.DataFrame({"session_id": [ids["S-0002"]], "measured_at": [pd.Timestamp(now)], "sbp": [100.0],
                          "dbp": [60.0]})
    try:
        with begin(engine) as conn:
            store_readings.add_readings(conn, frame, by="test")
            raise RuntimeError("the rest of the unit of work failed")
    except RuntimeError:
        pass
    assert tile(engine, "S-0002").latest["sbp"] == 179.0
    assert_state_matches_records(engine)
    store_readings.add_readings(engine, frame, by="test")
    assert tile(engine, "S-0002").latest["sbp"] == 100.0
    assert_state_matches_records(engine)


def test_an_upgrade_from_before_the_board_state_fills_it_from_the_records(clinic_engine, database_url):
    engine = clinic_engine
    records, ids = open_two(engine)
    now = utcnow()
    records.record_reading(ids["S-0001"], {"sbp": "196", "dbp": "90", "hr": "80"}, measured_at=now - timedelta(minutes=9))
    records.record_reading(ids["S-0002"], {"hr": "64", "spo2": "99"}, measured_at=now - timedelta(minutes=3))
    before = [(t.session, t.latest, t.last_bp, t.highest_alert, t.unacknowledged) for t in
              Board(engine, SYSTEM_ACTOR, TZ).tiles()]
    config = alembic_config(database_url)
    command.downgrade(config, "0007")
    command.upgrade(config, "head")
    assert_state_matches_records(engine)
    after = [(t.session, t.latest, t.last_bp, t.highest_alert, t.unacknowledged) for t in
             Board(engine, SYSTEM_ACTOR, TZ).tiles()]
    assert after == before and after[0][3] == "high"


def test_after_the_server_ends_every_connection_the_board_and_an_entry_work_at_the_first_try(pg_cluster, pg_template):
    """A PostgreSQL restart or failover leaves the app's pooled connections dead: the board's poll (which skips
    the pool's check) reads again on a live one, and an entry's connection is checked and replaced."""
    import psycopg

    from dashboard.services.protocols import bootstrap
    from dashboard.store.db import dispose, get_engine
    name = "t_dropped_connections"
    url = pg_cluster.create_database(name, template=pg_template)
    try:
        engine = get_engine(url)
        bootstrap(engine)
        records, ids = open_two(engine)
        records.record_reading(ids["S-0001"], {"hr": "70"}, measured_at=utcnow() - timedelta(minutes=2))
        assert tile(engine, "S-0001").latest["hr"] == 70.0

        def server_ends_every_connection() -> None:
            with psycopg.connect(pg_cluster.dsn(name), autocommit=True) as admin:
                assert admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                     "WHERE datname = %s AND pid <> pg_backend_pid()", [name]).fetchone()[0] >= 1

        server_ends_every_connection()
        records.record_reading(ids["S-0001"], {"hr": "71"}, measured_at=utcnow() - timedelta(minutes=1))
        server_ends_every_connection()
        assert tile(engine, "S-0001").latest["hr"] == 71.0
    finally:
        dispose(url)
        pg_cluster.drop_database(name)
