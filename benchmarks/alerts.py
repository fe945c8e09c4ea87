"""Alert figures: the vectorized engine against a per-row loop, and a what-if against one evaluation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks.data import T0, readings_frame
from benchmarks.harness import Case, benchmark
from dashboard.core.alerts import evaluate
from dashboard.core.protocol import default_protocol
from dashboard.core.whatif import compare

VITALS = ("sbp", "dbp", "hr", "spo2", "rr")


def _sessions(frame: pd.DataFrame) -> pd.DataFrame:
    ids = np.unique(frame["session_id"])
    start = T0 + pd.to_timedelta(ids, unit="D") + pd.Timedelta(minutes=10)
    return pd.DataFrame({"session_id": ids, "infusion_started_at": start,
                         "infusion_stopped_at": start + pd.Timedelta(minutes=40)})


def _with_gaps(frame: pd.DataFrame, seed: int = 3) -> pd.DataFrame:
    """Some values missing, as in real charts (a vital not measured at every time)."""
    rng = np.random.default_rng(seed)
    for key in VITALS:
        frame.loc[rng.random(len(frame)) < 0.05, key] = np.nan
    return frame


def loop_limits_and_persistence(frame: pd.DataFrame, protocol) -> list[tuple]:
    """The plain way: walk the readings row by row with a small state machine per vital and level."""
    episodes = []
    sessions = frame["session_id"].tolist()
    times = frame["measured_at"].tolist()
    columns = {key: frame[key].tolist() for key in VITALS}
    rules = []
    for key in VITALS:
        limits = protocol.limits[key]
        for level in ("warning", "critical"):
            low = getattr(limits, f"{level}_low")
            high = getattr(limits, f"{level}_high")
            rules.append((key, level, -np.inf if low is None else low, np.inf if high is None else high,
                          protocol.margin(key), protocol.persistence[level].readings))
    state = {}
    for i, session in enumerate(sessions):
        for key, level, low, high, margin, needed in rules:
            value = columns[key][i]
            if value != value:  # NaN: not measured
                continue
            count, active, last_session = state.get((key, level), (0, False, None))
            if session != last_session:
                count, active = 0, False
            outside = value < low or value > high
            count = count + 1 if outside else 0
            if not active and outside and count >= needed:
                active = True
                episodes.append((session, key, level, times[i]))
            elif active and low + margin <= value <= high - margin:
                active = False
            state[(key, level)] = (count, active, session)
    return episodes


@benchmark("evaluate_alerts_1m", "per-row Python loop, limits + persistence",
           "All alert rules over 1,000,000 readings of 1,000 sessions (the loop does only limits, persistence "
           "and hysteresis: less work than the project).")
def evaluate_case(quick: bool) -> Case:
    n_sessions, per_session = (100, 1_000) if quick else (1_000, 1_000)
    frame = _with_gaps(readings_frame(n_sessions, per_session))
    sessions = _sessions(frame)
    protocol = default_protocol()
    return Case(project=lambda: evaluate(frame, sessions, protocol),
                baseline=lambda: loop_limits_and_persistence(frame, protocol))


@benchmark("whatif_1000_sessions", "one evaluation of the same sessions",
           "What-if over 1,000 sessions of 200 readings: a draft against the current protocol (two protocols).")
def whatif_case(quick: bool) -> Case:
    n_sessions = 100 if quick else 1_000
    frame = _with_gaps(readings_frame(n_sessions, 200))
    sessions = _sessions(frame)
    current = default_protocol()
    draft = current.model_copy(deep=True)
    draft.limits["hr"].critical_high = 150
    return Case(project=lambda: compare(frame, sessions, current, draft),
                baseline=lambda: evaluate(frame, sessions, current))
