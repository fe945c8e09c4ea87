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
    new_session: np.ndarray  # True at each session's first reading


def _series(session: np.ndarray, time: np.ndarray, value: np.ndarray, row: np.ndarray) -> Series:
    return Series(session, time, value, row, _new_session(session))


def _new_session(session: np.ndarray) -> np.ndarray:
    flags = np.ones(len(session), dtype=bool)
    flags[1:] = session[1:] != session[:-1]
    return flags


def _last_event(event: np.ndarray) -> np.ndarray:
    """For every position, the position of the latest True at or before it (callers make position 0 True)."""
    return np.maximum.accumulate(np.where(event, np.arange(len(event)), 0))


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
    count = np.arange(len(enter)) - first + 1
    held = count >= persistence.readings
    if persistence.minutes is not None:
        held |= (s.time - s.time[first]) >= persistence.minutes * NS_PER_MIN
    return enter & held


EMPTY_EPISODES = ["session_id", "started_at", "ended_at", "peak_value"]


def _episodes(s: Series, active: np.ndarray, deviation) -> pd.DataFrame:
    """Runs of active readings per session: start time, time of the reading that cleared it, peak value.

    deviation(positions) says how far each of those readings is beyond the rule (the peak is the largest).
    """
    idx = np.flatnonzero(active)
    if not len(idx):
        return pd.DataFrame(columns=EMPTY_EPISODES)
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
    nat = np.datetime64("NaT").astype("int64")
    return pd.DataFrame({
        "session_id": s.session[first_pos],
        "started_at": _utc(s.time[first_pos]),
        "ended_at": _utc(np.where(closed, s.time[after], nat)),
        "peak_value": s.value[peak_pos],
    })


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


def _tag(frame: pd.DataFrame, rule: str, vital: str, level: str, message: str) -> pd.DataFrame:
    return frame.assign(rule=rule, vital=vital, level=level, priority=PRIORITY[level], message=message)


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


def _sorted(readings: pd.DataFrame) -> bool:
    session = readings["session_id"].to_numpy()
    if not np.issubdtype(session.dtype, np.number) or len(session) < 2:
        return False
    times = _ns(readings["measured_at"])
    step = np.diff(session)
    return bool(np.all((step > 0) | ((step == 0) & (np.diff(times) >= 0))))


def prepare(readings: pd.DataFrame, sessions: pd.DataFrame) -> Prepared:
    frame = readings.reset_index(drop=True) if _sorted(readings) else \
        readings.sort_values(["session_id", "measured_at"], kind="stable").reset_index(drop=True)
    session = frame["session_id"].to_numpy()
    times = _ns(frame["measured_at"])
    series = {}
    for key in VITAL_KEYS:
        if key in frame:
            values = frame[key].to_numpy(dtype="float64")
            keep = ~np.isnan(values)
            if keep.any():
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

    def once(rule_key: tuple, compute):
        if rule_key not in memo:
            memo[rule_key] = compute()
        return memo[rule_key]

    found: list[pd.DataFrame] = []
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
                    lambda: _limit_rule(s, key, level, label, low, high, protocol.margin(key), persistence))
                if active is not None:
                    any_active |= active
                    found.append(episodes)
        change = protocol.baseline_change.get(key)
        if change is not None:
            warning = protocol.persistence.get("warning", Persistence())
            found.append(once(("baseline", key, change.rise_abs, change.rise_pct, change.fall_pct,
                               protocol.margin(key), warning.readings, warning.minutes),
                              lambda: _baseline_rule(s, prep.starts[s.row], change, protocol, key, label)))
        active_by_vital[key] = (s, any_active)

    found.append(_escalation(prep.frame, prep.session, prep.times, active_by_vital, protocol))
    caution = protocol.pre_dose_caution
    found.append(once(("pre_dose", caution.sbp, caution.dbp),
                      lambda: _pre_dose(prep.frame, prep.session, prep.times, prep.starts, protocol)))
    found.append(once(("overdue", protocol.bp_interval_min, now), lambda: _overdue(prep, protocol, now)))
    found = [f for f in found if len(f)]
    if not found:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    result = _end_at_discharge(pd.concat(found, ignore_index=True)[ALERT_COLUMNS], prep.sessions)
    # Stable by session and start: within that, the rule order above (vitals, escalation, pre-dose, overdue).
    session_key = pd.factorize(result["session_id"], sort=True)[0]
    order = np.lexsort((_ns(result["started_at"]), session_key))
    return result.take(order).reset_index(drop=True)


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
                persistence: Persistence) -> tuple[pd.DataFrame, np.ndarray | None]:
    active, deviation = _threshold_rule(s, low, high, margin, persistence)
    if deviation is None:
        return pd.DataFrame(columns=ALERT_COLUMNS), None
    return _tag(_episodes(s, active, deviation), "limit", key, level,
                f"{label} {'beyond' if level == 'critical' else 'outside'} the {level} limits"), active


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
    if deviation is None:
        return pd.DataFrame(columns=ALERT_COLUMNS)
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
    values = pd.to_datetime(times, utc=True).dt.as_unit("ns").dt.tz_localize(None)
    return np.where(values.isna().to_numpy(), missing, values.to_numpy().view("int64"))


