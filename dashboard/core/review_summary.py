"""A session read at a glance for review: baseline, extremes, time beyond each threshold, return to baseline,
the REMS pressures, minutes monitored, discharge readiness, side effects and sedation/dissociation scores."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from dashboard.core.alerts import session_baselines
from dashboard.core.protocol import Protocol
from dashboard.core.rems import POINT_LABELS, POINTS, missing_points, rems_pressures
from dashboard.core.sessions import Session
from dashboard.core.vitals import VITAL_BY_KEY, VITAL_KEYS

# "Back near baseline": within 20 % of the pre-infusion baseline, the band the modified Aldrete score and the
# PADSS discharge criteria use for blood pressure and pulse before a patient leaves.
NEAR_BASELINE_PCT = 20.0
RETURN_VITALS = ("sbp", "dbp", "hr")
PEAK_VITALS = ("sbp", "dbp", "hr")
LIMIT_NAMES = ("critical_low", "warning_low", "warning_high", "critical_high")
SEVERITY_RANK = {"mild": 1, "moderate": 2, "severe": 3}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Moment(_Model):
    """A value and when it was measured (UTC)."""

    value: float
    at: datetime


class ThresholdTime(_Model):
    """Minutes a vital spent beyond one of the protocol's limits (each reading holds until the next one)."""

    vital: str
    level: str  # warning | critical
    side: str  # low | high
    limit: float
    minutes: float

    @property
    def label(self) -> str:
        vital = VITAL_BY_KEY[self.vital]
        return f"{vital.short} {'below' if self.side == 'low' else 'above'} {self.limit:g} {vital.unit} ({self.level})"


class BaselineReturn(_Model):
    """After a vital's peak, the first reading back within NEAR_BASELINE_PCT of its baseline."""

    vital: str
    baseline: float | None
    peak: Moment | None
    state: str  # no_baseline | no_readings | stayed_near | back | not_back
    back_at: datetime | None = None
    minutes_after_peak: float | None = None
    minutes_from_start: float | None = None


class RemsPoint(_Model):
    point: str  # one of dashboard.core.rems.POINTS
    label: str
    reading_id: int | None = None
    at: datetime | None = None
    sbp: float | None = None
    dbp: float | None = None

    @property
    def text(self) -> str:
        return "missing" if self.sbp is None else f"{self.sbp:.0f}/{self.dbp:.0f}"


class Readiness(_Model):
    """Whether the patient could leave at `at` (the discharge, or now while not discharged), and why not."""

    ok: bool
    at: datetime
    reasons: list[str]


class EventItem(_Model):
    at: datetime
    kind: str
    label: str
    severity: str | None = None
    score: int | None = None


class ScoreSummary(_Model):
    """A scale recorded during the session (MOAA/S: lower is deeper sedation; CADSS: higher is more dissociation)."""

    count: int
    lowest: Moment | None = None
    highest: Moment | None = None
    last: Moment | None = None


class AlertCounts(_Model):
    events: int  # not withdrawn
    high: int
    medium: int
    unacknowledged_high: int
    withdrawn: int


class ReviewSummary(_Model):
    session_code: str
    patient_code: str
    protocol: str
    status: str
    readings: int
    baseline: dict[str, float]
    peaks: dict[str, Moment]
    lowest_spo2: Moment | None
    beyond: list[ThresholdTime]
    returns: list[BaselineReturn]
    rems: list[RemsPoint]
    rems_missing: list[str]
    monitored_minutes: float | None
    monitored_until: str | None  # "discharge" | "last reading" (still open) | None (not started)
    alerts: AlertCounts
    readiness: Readiness
    side_effects: list[EventItem]
    moaa_s: ScoreSummary
    cadss: ScoreSummary
    near_baseline_pct: float = NEAR_BASELINE_PCT

    def as_json(self) -> dict:
        """Plain JSON types (times as ISO 8601 UTC), for the command line and the exports."""
        return self.model_dump(mode="json")


def _utc(moment) -> pd.Timestamp | None:
    """An aware UTC Timestamp from a datetime, a Timestamp or int64 ns (None for a missing time)."""
    if moment is None or pd.isna(moment):
        return None
    moment = pd.Timestamp(moment, tz="UTC") if isinstance(moment, (int, np.integer)) else pd.Timestamp(moment)
    return moment.tz_localize("UTC") if moment.tzinfo is None else moment.tz_convert("UTC")


