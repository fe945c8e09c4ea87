"""The board's tiles and order, decided in core (the page's refresh timer does not run under AppTest)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from dashboard.core import board
from dashboard.core.vitals import VITAL_KEYS

NOW = datetime(2026, 11, 2, 15, 0, tzinfo=timezone.utc)


def row(code: str, chair: str | None, *, status: str = "infusing", started_min: float | None = 40,
        stopped_min: float | None = None, latest_min: float | None = 2, bp_min: float | None = 2,
        rank: int = 0, high: int = 0, medium: int = 0, **vitals) -> dict:
    def ago(minutes):
        return None if minutes is None else NOW - timedelta(minutes=minutes)
    values = {k: None for k in VITAL_KEYS} | ({"sbp": 128.0, "dbp": 82.0, "hr": 74.0, "spo2": 98.0}
                                               if latest_min is not None else {}) | vitals
    return {"session_id": int(code[-4:]), "code": code, "patient": f"P-{code[-1]}", "status": status,
            "session_date": date(2026, 11, 2), "chair": chair, "protocol_version_id": 1,
            "infusion_started_at": ago(started_min) if status != "planned" else None,
            "infusion_stopped_at": ago(stopped_min), "latest_at": ago(latest_min), **values,
            "bp_at": ago(bp_min), "bp_sbp": 128.0 if bp_min is not None else None,
            "bp_dbp": 82.0 if bp_min is not None else None, "active_rank": rank, "unacked_high": high,
            "unacked_medium": medium}


def codes(rows, intervals=None) -> list[str]:
    return [t.session for t in board.tiles(rows, NOW, intervals or {}, 15)]


def test_unacknowledged_high_then_medium_then_overdue_then_the_rest_by_chair_and_planned_last():
    rows = [row("S-0001", "Chair 1"),
            row("S-0002", "Chair 10", rank=1, medium=1),
            row("S-0003", "Chair 2", bp_min=20),  # overdue: 20 min since the last BP, every 15
            row("S-0004", "Chair 9", rank=2, high=1),
            row("S-0005", None, status="planned", started_min=None, latest_min=None, bp_min=None),
            row("S-0006", "Chair 3"),
            row("S-0007", "Chair 2b", rank=2, high=2)]
    assert codes(rows) == ["S-0007", "S-0004", "S-0002", "S-0003", "S-0001", "S-0006", "S-0005"]


def test_chairs_sort_as_people_count_them_and_a_session_in_no_chair_comes_after_the_chairs():
    rows = [row("S-0001", "Chair 10"), row("S-0002", None), row("S-0003", "Chair 2"), row("S-0004", "bed 1")]
    assert codes(rows) == ["S-0004", "S-0003", "S-0001", "S-0002"]


def test_the_tile_says_phase_minutes_latest_vitals_with_their_age_and_the_alert_in_words():
    t = board.tile(row("S-0001", "Chair 1", latest_min=3, bp_min=3, rank=2, high=1, rr=14.0), NOW, 15)
    assert board.phase_text(t) == "Infusing · 40 min since start"
    assert board.vitals_text(t) == "BP 128/82 · HR 74 · SpO2 98 · RR 14 — 3 min ago"
    assert (board.ALERT_WORDS[t.highest_alert], board.ALERT_COLOURS[t.highest_alert]) == ("High alert", "red")
    assert board.acknowledgement_text(t) == "1 alert waiting for acknowledgement"
    assert board.bp_text(t) == "Last BP 3 min ago"
    calm = board.tile(row("S-0002", "Chair 2"), NOW, 15)
    assert board.ALERT_WORDS[calm.highest_alert] == "No active alert" and board.acknowledgement_text(calm) == ""


def test_recovery_counts_minutes_since_the_stop():
    t = board.tile(row("S-0001", "Chair 1", status="recovery", started_min=70, stopped_min=25), NOW, 15)
    assert board.phase_text(t) == "Recovery · 25 min since stop"


def test_bp_overdue_counts_from_the_infusion_start_or_the_last_bp_after_it_with_the_protocols_interval():
    baseline_only = board.tile(row("S-0001", "Chair 1", started_min=20, bp_min=30), NOW, 15)
    assert baseline_only.overdue and baseline_only.overdue_min == 5  # the pre-infusion BP does not count
    assert board.bp_text(baseline_only) == "BP OVERDUE by 5 min (last BP 30 min ago; every 15 min)"
    assert board.overdue_detail(baseline_only) == "by 5 min · last BP 30 min ago · every 15 min"
    assert not board.tile(row("S-0002", "Chair 1", bp_min=12), NOW, 15).overdue
    assert board.tile(row("S-0003", "Chair 1", bp_min=12), NOW, 10).overdue  # a protocol asking every 10 min
    never = board.tile(row("S-0004", "Chair 1", started_min=16, latest_min=None, bp_min=None), NOW, 15)
    assert never.overdue and board.bp_text(never).endswith("(no BP yet; every 15 min)")
    assert board.vitals_text(never) == "no readings yet"


def test_each_session_is_judged_by_its_own_protocols_interval():
    rows = [row("S-0001", "Chair 1", bp_min=12), row("S-0002", "Chair 2", bp_min=12)]
    rows[1]["protocol_version_id"] = 2
    tiles = board.tiles(rows, NOW, {1: 15, 2: 10}, 15)
    assert [(t.session, t.overdue) for t in tiles] == [("S-0002", True), ("S-0001", False)]


def test_planned_sessions_are_neither_overdue_nor_timed():
    t = board.tile(row("S-0001", None, status="planned", started_min=None, latest_min=None, bp_min=None), NOW, 15)
    assert (t.planned, t.overdue, t.elapsed_min, board.bp_text(t)) == (True, False, None, "")
    assert board.phase_text(t) == "Planned (not started)"


def test_the_json_form_names_the_fields_the_issue_asks_for():
    d = board.tile(row("S-0001", "Chair 1", rank=1, medium=1), NOW, 15).as_dict()
    assert {"session", "chair", "phase", "latest", "highest_alert", "overdue", "unacknowledged"} <= d.keys()
    assert (d["session"], d["chair"], d["phase"], d["highest_alert"], d["unacknowledged"]) == \
        ("S-0001", "Chair 1", "infusing", "medium", 1)
    assert d["latest"]["sbp"] == 128.0 and d["latest"]["age_min"] == 2
