"""Alerts fired by the same reading become one event at its highest priority; discharge ends what is active."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.core.alert_events import group, summarise
from dashboard.core.alerts import evaluate
from dashboard.core.protocol import default_protocol, load_protocol

START = pd.Timestamp("2026-11-02 14:00", tz="UTC")
P = default_protocol()


def readings(rows: list[tuple[float, float, float]]) -> pd.DataFrame:
    """(minutes from start, SBP, DBP) rows; HR, SpO2 and RR normal."""
    n = len(rows)
    return pd.DataFrame({"session_id": 1, "measured_at": [START + pd.Timedelta(minutes=m) for m, _, _ in rows],
                         "sbp": [float(s) for _, s, _ in rows], "dbp": [float(d) for _, _, d in rows],
                         "map": np.full(n, np.nan), "hr": np.full(n, 80.0), "spo2": np.full(n, 98.0),
                         "rr": np.full(n, 14.0), "temp_c": np.full(n, np.nan)})


def session(discharged=pd.NaT, stopped=pd.NaT) -> pd.DataFrame:
    return pd.DataFrame({"session_id": [1], "infusion_started_at": [START],
                         "infusion_stopped_at": [stopped], "discharged_at": [discharged]})


def with_map(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(map=((frame["sbp"] + 2 * frame["dbp"]) / 3).round())


def test_one_185_112_reading_is_one_high_event_naming_every_rule():
    # baseline 129/81; 5 min in, 172/86 starts the two-reading warning and baseline runs; then 185/112
    rows = with_map(readings([(-10, 130, 80), (-5, 128, 82), (5, 172, 86), (10, 185, 112)]))
    found = evaluate(rows, session(), P)
    assert len(found) >= 5  # SBP, DBP, MAP critical, escalation, SBP baseline change: the detail stays
    events = group(found)
    assert len(events) == 1
    event = events.iloc[0]
    assert event["priority"] == "high" and event["started_at"] == START + pd.Timedelta(minutes=10)
    assert event["summary"].startswith("High: SBP 185 beyond critical, DBP 112 beyond critical, MAP 136 beyond")
    assert "2 or more vitals outside their limits at once" in event["summary"]
    assert "SBP 185 changed from baseline" in event["summary"]  # a medium rule, listed after the high ones
    assert event["summary"].index("vitals outside") < event["summary"].index("changed from baseline")


def test_readings_at_different_times_are_different_events():
    found = evaluate(readings([(0, 120, 80), (10, 185, 80), (20, 120, 80), (30, 120, 115)]), session(), P)
    events = group(found)
    assert events["started_at"].tolist() == [START + pd.Timedelta(minutes=10), START + pd.Timedelta(minutes=30)]
    assert events["summary"].tolist() == ["High: SBP 185 beyond critical", "High: DBP 115 beyond critical"]


def members(**columns) -> pd.DataFrame:
    n = len(columns["priority"])
    base = {"ended_at": [pd.NaT] * n, "withdrawn_at": [pd.NaT] * n, "rule": ["limit"] * n,
            "vital": ["sbp"] * n, "level": ["warning"] * n, "peak_value": [165.0] * n, "message": [""] * n}
    return pd.DataFrame(base | columns)


def test_event_priority_end_and_withdrawal_follow_its_live_members():
    t = START + pd.Timedelta(minutes=20)
    state = summarise(members(priority=["medium", "high"], ended_at=[t, pd.NaT]))
    assert state["priority"] == "high" and pd.isna(state["ended_at"])  # open while any member is active
    state = summarise(members(priority=["medium", "high"], ended_at=[t, t + pd.Timedelta(minutes=5)]))
    assert state["ended_at"] == t + pd.Timedelta(minutes=5)  # the last member's end
    state = summarise(members(priority=["medium", "high"], withdrawn_at=[pd.NaT, t]))
    assert state["priority"] == "medium" and not state["withdrawn"]  # the withdrawn high no longer counts
    assert summarise(members(priority=["medium", "high"], withdrawn_at=[t, t]))["withdrawn"]


def test_discharge_ends_every_active_episode_at_the_discharge_time():
    rows = readings([(0, 120, 80), (10, 185, 80), (20, 170, 80), (30, 170, 80)])
    discharged = START + pd.Timedelta(minutes=40)
    open_before = evaluate(rows, session(), P)
    assert open_before["ended_at"].isna().any()
    ended = evaluate(rows, session(discharged, START + pd.Timedelta(minutes=5)), P)
    assert ended["ended_at"].notna().all()
    assert (ended.loc[open_before["ended_at"].isna().to_numpy(), "ended_at"] == discharged).all()
    # an episode that had ended before discharge keeps its own end
    closed = open_before["ended_at"].notna().to_numpy()
    assert (ended.loc[closed, "ended_at"].to_numpy() == open_before.loc[closed, "ended_at"].to_numpy()).all()


def test_minimum_observation_counts_from_stop_for_iv_and_from_start_for_the_nasal_spray():
    stop = START + pd.Timedelta(minutes=40)
    assert P.earliest_discharge(START, stop) == stop + pd.Timedelta(minutes=30)
    assert P.earliest_discharge(START, None) is None  # not stopped yet: no time to count from
    rems = load_protocol("esketamine-rems.json")
    assert rems.earliest_discharge(START, None) == START + pd.Timedelta(minutes=120)
