"""Alert rules evaluated with numpy over many sessions at once: limits, baseline change, persistence,
hysteresis, escalation, pre-dose gate and overdue BP. Causal: a prefix of the readings gives the same
alerts as the whole, cut at its last reading (live entry and review agree)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.core.protocol import Persistence, Protocol
from dashboard.core.vitals import VITAL_BY_KEY, VITAL_KEYS

PRIORITY = {"critical": "high", "warning": "medium", "baseline": "medium", "escalation": "high",
            "pre_dose": "medium", "overdue": "medium"}
ALERT_COLUMNS = ["session_id", "rule", "vital", "level", "priority", "started_at", "ended_at", "peak_value",
                 "message"]
NS_PER_MIN = 60 * 10**9


@dataclass(frozen=True)
class Series:
    """One vital's readings over all sessions, sorted by session then time (no missing values)."""

    session: np.ndarray
    time: np.ndarray  # int64 ns since epoch, UTC
    value: np.ndarray
    row: np.ndarray  # position in the sorted readings frame

    @property
    def new_session(self) -> np.ndarray:
        flags = np.ones(len(self.session), dtype=bool)
        flags[1:] = self.session[1:] != self.session[:-1]
        return flags


def _hold_state(session: np.ndarray, raise_at: np.ndarray, clear_at: np.ndarray) -> np.ndarray:
    """1 from a raise until a clear, within each session; readings that are neither hold the state."""
    mark = np.where(raise_at, 1.0, np.where(clear_at, 0.0, np.nan))
    held = pd.Series(mark).groupby(session, sort=False).ffill().fillna(0.0).to_numpy()
    return held == 1.0


def _persisted(s: Series, enter: np.ndarray, persistence: Persistence) -> np.ndarray:
    """Readings at which `enter` has held for N consecutive readings, or M minutes, in its session."""
    previous = np.zeros_like(enter)
    previous[1:] = enter[:-1]
    starts = enter & (~previous | s.new_session)
    run = np.cumsum(starts)
    run_first = np.flatnonzero(starts)
    position = np.arange(len(enter))
    first = run_first[np.maximum(run - 1, 0)] if len(run_first) else position
    count = position - first + 1
    held = count >= persistence.readings
    if persistence.minutes is not None:
        held |= (s.time - s.time[first]) >= persistence.minutes * NS_PER_MIN
    return enter & held


def _episodes(s: Series, active: np.ndarray, deviation: np.ndarray) -> pd.DataFrame:
    """Runs of active readings per session: start time, time of the reading that cleared it, peak value."""
    if not active.any():
        return pd.DataFrame(columns=["session_id", "started_at", "ended_at", "peak_value"])
    previous = np.zeros_like(active)
    previous[1:] = active[:-1]
    starts = active & (~previous | s.new_session)
    episode = np.cumsum(starts)
    idx = np.flatnonzero(active)
    frame = pd.DataFrame({"episode": episode[idx], "dev": deviation[idx], "value": s.value[idx], "pos": idx})
    peak_pos = frame.loc[frame.groupby("episode", sort=False)["dev"].idxmax(), "pos"].to_numpy()
    first_pos = frame.groupby("episode", sort=False)["pos"].min().to_numpy()
    last_pos = frame.groupby("episode", sort=False)["pos"].max().to_numpy()
    after = last_pos + 1
    closed = (after < len(active)) & ~s.new_session[np.minimum(after, len(active) - 1)]
    ended = np.where(closed, s.time[np.minimum(after, len(active) - 1)], np.iinfo("int64").min)
    return pd.DataFrame({
        "session_id": s.session[first_pos],
        "started_at": pd.to_datetime(s.time[first_pos], utc=True),
        "ended_at": pd.to_datetime(np.where(closed, ended, np.datetime64("NaT").astype("int64")), utc=True),
        "peak_value": s.value[peak_pos],
    })


def _threshold_rule(s: Series, low: np.ndarray, high: np.ndarray, margin: float, persistence: Persistence):
    """Active flags and deviation for 'outside low..high', cleared only inside by the margin."""
    with np.errstate(invalid="ignore"):
        enter = (s.value < low) | (s.value > high)
        clear = ~(s.value < low + margin) & ~(s.value > high - margin)
    active = _hold_state(s.session, _persisted(s, enter, persistence), clear)
    deviation = np.fmax(np.nan_to_num(s.value - high, nan=-np.inf), np.nan_to_num(low - s.value, nan=-np.inf))
    return active, deviation


def _bound(value: float | None, default: float, n: int) -> np.ndarray:
    return np.full(n, default if value is None else float(value))


