"""Chairs and the board on SQLite and PostgreSQL: placing sessions, the board's tiles, the commands."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from dashboard.core.clock import today_in, utcnow
from dashboard.core.errors import Conflict, NotFound
from dashboard.core.roles import SYSTEM_ACTOR
from dashboard.services.alerting import ACK_ACTIONS, Alerting
from dashboard.services.board import Board
from dashboard.services.chairs import Chairs
from dashboard.services.records import Records

TZ = "America/New_York"


@pytest.fixture
def clinic(clinic_engine):
    """Three chairs and four sessions of today: S-0001 in Chair 2 with a critical SBP, S-0002 in Chair 10 calm,
    S-0003 planned, S-0004 planned yesterday (not on the board)."""
    chairs = Chairs(clinic_engine, SYSTEM_ACTOR)
    for name in ("Chair 1", "Chair 2", "Chair 10"):
        chairs.add(name)
    records = Records(clinic_engine, SYSTEM_ACTOR, TZ)
    now, today = utcnow(), today_in(TZ)
    ids = {code: records.open_session(today if code != "S-0004" else today - timedelta(days=1),
                                      patient_code=f"P-{code}", new_patient=True, code=code)
           for code in ("S-0001", "S-0002", "S-0003", "S-0004")}
    records.start_infusion(ids["S-0001"], now - timedelta(minutes=40), chair="Chair 2")
    records.record_reading(ids["S-0001"], {"sbp": "196", "dbp": "80", "hr": "74"}, measured_at=now - timedelta(minutes=8))
    records.start_infusion(ids["S-0002"], now - timedelta(minutes=10), chair="chair 10")  # as typed
    records.record_reading(ids["S-0002"], {"sbp": "120", "dbp": "80", "hr": "70"}, measured_at=now - timedelta(minutes=4))
    records.record_reading(ids["S-0002"], {"hr": "72", "spo2": "97"}, measured_at=now - timedelta(minutes=1))
    return clinic_engine, records, ids


def tiles(engine):
    return Board(engine, SYSTEM_ACTOR, TZ).tiles()


def test_the_board_shows_each_session_in_progress_in_its_chair_most_urgent_first(clinic):
    engine, _, _ = clinic
    board = tiles(engine)
    assert [(t.session, t.chair, t.phase) for t in board] == [
        ("S-0001", "Chair 2", "infusing"), ("S-0002", "Chair 10", "infusing"), ("S-0003", None, "planned")]
    first, second, _ = board
    assert (first.highest_alert, first.unacknowledged_high, first.latest["sbp"]) == ("high", 1, 196.0)
    assert second.highest_alert is None and second.latest == {**second.latest, "hr": 72.0, "spo2": 97.0}
    assert "sbp" not in second.latest and second.last_bp["sbp"] == 120.0 and second.last_bp["age_min"] in (4, 5)


def test_an_acknowledged_alert_no_longer_puts_the_session_first_and_a_correction_shows_at_once(clinic):
    engine, records, ids = clinic
    alerting = Alerting(engine, SYSTEM_ACTOR)
    events = alerting.events(ids["S-0001"])
    event = int(events[events["priority"] == "high"]["id"].iloc[0])
    alerting.acknowledge_event(event, [ACK_ACTIONS[0]])
    board = tiles(engine)
    assert [t.session for t in board] == ["S-0001", "S-0002", "S-0003"]  # by chair now: Chair 2, then Chair 10
    assert (board[0].highest_alert, board[0].unacknowledged) == ("high", 0)  # still active, acknowledged
    reading = int(records.readings(ids["S-0001"])["id"].iloc[0])
    records.correct_reading(reading, {"sbp": "126", "dbp": "80", "hr": "74"}, reason="typo")
    first = next(t for t in tiles(engine) if t.session == "S-0001")
    assert first.latest["sbp"] == 126.0 and first.highest_alert is None  # the alert was withdrawn with it


def test_a_chair_holds_one_session_until_discharge_and_keeps_naming_it_after(clinic):
    engine, records, ids = clinic
    with pytest.raises(Conflict, match="Chair 2 is taken by S-0001"):
        records.start_infusion(ids["S-0003"], chair="Chair 2")
    assert records.session(ids["S-0003"]).status == "planned"  # nothing stored by the refusal
    with pytest.raises(NotFound, match="no chair called 'Chair 7'"):
        records.start_infusion(ids["S-0003"], chair="Chair 7")
    with pytest.raises(Conflict, match="S-0001 is in Chair 2"):
        Chairs(engine, SYSTEM_ACTOR).retire("Chair 2")
    now = utcnow()
    records.stop_infusion(ids["S-0001"], now - timedelta(minutes=35))
    records.discharge(ids["S-0001"], now, override_reason="test")
    assert records.session(ids["S-0001"]).chair == "Chair 2"  # the record keeps where it ran
    records.start_infusion(ids["S-0003"], chair="Chair 2")  # the chair is free again
    assert [(c.name, c.session_code) for c in Chairs(engine, SYSTEM_ACTOR).list()] == [
        ("Chair 1", None), ("Chair 2", "S-0003"), ("Chair 10", "S-0002")]
    assert "S-0001" not in [t.session for t in tiles(engine)]


def test_a_session_moves_to_another_chair_and_a_retired_chair_takes_no_one(clinic):
    engine, records, ids = clinic
    records.place_in_chair(ids["S-0002"], "Chair 1")
    assert records.session(ids["S-0002"]).chair == "Chair 1"
    Chairs(engine, SYSTEM_ACTOR).retire("Chair 10")
    with pytest.raises(Conflict, match="Chair 10 is retired"):
        records.place_in_chair(ids["S-0002"], "Chair 10")
    with pytest.raises(Conflict, match="there is already a chair called 'Chair 1'"):
        Chairs(engine, SYSTEM_ACTOR).add("  Chair   1 ")
    assert [c.name for c in Chairs(engine, SYSTEM_ACTOR).list(retired=True)] == ["Chair 1", "Chair 2", "Chair 10"]


def test_board_json_gives_the_same_tiles_in_the_same_order_and_sessions_list_names_the_chair(clinic, run):
    engine, _, _ = clinic
    url = engine.url.render_as_string(hide_password=False)
    out = run("board", "--json", url=url, tz=TZ)
    assert out.returncode == 0, out.stderr
    printed = json.loads(out.stdout)["tiles"]
    assert [(t["session"], t["chair"], t["phase"], t["highest_alert"], t["overdue"], t["unacknowledged"])
            for t in printed] == [(t.session, t.chair, t.phase, t.highest_alert, t.overdue, t.unacknowledged)
                                  for t in tiles(engine)]
    assert printed[0]["latest"]["sbp"] == 196.0
    text = run("board", url=url, tz=TZ).stdout
    assert text.index("Chair 2 · S-0001") < text.index("Chair 10 · S-0002") and "High alert" in text
    listed = json.loads(run("sessions", "list", "--json", url=url, tz=TZ).stdout)["sessions"]
    assert {s["code"]: s["chair"] for s in listed} == {"S-0001": "Chair 2", "S-0002": "Chair 10", "S-0003": None,
                                                        "S-0004": None}


def test_chairs_commands_list_add_retire_and_refuse_a_nurse(clinic, run):
    engine, _, _ = clinic
    url = engine.url.render_as_string(hide_password=False)
    from dashboard.services.accounts import Accounts
    Accounts(engine, SYSTEM_ACTOR).add("ana", "Ana", "nurse", "correct horse battery", must_change=False)
    assert run("chairs", "add", "Chair 4", url=url).stdout.strip() == "added Chair 4"
    refused = run("chairs", "add", "Chair 5", "--as", "ana", url=url)
    assert refused.returncode == 1 and refused.stderr.startswith("error: a nurse may not")
    assert run("chairs", "retire", "Chair 1", url=url).returncode == 0
    listed = json.loads(run("chairs", "list", "--json", url=url).stdout)["chairs"]
    assert listed == [{"name": "Chair 2", "session": "S-0001", "retired": False},
                      {"name": "Chair 4", "session": None, "retired": False},
                      {"name": "Chair 10", "session": "S-0002", "retired": False}]
    started = run("sessions", "start", "S-0003", "--chair", "Chair 4", url=url, tz=TZ)
    assert started.returncode == 0, started.stderr
    board = json.loads(run("board", "--json", url=url, tz=TZ).stdout)["tiles"]
    assert [(t["session"], t["chair"]) for t in board] == [("S-0001", "Chair 2"), ("S-0003", "Chair 4"),
                                                           ("S-0002", "Chair 10")]


def test_sessions_move_changes_the_chair_audited_and_refuses_a_taken_one(clinic, run):
    engine, records, ids = clinic
    url = engine.url.render_as_string(hide_password=False)
    refused = run("sessions", "move", "S-0001", "--chair", "Chair 10", url=url, tz=TZ)
    assert refused.returncode == 1 and "Chair 10 is taken by S-0002" in refused.stderr
    assert records.session(ids["S-0001"]).chair == "Chair 2"
    moved = run("sessions", "move", "S-0001", "--chair", "chair 1", url=url, tz=TZ)
    assert (moved.returncode, moved.stdout.strip()) == (0, "S-0001: in Chair 1")
    assert run("sessions", "move", "S-0002", "--no-chair", url=url, tz=TZ).stdout.strip() == "S-0002: in no chair"
    board = json.loads(run("board", "--json", url=url, tz=TZ).stdout)["tiles"]
    assert [(t["session"], t["chair"]) for t in board if t["session"] in ("S-0001", "S-0002")] == [
        ("S-0001", "Chair 1"), ("S-0002", None)]
    from dashboard.services.audit_trail import audit_entries
    changes = audit_entries(engine, SYSTEM_ACTOR, action="session.chair")  # newest first
    assert [(json.loads(b), json.loads(a)) for b, a in zip(changes["before"], changes["after"], strict=True)] == [
        ({"chair": "Chair 10"}, {"chair": None}), ({"chair": "Chair 2"}, {"chair": "Chair 1"})]
