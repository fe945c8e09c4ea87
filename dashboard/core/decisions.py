"""Decision points of a training scenario: every alert the protocol raises, and chosen quiet moments, each
with the good responses, how soon they are due (replay minutes) and why."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from dashboard.core.alert_events import PRIORITY_RANK, RULE_ORDER, group, highest
from dashboard.core.alerts import evaluate
from dashboard.core.protocol import Protocol
from dashboard.core.vitals import VITAL_BY_KEY, VITAL_KEYS

KEEP_WATCHING = "Keep watching"
REMEASURE = "Re-measure (check the probe, the cuff and the patient)"
TAKE_BP = "Take a blood pressure now"
AIRWAY = "Rouse the patient and support the airway"
OXYGEN = "Give oxygen"
SLOW = "Slow the infusion"
STOP = "Pause or stop the infusion"
CALL = "Call the prescriber"
HOLD = "Hold the dose and call the prescriber"
CHOICES = (KEEP_WATCHING, REMEASURE, TAKE_BP, AIRWAY, OXYGEN, SLOW, STOP, CALL, HOLD)

# How soon a good response is due after an alert starts (replay minutes): at once for high priority.
DUE_WITHIN_MIN = {"high": 0.0, "medium": 5.0}
QUIET_MOMENTS = 2  # chosen per scenario when none are given
QUIET_CLEARANCE_MIN = (10.0, 5.0)  # no alert this long before or after a quiet moment


@dataclass(frozen=True)
class Decision:
    """One moment the trainee is asked what to do."""

    at_min: float  # replay minutes from the infusion start
    kind: str  # 'alert' or 'quiet'
    label: str  # what happened, without the values still to come ('SpO2 beyond critical, RR outside warning')
    good: tuple[str, ...]  # the responses counted right
    due_min: float  # a good response later than this after at_min counts as late
    why: str  # said to the trainee at the end, for a miss
    until_min: float | None = None  # an alert is asked again at each reading until it ends (None: to the end)
    priority: str = ""

    def as_dict(self) -> dict:
        return {**asdict(self), "good": list(self.good)}

    @classmethod
    def from_dict(cls, data: dict) -> Decision:
        return cls(**{**data, "good": tuple(data["good"])})


# vital group, side, level -> (good responses, why)
_RESP = ("spo2", "rr")
_ADVICE = {
    ("resp", "low", "critical"): ((AIRWAY, OXYGEN), "SpO2 or breathing this low under ketamine is respiratory "
                                  "depression: rouse the patient and support the airway at once, and give oxygen."),
    ("resp", "low", "warning"): ((AIRWAY, REMEASURE), "SpO2 or breathing drifting low: rouse the patient, check the "
                                 "airway and the probe, and watch closely."),
    ("resp", "high", "critical"): ((REMEASURE, CALL), "Breathing this fast: check the patient and the sensor, and "
                                   "call the prescriber if it is real."),
    ("resp", "high", "warning"): ((REMEASURE,), "Fast breathing: check the patient and the sensor."),
    ("bp", "high", "critical"): ((STOP, CALL), "A blood pressure beyond the critical limit: pause or stop the "
                                 "infusion and call the prescriber."),
    ("bp", "high", "warning"): ((REMEASURE, SLOW), "Blood pressure past the warning limit: re-measure to confirm, "
                                "and slow the infusion if it holds."),
    ("bp", "low", "critical"): ((STOP, CALL), "A blood pressure this low: pause or stop the infusion and call the "
                                "prescriber."),
    ("bp", "low", "warning"): ((REMEASURE,), "Blood pressure drifting low: re-measure and watch closely."),
    ("hr", "high", "critical"): ((STOP, CALL), "A heart rate beyond the critical limit: pause or stop the infusion "
                                 "and call the prescriber."),
    ("hr", "high", "warning"): ((REMEASURE, SLOW), "A fast heart rate: re-measure, and slow the infusion if it "
                                "holds."),
    ("hr", "low", "critical"): ((CALL, STOP), "A heart rate this slow: call the prescriber and pause the infusion."),
    ("hr", "low", "warning"): ((REMEASURE,), "A slow heart rate: check the patient and re-measure."),
    ("temp", "high", "critical"): ((REMEASURE, CALL), "A fever this high: re-measure and call the prescriber."),
    ("temp", "high", "warning"): ((REMEASURE,), "A raised temperature: re-measure."),
    ("temp", "low", "critical"): ((REMEASURE, CALL), "A temperature this low: re-measure and call the prescriber."),
    ("temp", "low", "warning"): ((REMEASURE,), "A low temperature: re-measure."),
}
_OVERDUE = ((TAKE_BP,), "No blood pressure for longer than the protocol allows: take one now.")
_PRE_DOSE = ((HOLD,), "The blood pressure before dosing is above the caution level: hold the dose and call the "
             "prescriber.")
_ESCALATION = ((SLOW, STOP, CALL), "Several vitals outside their limits at once: slow or stop the infusion and "
               "call the prescriber.")


def _group_of(vital: str) -> str:
    return "resp" if vital in _RESP else "bp" if vital in ("sbp", "dbp", "map") else \
        "temp" if vital == "temp_c" else "hr"


def _side(vital: str, peak: float, protocol: Protocol) -> str:
    limits = protocol.limits.get(vital)
    if limits is None or pd.isna(peak):
        return "low"
    low = limits.warning_low if limits.warning_low is not None else limits.critical_low
    high = limits.warning_high if limits.warning_high is not None else limits.critical_high
    if high is None:
        return "low"
    if low is None:
        return "high"
    return "high" if peak > (low + high) / 2 else "low"


def advice(member, protocol: Protocol) -> tuple[tuple[str, ...], str]:
    """The good responses to one rule-level alert, and why."""
    if member.rule == "bp_overdue":
        return _OVERDUE
    if member.rule == "pre_dose_caution":
        return _PRE_DOSE
    if member.rule == "multiple_warnings":
        return _ESCALATION
    level = "critical" if member.level == "critical" else "warning"
    return _ADVICE[(_group_of(member.vital), _side(member.vital, member.peak_value, protocol), level)]


def rule_label(member) -> str:
    """'SBP beyond critical', without the value (the peak is not known when the alert starts)."""
    vital = VITAL_BY_KEY[member.vital].short if member.vital in VITAL_BY_KEY else member.vital
    if member.rule == "limit":
        return f"{vital} {'beyond critical' if member.level == 'critical' else 'outside warning'}"
    if member.rule == "baseline_change":
        return f"{vital} changed from baseline"
    return str(member.message)


def _urgency(member) -> tuple[int, int, int]:
    return (PRIORITY_RANK.get(member.priority, 9), RULE_ORDER.index(member.rule) if member.rule in RULE_ORDER else 9,
            VITAL_KEYS.index(member.vital) if member.vital in VITAL_KEYS else 9)


def _alert_decisions(alerts: pd.DataFrame, origin: pd.Timestamp, protocol: Protocol) -> list[Decision]:
    found = []
    events = group(alerts)
    for event in events.itertuples(index=False):
        members = alerts[alerts["started_at"] == event.started_at]
        priority = highest(members["priority"])
        # the answer is the one the most urgent rules ask for; the escalation rule's only when nothing else does
        urgent = members[members["priority"] == priority]
        if (urgent["rule"] != "multiple_warnings").any():
            urgent = urgent[urgent["rule"] != "multiple_warnings"]
        good: list[str] = []
        whys: list[str] = []
        for member in urgent.itertuples(index=False):
            responses, why = advice(member, protocol)
            good += [r for r in responses if r not in good]
            if why not in whys:
                whys.append(why)
        at = (event.started_at - origin).total_seconds() / 60
        if at < 0 and any(r in good for r in (SLOW, STOP)):
            good.append(HOLD)  # before the dose, holding it is right too
        found.append(Decision(
            at_min=round(at, 3), kind="alert", label=", ".join(dict.fromkeys(rule_label(m) for m in sorted(
                members.itertuples(index=False), key=_urgency))),
            good=tuple(good), due_min=DUE_WITHIN_MIN.get(priority, 5.0), why=" ".join(whys),
            until_min=None if pd.isna(event.ended_at) else round((event.ended_at - origin).total_seconds() / 60, 3),
            priority=priority))
    return found


def _quiet_why(row: pd.Series, protocol: Protocol) -> str:
    parts = []
    for key in ("sbp", "hr", "spo2", "rr"):
        limits = protocol.limits.get(key)
        if key not in row or pd.isna(row[key]) or limits is None:
            continue
        bounds = [f"{name} {value:g}" for name, value in (("warning below", limits.warning_low),
                                                          ("warning above", limits.warning_high))
                  if value is not None]
        parts.append(f"{VITAL_BY_KEY[key].short} {row[key]:.0f} ({', '.join(bounds)})")
    inside = "; ".join(parts) or "every vital"
    return (f"Nothing here is outside the protocol's limits: {inside}. The right call is to keep watching; "
            "acting on a normal reading disturbs the patient and teaches the team to ignore alerts.")


def quiet_moments(readings: pd.DataFrame, alerts: pd.DataFrame, origin: pd.Timestamp, end_min: float,
                  count: int = QUIET_MOMENTS) -> list[float]:
    """Reading times with no alert near them, where the vitals moved most from the first readings: the moments
    that look worrying but are not (during the infusion and recovery, one per 15 minutes at most)."""
    if readings.empty:
        return []
    at = ((pd.to_datetime(readings["measured_at"], utc=True) - origin).dt.total_seconds() / 60).to_numpy()
    before, after = QUIET_CLEARANCE_MIN
    busy = np.zeros(len(at), dtype=bool)
    for a in alerts.itertuples(index=False):
        start = (a.started_at - origin).total_seconds() / 60
        end = end_min if pd.isna(a.ended_at) else (a.ended_at - origin).total_seconds() / 60
        busy |= (at >= start - after) & (at <= end + before)
    change = np.zeros(len(at))
    for key in ("sbp", "hr", "spo2", "rr"):
        if key in readings:
            values = readings[key].to_numpy(dtype="float64")
            first = values[~np.isnan(values)][:2]
            if len(first):
                change += np.nan_to_num(np.abs(values - first.mean()) / max(first.mean(), 1.0))
    candidates = np.flatnonzero(~busy & (at > 0) & (at < end_min))
    chosen: list[float] = []
    for i in candidates[np.argsort(-change[candidates], kind="stable")]:
        if all(abs(at[i] - c) >= 15 for c in chosen):
            chosen.append(round(float(at[i]), 3))
        if len(chosen) == count:
            break
    return sorted(chosen)


def decision_points(readings: pd.DataFrame, sessions: pd.DataFrame, protocol: Protocol, *,
                    overrides: dict | None = None, quiet_at: tuple[float, ...] | None = None) -> tuple[Decision, ...]:
    """Every alert event under the protocol (the engine's), and the quiet moments, in time order.

    sessions: the one-session frame (session_id 1). overrides: minute -> {'good': [...], 'why': ...} replacing
    the generated answer of the decision at that minute (curated scenarios)."""
    origin = pd.Timestamp(sessions["infusion_started_at"].iloc[0])
    frame = readings.assign(session_id=1)
    alerts = evaluate(frame, sessions, protocol)
    found = _alert_decisions(alerts, origin, protocol) if len(alerts) else []
    times = ((pd.to_datetime(readings["measured_at"], utc=True) - origin).dt.total_seconds() / 60)
    end_min = float(times.max()) if len(times) else 0.0
    quiet = list(quiet_at) if quiet_at is not None else quiet_moments(readings, alerts, origin, end_min)
    for minute in quiet:
        at = times[times <= minute + 1e-9]
        row = readings.loc[at.index[-1]] if len(at) else readings.iloc[0]
        found.append(Decision(at_min=float(minute), kind="quiet", label="no alert: all inside the limits",
                              good=(KEEP_WATCHING,), due_min=0.0, why=_quiet_why(row, protocol),
                              until_min=float(minute)))
    for key, change in (overrides or {}).items():
        for i, d in enumerate(found):
            if abs(d.at_min - float(key)) < 1e-6:
                found[i] = Decision(**{**d.as_dict(), "good": tuple(change.get("good", d.good)),
                                       "why": change.get("why", d.why)})
    return tuple(sorted(found, key=lambda d: (d.at_min, d.kind)))