def _tag(frame: pd.DataFrame, rule: str, vital: str, level: str, message: str) -> pd.DataFrame:
    return frame.assign(rule=rule, vital=vital, level=level, priority=PRIORITY[level], message=message)


@dataclass(frozen=True)
class Prepared:
    """Readings sorted and split per vital once, so several protocols can be evaluated cheaply."""

    frame: pd.DataFrame
    sessions: pd.DataFrame
    session: np.ndarray
    times: np.ndarray
    starts: np.ndarray
    series: dict[str, Series]


def prepare(readings: pd.DataFrame, sessions: pd.DataFrame) -> Prepared:
    frame = readings.sort_values(["session_id", "measured_at"], kind="stable").reset_index(drop=True)
    session = frame["session_id"].to_numpy()
    times = _ns(frame["measured_at"])
    series = {}
    for key in VITAL_KEYS:
        if key in frame:
            values = frame[key].to_numpy(dtype="float64")
            keep = ~np.isnan(values)
            if keep.any():
                series[key] = Series(session[keep], times[keep], values[keep], np.flatnonzero(keep))
    return Prepared(frame, sessions, session, times, _per_row(frame, sessions, "infusion_started_at"), series)


def evaluate(readings: pd.DataFrame, sessions: pd.DataFrame, protocol: Protocol,
             now: pd.Timestamp | None = None) -> pd.DataFrame:
    """All alert episodes of the given sessions under one protocol.

    readings: session_id, measured_at (UTC) and vitals (NaN = not measured), readings in force only.
    sessions: session_id, infusion_started_at, infusion_stopped_at, optional discharged_at (NaT when not yet).
    now: evaluation time for 'BP overdue' (default: each session's last reading).
    Episodes still active at the last reading have ended_at NaT.
    """
    return evaluate_prepared(prepare(readings, sessions), protocol, now)


def evaluate_prepared(prep: Prepared, protocol: Protocol, now: pd.Timestamp | None = None) -> pd.DataFrame:
    found: list[pd.DataFrame] = []
    active_by_vital: dict[str, np.ndarray] = {}
    for key, s in prep.series.items():
        n, label = len(s.value), VITAL_BY_KEY[key].short
        any_active = np.zeros(n, dtype=bool)
        limits = protocol.limits.get(key)
        if limits is not None:
            for level in ("warning", "critical"):
                low = _bound(getattr(limits, f"{level}_low"), -np.inf, n)
                high = _bound(getattr(limits, f"{level}_high"), np.inf, n)
                persistence = protocol.persistence.get(level, Persistence())
                active, deviation = _threshold_rule(s, low, high, protocol.margin(key), persistence)
                any_active |= active
                found.append(_tag(_episodes(s, active, deviation), "limit", key, level,
                                  f"{label} {'beyond' if level == 'critical' else 'outside'} the {level} limits"))
        change = protocol.baseline_change.get(key)
        if change is not None:
            found.append(_baseline_rule(s, prep.starts[s.row], change, protocol, key, label))
        active_by_vital[key] = _to_rows(s, any_active, len(prep.frame))

    found.append(_escalation(prep.frame, prep.session, prep.times, active_by_vital, protocol))
    found.append(_pre_dose(prep.frame, prep.session, prep.times, prep.starts, protocol))
    found.append(_overdue(prep.frame, prep.session, prep.times, prep.sessions, protocol, now))
    found = [f for f in found if len(f)]
    result = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=ALERT_COLUMNS)
    return result[ALERT_COLUMNS].sort_values(["session_id", "started_at", "rule", "vital"], kind="stable") \
        .reset_index(drop=True)


def _baseline_rule(s: Series, start_ns: np.ndarray, change, protocol: Protocol, key: str, label: str):
    n = len(s.value)
    baseline = _baseline(s, start_ns)
    highs = [baseline + change.rise_abs if change.rise_abs else None,
             baseline * (1 + change.rise_pct / 100) if change.rise_pct else None]
    highs = [h for h in highs if h is not None]
    high = np.fmin.reduce(highs) if highs else np.full(n, np.inf)
    low = baseline * (1 - change.fall_pct / 100) if change.fall_pct else np.full(n, -np.inf)
    # No baseline, or before the infusion: the rule has nothing to compare with.
    usable = (s.time >= start_ns) & ~np.isnan(baseline)
    high, low = np.where(usable, high, np.inf), np.where(usable, low, -np.inf)
    active, deviation = _threshold_rule(s, low, high, protocol.margin(key),
                                        protocol.persistence.get("warning", Persistence()))
    return _tag(_episodes(s, active, deviation), "baseline_change", key, "baseline",
                f"{label} changed from the pre-infusion baseline")


