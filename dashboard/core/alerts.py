"""Alert rules evaluated with numpy over many sessions at once: limits, baseline change, persistence,
hysteresis, escalation, pre-dose gate and overdue BP. Causal: a prefix of the readings gives the same
alerts as the whole, cut at its last reading (live entry and review agree)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from dashboard.core.protocol import Persistence, Protocol
from dashboard.core.vitals import VITAL_BY_KEY, VITAL_KEYS

PRIORITY = {"critical": "high", "warning": "medium", "baseline": "medium", "escalation": "high",
            "pre_dose": "medium", "overdue": "medium"}
ALERT_COLUMNS = ["session_id", "rule", "vital", "level", "priority", "started_at", "ended_at", "peak_value",
                 "message"]
NS_PER_MIN = 60 * 10**9
NAT = np.iinfo("int64").min  # NaT as int64 nanoseconds


@dataclass(frozen=True)
class Series:
    """One vital's readings over all sessions, sorted by session then time (no missing values)."""

    session: np.ndarray
    time: np.ndarray  # int64 ns since epoch, UTC
    value: np.ndarray
    row: np.ndarray  # position in the sorted readings frame
    new_session: np.ndarray  # True at each session's first reading


def _series(session: np.ndarray, time: np.ndarray, value: np.ndarray, row: np.ndarray) -> Series:
    return Series(session, time, value, row, _new_session(session))


def _new_session(session: np.ndarray) -> np.ndarray:
    flags = np.ones(len(session), dtype=bool)
    flags[1:] = session[1:] != session[:-1]
    return flags


_POSITIONS = np.arange(0)


def _positions(n: int) -> np.ndarray:
    """0..n-1, read-only, from one array kept for the largest n seen (a fresh arange per rule costs as
    much as the rule's arithmetic on a million readings)."""
    global _POSITIONS
    if len(_POSITIONS) < n:
        _POSITIONS = np.arange(n)
        _POSITIONS.flags.writeable = False
    return _POSITIONS[:n]


def _last_event(event: np.ndarray) -> np.ndarray:
    """For every position, the position of the latest True at or before it (callers make position 0 True)."""
    # in place: each full-size temporary costs as much as the arithmetic on these sizes
    last = np.multiply(_positions(len(event)), event)
    return np.maximum.accumulate(last, out=last)


def _hold_state(new_session: np.ndarray, raise_at: np.ndarray, clear_at: np.ndarray) -> np.ndarray:
    """True from a raise until a clear, within each session; readings that are neither hold the state."""
    return raise_at[_last_event(raise_at | clear_at | new_session)]


def _persisted(s: Series, enter: np.ndarray, persistence: Persistence) -> np.ndarray:
    """Readings at which `enter` has held for N consecutive readings, or M minutes, in its session."""
    if persistence.readings == 1 and persistence.minutes is None:
        return enter
    previous = np.zeros_like(enter)
    previous[1:] = enter[:-1]
    starts = enter & (~previous | s.new_session)
    first = _last_event(starts | ~enter)  # the run's first reading (for readings inside a run)
    before = np.subtract(_positions(len(enter)), first)  # readings of the run before this one
    held = before >= persistence.readings - 1
    if persistence.minutes is not None:
        held |= (s.time - s.time[first]) >= persistence.minutes * NS_PER_MIN
    return enter & held


@dataclass(frozen=True)
class Episodes:
    """Alert episodes as plain arrays; the text columns (tag: one per rule) are written once, at the end."""

    session: np.ndarray
    started: np.ndarray  # int64 ns
    ended: np.ndarray  # int64 ns, NAT while still active
    peak: np.ndarray
    tag: tuple[str, ...] = ()  # rule, vital, level, priority, message

    def __len__(self) -> int:
        return len(self.started)


NO_EPISODES = Episodes(np.empty(0, dtype="int64"), np.empty(0, dtype="int64"), np.empty(0, dtype="int64"),
                       np.empty(0, dtype="float64"))


def _episodes(s: Series, active: np.ndarray, deviation) -> Episodes:
    """Runs of active readings per session: start time, time of the reading that cleared it, peak value.

    deviation(positions) says how far each of those readings is beyond the rule (the peak is the largest).
    """
    idx = np.flatnonzero(active)
    if not len(idx):
        return NO_EPISODES
    begins = np.ones(len(idx), dtype=bool)
    begins[1:] = (np.diff(idx) > 1) | s.new_session[idx[1:]]
    segment = np.cumsum(begins) - 1
    bounds = np.flatnonzero(begins)
    dev = deviation(idx)
    at_peak = np.flatnonzero(dev == np.repeat(np.maximum.reduceat(dev, bounds), np.diff(np.r_[bounds, len(idx)])))
    peak_pos = idx[at_peak[np.r_[True, segment[at_peak][1:] != segment[at_peak][:-1]]]]
    first_pos = idx[bounds]
    last_pos = idx[np.r_[bounds[1:], len(idx)] - 1]
    after = np.minimum(last_pos + 1, len(active) - 1)
    closed = (last_pos + 1 < len(active)) & ~s.new_session[after]
    return Episodes(s.session[first_pos], s.time[first_pos], np.where(closed, s.time[after], NAT),
                    s.value[peak_pos])