def _py(moment) -> datetime:
    return _utc(moment).to_pydatetime()


def _series(readings: pd.DataFrame, key: str) -> tuple[np.ndarray, np.ndarray]:
    """(times as int64 ns since the epoch, UTC; values) of one vital's measured values, in time order."""
    if key not in readings or readings.empty:
        return np.empty(0, dtype="int64"), np.empty(0)
    frame = readings[["measured_at", key]].dropna().sort_values("measured_at", kind="stable")
    return (pd.DatetimeIndex(pd.to_datetime(frame["measured_at"], utc=True)).as_unit("ns").asi8,
            frame[key].to_numpy(dtype="float64"))


def _ns(moment) -> int:
    return _utc(moment).as_unit("ns").value


def _minutes(a, b) -> float:
    """Minutes from a to b (times, or int64 ns)."""
    a = a if isinstance(a, (int, np.integer)) else _ns(a)
    b = b if isinstance(b, (int, np.integer)) else _ns(b)
    return float((b - a) / 60e9)


def _near(value: float, baseline: float) -> bool:
    return abs(value - baseline) <= abs(baseline) * NEAR_BASELINE_PCT / 100


def near_range(baseline: float) -> tuple[float, float]:
    band = abs(baseline) * NEAR_BASELINE_PCT / 100
    return baseline - band, baseline + band


def extremes(readings: pd.DataFrame) -> tuple[dict[str, Moment], Moment | None]:
    """The highest SBP, DBP and HR and the lowest SpO2 of the session, each at the first time it was reached."""
    peaks = {}
    for key in PEAK_VITALS:
        times, values = _series(readings, key)
        if len(values):
            i = int(np.argmax(values))
            peaks[key] = Moment(value=float(values[i]), at=_py(times[i]))
    times, values = _series(readings, "spo2")
    lowest = None
    if len(values):
        i = int(np.argmin(values))
        lowest = Moment(value=float(values[i]), at=_py(times[i]))
    return peaks, lowest


def minutes_beyond(readings: pd.DataFrame, protocol: Protocol, until=None) -> list[ThresholdTime]:
    """Minutes beyond each limit the protocol sets, per measured vital. A reading holds until the next reading of
    the same vital; the last one until `until` (the discharge) when that is later, else it counts for nothing."""
    end = _utc(until)
    out = []
    for key in VITAL_KEYS:
        limits = protocol.limits.get(key)
        if limits is None:
            continue
        times, values = _series(readings, key)
        if not len(values):
            continue  # not measured: no time beyond anything to report
        held = np.zeros(len(values))
        held[:-1] = np.diff(times) / 60e9
        if end is not None and _ns(end) > times[-1]:
            held[-1] = _minutes(int(times[-1]), end)
        for name in LIMIT_NAMES:
            limit = getattr(limits, name)
            if limit is None:
                continue
            level, side = name.split("_")
            beyond = values < limit if side == "low" else values > limit
            out.append(ThresholdTime(vital=key, level=level, side=side, limit=float(limit),
                                     minutes=round(float(held[beyond].sum()), 2)))
    return out


def baseline_returns(readings: pd.DataFrame, baseline: dict[str, float], started_at=None) -> list[BaselineReturn]:
    """For SBP, DBP and HR: after the peak, the first reading back within NEAR_BASELINE_PCT of the baseline."""
    out = []
    start = _utc(started_at)
    for key in RETURN_VITALS:
        times, values = _series(readings, key)
        base = baseline.get(key)
        if not len(values):
            out.append(BaselineReturn(vital=key, baseline=base, peak=None, state="no_readings"))
            continue
        i = int(np.argmax(values))
        peak = Moment(value=float(values[i]), at=_py(times[i]))
        if base is None:
            out.append(BaselineReturn(vital=key, baseline=None, peak=peak, state="no_baseline"))
            continue
        if _near(values[i], base):
            out.append(BaselineReturn(vital=key, baseline=base, peak=peak, state="stayed_near"))
            continue
        low, high = near_range(base)
        later = np.flatnonzero((values[i + 1:] >= low) & (values[i + 1:] <= high))
        if not len(later):
            out.append(BaselineReturn(vital=key, baseline=base, peak=peak, state="not_back"))
            continue
        back = int(times[i + 1 + later[0]])
        out.append(BaselineReturn(vital=key, baseline=base, peak=peak, state="back", back_at=_py(back),
                                  minutes_after_peak=round(_minutes(int(times[i]), back), 2),
                                  minutes_from_start=None if start is None else round(_minutes(start, back), 2)))
    return out