def _per_row(frame: pd.DataFrame, sessions: pd.DataFrame, column: str) -> np.ndarray:
    """A session attribute (a time) for every reading row, as int64 ns; absent = far future."""
    lookup = sessions.set_index("session_id")[column]
    return _ns(frame["session_id"].map(lookup), missing=np.iinfo("int64").max)


def _ns(times: pd.Series, missing: int = np.iinfo("int64").min) -> np.ndarray:
    """UTC times as int64 nanoseconds since the epoch (pandas may hold them in other units)."""
    values = pd.to_datetime(times, utc=True).dt.as_unit("ns").dt.tz_localize(None)
    return np.where(values.isna().to_numpy(), missing, values.to_numpy().view("int64"))


def _baseline(s: Series, start_ns: np.ndarray) -> np.ndarray:
    """Median of each session's readings before infusion start, for every reading (NaN if none)."""
    before = s.time < start_ns
    medians = pd.Series(s.value[before]).groupby(s.session[before]).median()
    return pd.Series(s.session).map(medians).to_numpy(dtype="float64")


def _to_rows(s: Series, flags: np.ndarray, n_rows: int) -> np.ndarray:
    """A vital's state carried to every reading row of its session (unmeasured rows hold the state)."""
    out = np.full(n_rows, np.nan)
    out[s.row] = flags.astype(float)
    return out


def _escalation(frame, session, times, active_by_vital, protocol) -> pd.DataFrame:
    if not active_by_vital:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    states = pd.DataFrame(active_by_vital).groupby(session, sort=False).ffill().fillna(0.0)
    count = states.sum(axis=1).to_numpy()
    s = Series(session, times, count, np.arange(len(frame)))
    enter = count >= protocol.escalate_when_warnings
    active = _hold_state(session, enter, ~enter)
    return _tag(_episodes(s, active, count), "multiple_warnings", "several", "escalation",
                f"{protocol.escalate_when_warnings} or more vitals outside their limits at once")


def _pre_dose(frame, session, times, starts, protocol) -> pd.DataFrame:
    if "sbp" not in frame or "dbp" not in frame:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    caution = protocol.pre_dose_caution
    sbp, dbp = frame["sbp"].to_numpy(dtype="float64"), frame["dbp"].to_numpy(dtype="float64")
    keep = ~np.isnan(sbp) & (times < starts)
    if not keep.any():
        return pd.DataFrame(columns=ALERT_COLUMNS)
    s = Series(session[keep], times[keep], sbp[keep], np.flatnonzero(keep))
    enter = (sbp[keep] > caution.sbp) | (dbp[keep] > caution.dbp)
    active = _hold_state(s.session, enter, ~enter)
    return _tag(_episodes(s, active, sbp[keep]), "pre_dose_caution", "bp", "pre_dose",
                f"pre-infusion BP above {caution.sbp:g}/{caution.dbp:g}: review before dosing")


def _overdue(frame, session, times, sessions, protocol, now) -> pd.DataFrame:
    """Gaps longer than the BP interval between infusion start and discharge (or the evaluation time)."""
    if "sbp" not in frame:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    interval = int(protocol.bp_interval_min * NS_PER_MIN)
    starts = _per_row(frame, sessions, "infusion_started_at")
    has_bp = ~np.isnan(frame["sbp"].to_numpy(dtype="float64"))
    last_reading = pd.Series(times).groupby(session).transform("max").to_numpy()
    until = np.full(len(frame), np.iinfo("int64").max) if "discharged_at" not in sessions else \
        _per_row(frame, sessions, "discharged_at")
    end_of_view = np.minimum(until, last_reading if now is None else
                             np.full(len(frame), pd.Timestamp(now).value))
    rows = []
    for sid in np.unique(session[starts < np.iinfo("int64").max]):
        in_session = session == sid
        start, stop = starts[in_session][0], end_of_view[in_session][0]
        bp_times = times[in_session & has_bp & (times >= start)]
        marks = np.concatenate([[start], bp_times[bp_times <= stop]])
        gaps_end = np.concatenate([marks[1:], [stop]])
        late = gaps_end - marks > interval
        for begin, end, closed in zip(marks[late] + interval, gaps_end[late], np.r_[np.ones(len(marks) - 1, bool),
                                                                                    [False]][late]):
            rows.append({"session_id": sid, "started_at": pd.Timestamp(int(begin), tz="UTC"),
                         "ended_at": pd.Timestamp(int(end), tz="UTC") if closed else pd.NaT,
                         "peak_value": (end - begin + interval) / NS_PER_MIN})
    if not rows:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    return _tag(pd.DataFrame(rows), "bp_overdue", "bp", "overdue",
                f"no blood pressure for more than {protocol.bp_interval_min:g} min")