def _utc(ns: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(ns.astype("int64").view("M8[ns]")).tz_localize("UTC")


def _threshold_rule(s: Series, low, high, margin: float, persistence: Persistence):
    """Active flags and a deviation function for 'outside low..high', cleared only inside by the margin.

    low and high are numbers or per-reading arrays (-inf/inf where there is no bound).
    """
    value = s.value
    enter = (value < low) | (value > high)
    if not enter.any():
        return enter, None
    clear = (value >= low + margin) & (value <= high - margin)
    active = _hold_state(s.new_session, _persisted(s, enter, persistence), clear)

    def deviation(at: np.ndarray) -> np.ndarray:
        lo = low[at] if isinstance(low, np.ndarray) else low
        hi = high[at] if isinstance(high, np.ndarray) else high
        return np.maximum(value[at] - hi, lo - value[at])
    return active, deviation


def _limit(value: float | None, default: float) -> float:
    return default if value is None else float(value)


def _tag(found: Episodes, rule: str, vital: str, level: str, message: str) -> Episodes:
    return Episodes(found.session, found.started, found.ended, found.peak,
                    (rule, vital, level, PRIORITY[level], message))


def _as_episodes(found) -> Episodes:
    """Episodes from a rule that returns a frame with ALERT_COLUMNS (one rule, vital and level per frame)."""
    if isinstance(found, Episodes):
        return found
    if not len(found):
        return NO_EPISODES
    first = found.iloc[0]
    return Episodes(found["session_id"].to_numpy(), _ns(found["started_at"]), _ns(found["ended_at"]),
                    found["peak_value"].to_numpy(dtype="float64"),
                    tuple(first[c] for c in ("rule", "vital", "level", "priority", "message")))


def episodes_frame(found: Episodes | pd.DataFrame) -> pd.DataFrame:
    """One rule's memoized result as an alert frame (what-if compares rules one by one)."""
    found = _as_episodes(found)
    return _alert_frame([found]) if len(found) else pd.DataFrame(columns=ALERT_COLUMNS)


def _alert_frame(found: list[Episodes]) -> pd.DataFrame:
    """One frame of all episodes, stable by session and start: within that, in the order found."""
    session = np.concatenate([f.session for f in found])
    started = np.concatenate([f.started for f in found])
    session_key = session if np.issubdtype(session.dtype, np.number) else pd.factorize(session, sort=True)[0]
    order = np.lexsort((started, session_key))
    tags = list(dict.fromkeys(f.tag for f in found))
    codes = pa.array(np.repeat([tags.index(f.tag) for f in found], [len(f) for f in found])[order])

    def text(column: int):
        return pd.array(pa.array([tag[column] for tag in tags]).take(codes), dtype="str")
    return pd.DataFrame({
        "session_id": session[order],
        "rule": text(0), "vital": text(1), "level": text(2), "priority": text(3),
        "started_at": _utc(started[order]),
        "ended_at": _utc(np.concatenate([f.ended for f in found])[order]),
        "peak_value": np.concatenate([f.peak for f in found])[order],
        "message": text(4),
    })


@dataclass(frozen=True)
class Prepared:
    """Readings sorted and split per vital once, so several protocols can be evaluated cheaply."""

    frame: pd.DataFrame
    sessions: pd.DataFrame
    session: np.ndarray
    times: np.ndarray
    starts: np.ndarray  # infusion start per reading (int64 ns; far future when not started)
    discharged: np.ndarray  # discharge per reading (far future when not yet)
    series: dict[str, Series]


def _sorted(session: np.ndarray, times: np.ndarray) -> bool:
    if not np.issubdtype(session.dtype, np.number) or len(session) < 2:
        return False
    step = np.diff(session)
    return bool(np.all((step > 0) | ((step == 0) & (np.diff(times) >= 0))))


def prepare(readings: pd.DataFrame, sessions: pd.DataFrame) -> Prepared:
    session = readings["session_id"].to_numpy()
    times = _ns(readings["measured_at"])
    if _sorted(session, times):
        frame = readings.reset_index(drop=True)
    else:
        frame = readings.sort_values(["session_id", "measured_at"], kind="stable").reset_index(drop=True)
        session, times = frame["session_id"].to_numpy(), _ns(frame["measured_at"])
    every_row = _series(session, times, np.empty(0), np.arange(len(frame)))
    series = {}
    for key in VITAL_KEYS:
        if key in frame:
            values = frame[key].to_numpy(dtype="float64")
            keep = ~np.isnan(values)
            if keep.all():  # nothing missing: share the session, time and row arrays
                series[key] = Series(session, times, values, every_row.row, every_row.new_session)
            elif keep.any():
                series[key] = _series(session[keep], times[keep], values[keep], np.flatnonzero(keep))
    return Prepared(frame, sessions, session, times, _per_row(frame, sessions, "infusion_started_at"),
                    _per_row(frame, sessions, "discharged_at"), series)


def evaluate(readings: pd.DataFrame, sessions: pd.DataFrame, protocol: Protocol,
             now: pd.Timestamp | None = None) -> pd.DataFrame:
    """All alert episodes of the given sessions under one protocol.

    readings: session_id, measured_at (UTC) and vitals (NaN = not measured), readings in force only.
    sessions: session_id, infusion_started_at, infusion_stopped_at, optional discharged_at (NaT when not yet).
    now: evaluation time for 'BP overdue' (default: each session's last reading).
    Episodes still active at the last reading have ended_at NaT.
    """
    return evaluate_prepared(prepare(readings, sessions), protocol, now)


def evaluate_prepared(prep: Prepared, protocol: Protocol, now: pd.Timestamp | None = None,
                      memo: dict | None = None) -> pd.DataFrame:
    """evaluate() on prepared readings. Pass the same memo for several protocols over the same readings:
    a rule whose parameters did not change is then computed once (what-if drafts change a few numbers)."""
    memo = {} if memo is None else memo

    def once(rule_key: tuple, compute, *args):
        if rule_key not in memo:
            memo[rule_key] = compute(*args)
        return memo[rule_key]

    found: list[Episodes] = []
    active_by_vital: dict[str, tuple] = {}
    for key, s in prep.series.items():
        label = VITAL_BY_KEY[key].short
        any_active = np.zeros(len(s.value), dtype=bool)
        limits = protocol.limits.get(key)
        if limits is not None:
            for level in ("warning", "critical"):
                low = _limit(getattr(limits, f"{level}_low"), -np.inf)
                high = _limit(getattr(limits, f"{level}_high"), np.inf)
                persistence = protocol.persistence.get(level, Persistence())
                episodes, active = once(
                    ("limit", key, level, low, high, protocol.margin(key), persistence.readings, persistence.minutes),
                    _limit_rule, s, key, level, label, low, high, protocol.margin(key), persistence)
                if active is not None:
                    any_active |= active
                    found.append(episodes)
        change = protocol.baseline_change.get(key)
        if change is not None:
            warning = protocol.persistence.get("warning", Persistence())
            found.append(once(("baseline", key, change.rise_abs, change.rise_pct, change.fall_pct,
                               protocol.margin(key), warning.readings, warning.minutes),
                              _baseline_rule, s, prep.starts, change, protocol, key, label))
        active_by_vital[key] = (s, any_active)

    found.append(_escalation(prep.frame, prep.session, prep.times, active_by_vital, protocol))
    caution = protocol.pre_dose_caution
    found.append(once(("pre_dose", caution.sbp, caution.dbp),
                      lambda: _pre_dose(prep.frame, prep.session, prep.times, prep.starts, protocol)))
    found.append(once(("overdue", protocol.bp_interval_min, now), lambda: _overdue(prep, protocol, now)))
    found = [f for f in map(_as_episodes, found) if len(f)]
    if not found:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    # Stable by session and start: within that, the rule order above (vitals, escalation, pre-dose, overdue).
    return _end_at_discharge(_alert_frame(found), prep.sessions)


def _end_at_discharge(result: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    """Episodes still open when the patient left end at the discharge time: none stays 'active' after."""
    if "discharged_at" not in sessions or sessions["discharged_at"].isna().all():
        return result
    never = np.iinfo("int64").max
    discharged = _ns(sessions["discharged_at"], missing=never)
    where = pd.Index(sessions["session_id"].to_numpy()).get_indexer(result["session_id"].to_numpy())
    at = np.where(where >= 0, discharged[where], never)
    started, ended = _ns(result["started_at"]), _ns(result["ended_at"], missing=never)
    open_at_discharge = (at < never) & (started <= at) & (ended > at)
    if open_at_discharge.any():
        result = result.assign(ended_at=_utc(np.where(open_at_discharge, at, _ns(result["ended_at"]))))
    return result


def _limit_rule(s: Series, key: str, level: str, label: str, low: float, high: float, margin: float,
                persistence: Persistence) -> tuple[Episodes, np.ndarray | None]:
    active, deviation = _threshold_rule(s, low, high, margin, persistence)
    if deviation is None:
        return NO_EPISODES, None
    return _tag(_episodes(s, active, deviation), "limit", key, level,
                f"{label} {'beyond' if level == 'critical' else 'outside'} the {level} limits"), active


def _baseline_rule(s: Series, starts: np.ndarray, change, protocol: Protocol, key: str, label: str):
    start_ns = starts[s.row]  # infusion start (int64 ns) at each of this vital's readings
    begins = np.flatnonzero(s.new_session)
    readings = np.diff(np.r_[begins, len(s.value)])
    baseline = _baseline(s, start_ns, begins)  # the limits are worked out once per session, then repeated
    high = np.full(len(baseline), np.inf)
    if change.rise_abs:
        high = np.fmin(high, baseline + change.rise_abs)
    if change.rise_pct:
        high = np.fmin(high, baseline * (1 + change.rise_pct / 100))
    low = baseline * (1 - change.fall_pct / 100) if change.fall_pct else np.full(len(baseline), -np.inf)
    # No baseline, or before the infusion: the rule has nothing to compare with.
    usable = (s.time >= start_ns) & np.repeat(~np.isnan(baseline), readings)
    if not usable.any():
        return NO_EPISODES
    high = np.where(usable, np.repeat(high, readings), np.inf)
    low = np.where(usable, np.repeat(low, readings), -np.inf)
    active, deviation = _threshold_rule(s, low, high, protocol.margin(key),
                                        protocol.persistence.get("warning", Persistence()))
    if deviation is None:
        return NO_EPISODES
    return _tag(_episodes(s, active, deviation), "baseline_change", key, "baseline",
                f"{label} changed from the pre-infusion baseline")


def _per_row(frame: pd.DataFrame, sessions: pd.DataFrame, column: str) -> np.ndarray:
    """A session attribute (a time) for every reading row, as int64 ns; absent = far future."""
    if column not in sessions:
        return np.full(len(frame), np.iinfo("int64").max)
    values = _ns(sessions[column], missing=np.iinfo("int64").max)
    return _lookup(sessions["session_id"].to_numpy(), values, frame["session_id"].to_numpy(),
                   missing=np.iinfo("int64").max)


def _lookup(keys: np.ndarray, values: np.ndarray, wanted: np.ndarray, missing):
    """values[keys == w] for every w in wanted (sorted by session), `missing` where a key is absent.

    One hash lookup per session, then repeated over the session's readings."""
    if not len(wanted):
        return np.full(0, missing)
    begins = np.flatnonzero(_new_session(wanted))
    at = pd.Index(keys).get_indexer(wanted[begins])
    per_session = np.where(at >= 0, values[at], missing)
    return np.repeat(per_session, np.diff(np.r_[begins, len(wanted)]))


def _ns(times: pd.Series, missing: int = np.iinfo("int64").min) -> np.ndarray:
    """UTC times as int64 nanoseconds since the epoch (pandas may hold them in other units)."""
    values = pd.DatetimeIndex(pd.to_datetime(times, utc=True)).as_unit("ns")
    return np.where(values.isna(), missing, values.asi8) if values.hasnans else values.asi8


def _baseline(s: Series, start_ns: np.ndarray, begins: np.ndarray) -> np.ndarray:
    """Median of each session's readings before infusion start, one per session (begins: its first
    reading; NaN if none)."""
    before = s.time < start_ns
    if not before.any():
        return np.full(len(begins), np.nan)
    medians = pd.Series(s.value[before]).groupby(s.session[before]).median()
    at = medians.index.get_indexer(s.session[begins])
    return np.where(at >= 0, medians.to_numpy(dtype="float64")[at], np.nan)


def session_baselines(readings: pd.DataFrame, started_at) -> dict[str, float]:
    """One session's baseline per vital, as the baseline-change rule takes it: the median of its readings before
    the infusion start (vitals with no such reading, or no start yet, are left out).

    readings: measured_at (UTC) and vital columns, NaN = not measured."""
    if started_at is None or readings.empty:
        return {}
    times = _ns(readings["measured_at"])
    moment = pd.Timestamp(started_at)
    start = np.full(len(times), (moment if moment.tzinfo else moment.tz_localize("UTC")).as_unit("ns").value)
    found = {}
    for key in VITAL_KEYS:
        if key not in readings:
            continue
        values = readings[key].to_numpy(dtype="float64")
        keep = ~np.isnan(values)
        if not keep.any():
            continue
        s = _series(np.zeros(int(keep.sum()), dtype="int64"), times[keep], values[keep], np.flatnonzero(keep))
        value = _baseline(s, start[keep], np.array([0]))[0]
        if not np.isnan(value):
            found[key] = float(value)
    return found


def _escalation(frame, session, times, active_by_vital, protocol) -> Episodes:
    """Readings at which enough vitals are outside their limits at once (each holds its state until
    it is measured again)."""
    if len(active_by_vital) < protocol.escalate_when_warnings:
        return NO_EPISODES
    n = len(frame)
    starts = _new_session(session)
    count = np.zeros(n, dtype=np.int16)
    for s, active in active_by_vital.values():
        if not active.any():
            continue
        measured = np.zeros(n, dtype=bool)
        measured[s.row] = True
        state = np.zeros(n, dtype=bool)
        state[s.row] = active
        count += state[_last_event(measured | starts)]
    enter = count >= protocol.escalate_when_warnings
    if not enter.any():
        return NO_EPISODES
    s = Series(session, times, count.astype("float64"), np.arange(n), starts)
    active = _hold_state(starts, enter, ~enter)
    return _tag(_episodes(s, active, lambda at: count[at].astype("float64")), "multiple_warnings", "several",
                "escalation", f"{protocol.escalate_when_warnings} or more vitals outside their limits at once")


def _pre_dose(frame, session, times, starts, protocol) -> Episodes:
    if "sbp" not in frame or "dbp" not in frame:
        return NO_EPISODES
    caution = protocol.pre_dose_caution
    sbp, dbp = frame["sbp"].to_numpy(dtype="float64"), frame["dbp"].to_numpy(dtype="float64")
    keep = ~np.isnan(sbp) & (times < starts)
    if not keep.any():
        return NO_EPISODES
    s = _series(session[keep], times[keep], sbp[keep], np.flatnonzero(keep))
    enter = (sbp[keep] > caution.sbp) | (dbp[keep] > caution.dbp)
    active = _hold_state(s.new_session, enter, ~enter)
    return _tag(_episodes(s, active, lambda at: s.value[at]), "pre_dose_caution", "bp", "pre_dose",
                f"pre-infusion BP above {caution.sbp:g}/{caution.dbp:g}: review before dosing")


def _overdue(prep: Prepared, protocol: Protocol, now) -> Episodes:
    """Gaps longer than the BP interval between infusion start and discharge (or the evaluation time)."""
    frame, session, times, starts = prep.frame, prep.session, prep.times, prep.starts
    if "sbp" not in frame:
        return NO_EPISODES
    never = np.iinfo("int64").max
    interval = int(protocol.bp_interval_min * NS_PER_MIN)
    until = prep.discharged
    # the end of what is known: each session's last reading (or `now`), or discharge if earlier
    new = _new_session(session)
    last_time = np.maximum.reduceat(times, np.flatnonzero(new)) if len(times) else times
    view = np.repeat(last_time, np.diff(np.r_[np.flatnonzero(new), len(times)])) if now is None \
        else np.full(len(times), pd.Timestamp(now).value)
    end_of_view = np.minimum(until, view)
    started = starts < never
    has_bp = ~np.isnan(frame["sbp"].to_numpy(dtype="float64")) & started & (times >= starts) & \
        (times <= end_of_view)
    first = np.flatnonzero(new & started)
    bp_rows = np.flatnonzero(has_bp)
    # marks: each started session's infusion start, then its BP times (all at or after the start), in row
    # order: the start goes just before the session's first BP
    at = np.searchsorted(bp_rows, first)
    mark_session = np.insert(session[bp_rows], at, session[first])
    mark_time = np.insert(times[bp_rows], at, starts[first])
    mark_end = np.insert(end_of_view[bp_rows], at, end_of_view[first])
    if not len(mark_time):
        return NO_EPISODES
    last = np.r_[mark_session[1:] != mark_session[:-1], True]
    following = np.where(last, mark_end, np.r_[mark_time[1:], 0])
    late = following - mark_time > interval
    if not late.any():
        return NO_EPISODES
    found = Episodes(mark_session[late], mark_time[late] + interval, np.where(last[late], NAT, following[late]),
                     (following[late] - mark_time[late]) / NS_PER_MIN)
    return _tag(found, "bp_overdue", "bp", "overdue",
                f"no blood pressure for more than {protocol.bp_interval_min:g} min")