def _baseline(s: Series, start_ns: np.ndarray) -> np.ndarray:
    """Median of each session's readings before infusion start, for every reading (NaN if none)."""
    before = s.time < start_ns
    if not before.any():
        return np.full(len(s.value), np.nan)
    medians = pd.Series(s.value[before]).groupby(s.session[before]).median()
    return _lookup(medians.index.to_numpy(), medians.to_numpy(dtype="float64"), s.session, np.nan)


def _escalation(frame, session, times, active_by_vital, protocol) -> pd.DataFrame:
    """Readings at which enough vitals are outside their limits at once (each holds its state until
    it is measured again)."""
    if len(active_by_vital) < protocol.escalate_when_warnings:
        return pd.DataFrame(columns=ALERT_COLUMNS)
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
        return pd.DataFrame(columns=ALERT_COLUMNS)
    s = Series(session, times, count.astype("float64"), np.arange(n), starts)
    active = _hold_state(starts, enter, ~enter)
    return _tag(_episodes(s, active, lambda at: count[at].astype("float64")), "multiple_warnings", "several",
                "escalation", f"{protocol.escalate_when_warnings} or more vitals outside their limits at once")


def _pre_dose(frame, session, times, starts, protocol) -> pd.DataFrame:
    if "sbp" not in frame or "dbp" not in frame:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    caution = protocol.pre_dose_caution
    sbp, dbp = frame["sbp"].to_numpy(dtype="float64"), frame["dbp"].to_numpy(dtype="float64")
    keep = ~np.isnan(sbp) & (times < starts)
    if not keep.any():
        return pd.DataFrame(columns=ALERT_COLUMNS)
    s = _series(session[keep], times[keep], sbp[keep], np.flatnonzero(keep))
    enter = (sbp[keep] > caution.sbp) | (dbp[keep] > caution.dbp)
    active = _hold_state(s.new_session, enter, ~enter)
    return _tag(_episodes(s, active, lambda at: s.value[at]), "pre_dose_caution", "bp", "pre_dose",
                f"pre-infusion BP above {caution.sbp:g}/{caution.dbp:g}: review before dosing")


def _overdue(prep: Prepared, protocol: Protocol, now) -> pd.DataFrame:
    """Gaps longer than the BP interval between infusion start and discharge (or the evaluation time)."""
    frame, session, times, starts = prep.frame, prep.session, prep.times, prep.starts
    if "sbp" not in frame:
        return pd.DataFrame(columns=ALERT_COLUMNS)
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
    first = new & started
    # marks: each started session's infusion start, then its BP times; sorted by session and time
    mark_session = np.r_[session[first], session[has_bp]]
    mark_time = np.r_[starts[first], times[has_bp]]
    mark_end = np.r_[end_of_view[first], end_of_view[has_bp]]
    order = np.lexsort((mark_time, mark_session))
    mark_session, mark_time, mark_end = mark_session[order], mark_time[order], mark_end[order]
    if not len(mark_time):
        return pd.DataFrame(columns=ALERT_COLUMNS)
    last = np.r_[mark_session[1:] != mark_session[:-1], True]
    following = np.where(last, mark_end, np.r_[mark_time[1:], 0])
    late = following - mark_time > interval
    if not late.any():
        return pd.DataFrame(columns=ALERT_COLUMNS)
    begin = mark_time[late] + interval
    frame_out = pd.DataFrame({
        "session_id": mark_session[late],
        "started_at": _utc(begin),
        "ended_at": _utc(np.where(last[late], np.datetime64("NaT").astype("int64"), following[late])),
        "peak_value": (following[late] - mark_time[late]) / NS_PER_MIN,
    })
    return _tag(frame_out, "bp_overdue", "bp", "overdue",
                f"no blood pressure for more than {protocol.bp_interval_min:g} min")