def monitored(readings: pd.DataFrame, session: Session) -> tuple[float | None, str | None]:
    """Total minutes monitored, as the REMS form asks: from the infusion start (dosing) to the discharge; while
    the patient is not discharged yet, to the last reading so far."""
    start = _utc(session.infusion_started_at)
    if start is None:
        return None, None
    if session.discharged_at is not None:
        return round(_minutes(start, _utc(session.discharged_at)), 2), "discharge"
    if readings.empty:
        return 0.0, "last reading"
    last = pd.to_datetime(readings["measured_at"], utc=True).max()
    return round(max(_minutes(start, last), 0.0), 2), "last reading"


def _clock(moment, tz: str) -> str:
    return f"{_utc(moment).tz_convert(ZoneInfo(tz)):%H:%M}"


def _alert_rows(alert_events: pd.DataFrame) -> pd.DataFrame:
    if alert_events is None or alert_events.empty:
        return pd.DataFrame(columns=["started_at", "ended_at", "priority", "withdrawn_at", "acked_at", "summary"])
    return alert_events


def alert_counts(alert_events: pd.DataFrame) -> AlertCounts:
    events = _alert_rows(alert_events)
    live = events[events["withdrawn_at"].isna()]
    high = live[live["priority"] == "high"]
    return AlertCounts(events=len(live), high=len(high), medium=int((live["priority"] == "medium").sum()),
                       unacknowledged_high=int(high["acked_at"].isna().sum()), withdrawn=len(events) - len(live))


def readiness(session: Session, protocol: Protocol, readings: pd.DataFrame, baseline: dict[str, float],
              alert_events: pd.DataFrame, now: datetime, tz: str) -> Readiness:
    """Could the patient leave at the discharge (or now, while not discharged)? Vitals back within
    NEAR_BASELINE_PCT of the baseline at the last reading, no alert active then, no high-priority alert left
    unacknowledged, the infusion stopped and the protocol's minimum observation over."""
    at = _utc(session.discharged_at) if session.discharged_at is not None else _utc(now)
    reasons: list[str] = []
    upto = readings[pd.to_datetime(readings["measured_at"], utc=True) <= at] if len(readings) else readings
    if not baseline:
        reasons.append("no pre-infusion reading: the vitals cannot be compared with a baseline")
    for key in RETURN_VITALS:
        base = baseline.get(key)
        times, values = _series(upto, key)
        if base is None or not len(values):
            continue
        if not _near(values[-1], base):
            low, high = near_range(base)
            vital = VITAL_BY_KEY[key]
            reasons.append(f"{vital.short} {values[-1]:g} at {_clock(int(times[-1]), tz)} is not back near the baseline "
                           f"{base:g} (within {NEAR_BASELINE_PCT:g}%: {low:.0f}-{high:.0f} {vital.unit})")
    events = _alert_rows(alert_events)
    live = events[events["withdrawn_at"].isna()]
    for row in live.itertuples():
        started, ended = _utc(row.started_at), _utc(row.ended_at)
        if started <= at and (ended is None or ended >= at):
            when = "at discharge" if session.discharged_at is not None else "now"
            reasons.append(f"alert active {when}: {row.summary} (since {_clock(started, tz)})")
    for row in live[(live["priority"] == "high") & live["acked_at"].isna()].itertuples():
        reasons.append(f"high-priority alert since {_clock(row.started_at, tz)} not acknowledged "
                       f"({str(row.summary).split(': ', 1)[-1]})")
    if session.infusion_started_at is None:
        reasons.append("the infusion was never started")
    elif session.infusion_stopped_at is None:
        reasons.append("the infusion was not stopped")
    earliest = protocol.earliest_discharge(session.infusion_started_at, session.infusion_stopped_at)
    if earliest is not None and at < _utc(earliest):
        since = "stop" if protocol.min_observation_from == "infusion_stop" else "start"
        left = _minutes(at, _utc(earliest))
        verb = "discharged" if session.discharged_at is not None else "now"
        reasons.append(f"{verb} {_clock(at, tz)}: the protocol observes at least {protocol.min_observation_min:g} "
                       f"min after infusion {since}, not before {_clock(earliest, tz)} ({left:.0f} min short)")
    return Readiness(ok=not reasons, at=at.to_pydatetime(), reasons=reasons)


def _event_items(events: pd.DataFrame, kind: str) -> list[EventItem]:
    if events is None or events.empty:
        return []
    chosen = events[events["kind"] == kind].sort_values("occurred_at", kind="stable")
    return [EventItem(at=_py(r.occurred_at), kind=r.kind, label=str(r.label),
                      severity=r.severity if isinstance(r.severity, str) else None,
                      score=None if pd.isna(r.score) else int(r.score)) for r in chosen.itertuples()]


def score_summary(events: pd.DataFrame, kind: str) -> ScoreSummary:
    items = [e for e in _event_items(events, kind) if e.score is not None]
    if not items:
        return ScoreSummary(count=0)
    scores = [e.score for e in items]
    lowest, highest = items[int(np.argmin(scores))], items[int(np.argmax(scores))]
    return ScoreSummary(count=len(items), lowest=Moment(value=lowest.score, at=lowest.at),
                        highest=Moment(value=highest.score, at=highest.at),
                        last=Moment(value=items[-1].score, at=items[-1].at))


def rems_points(readings: pd.DataFrame, session: Session) -> tuple[list[RemsPoint], list[str]]:
    pressures = rems_pressures(readings, session.infusion_started_at, session.infusion_stopped_at,
                               session.discharged_at) if len(readings) else dict.fromkeys(POINTS)
    points = []
    for point in POINTS:
        p = pressures.get(point)
        points.append(RemsPoint(point=point, label=POINT_LABELS[point]) if p is None else
                      RemsPoint(point=point, label=POINT_LABELS[point], reading_id=p.reading_id, at=_py(p.measured_at),
                                sbp=p.sbp, dbp=p.dbp))
    return points, missing_points(pressures)


def summarise(session: Session, protocol: Protocol, readings: pd.DataFrame, events: pd.DataFrame,
              alert_events: pd.DataFrame, *, now: datetime, tz: str) -> ReviewSummary:
    """The review summary of one session.

    readings: its readings in force (id, measured_at UTC, vitals; NaN = not measured). events: its side effects
    and scores (kind, label, score, severity, occurred_at). alert_events: its alert events (started_at,
    ended_at, priority, withdrawn_at, acked_at, summary). now: the time readiness is judged at while the
    patient is not discharged. tz: the clinic's zone, for the times named in the reasons."""
    baseline = session_baselines(readings, session.infusion_started_at)
    peaks, lowest = extremes(readings)
    rems, rems_missing = rems_points(readings, session)
    minutes, until = monitored(readings, session)
    return ReviewSummary(
        session_code=session.code, patient_code=session.patient_code, protocol=f"{protocol.name} v{protocol.version}",
        status=session.status, readings=len(readings), baseline=baseline, peaks=peaks, lowest_spo2=lowest,
        beyond=minutes_beyond(readings, protocol, session.discharged_at),
        returns=baseline_returns(readings, baseline, session.infusion_started_at),
        rems=rems, rems_missing=rems_missing, monitored_minutes=minutes, monitored_until=until,
        alerts=alert_counts(alert_events),
        readiness=readiness(session, protocol, readings, baseline, alert_events, now, tz),
        side_effects=_event_items(events, "side_effect"), moaa_s=score_summary(events, "moaa_s"),
        cadss=score_summary(events, "cadss"))


def worst_severity(items: list[EventItem]) -> str | None:
    graded = [e.severity for e in items if e.severity in SEVERITY_RANK]
    return max(graded, key=SEVERITY_RANK.get) if graded else None
