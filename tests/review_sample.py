"""A reviewed session built in memory (no database): readings with a correction and a void, events, alert events
with acknowledgements, a signature; for the chart, FHIR and report tests."""

from __future__ import annotations

from datetime import date, datetime, timezone

import numpy as np
import pandas as pd

from dashboard.core.protocol import default_protocol
from dashboard.core.review import SessionReview
from dashboard.core.review_summary import summarise
from dashboard.core.sessions import Session
from dashboard.core.signoff import Signoff
from dashboard.core.versions import in_force

START = pd.Timestamp("2026-11-02 15:30", tz="UTC")  # 10:30 in New York
TZ = "America/New_York"


def at(minute: float) -> pd.Timestamp:
    return START + pd.Timedelta(minutes=minute)


def session(n_minutes: float = 105) -> Session:
    return Session(id=7, code="S-0002", patient_id=3, patient_code="P-1002", session_date=date(2026, 11, 2),
                   infusion_number=1, protocol="IV ketamine clinic default", planned_dose_mg=46.0, weight_kg=92.0,
                   infusion_started_at=START.to_pydatetime(), infusion_stopped_at=at(40).to_pydatetime(),
                   discharged_at=at(n_minutes).to_pydatetime(), status="discharged")


def history_frame(minutes, sbp, dbp, hr, spo2, rr) -> pd.DataFrame:
    n = len(minutes)
    frame = pd.DataFrame({
        "id": np.arange(1, n + 1), "session_id": 7, "measured_at": [at(m) for m in minutes],
        "sbp": np.asarray(sbp, dtype="float64"), "dbp": np.asarray(dbp, dtype="float64"), "map": np.nan,
        "hr": np.asarray(hr, dtype="float64"), "spo2": np.asarray(spo2, dtype="float64"),
        "rr": np.asarray(rr, dtype="float64"), "temp_c": np.nan, "map_computed": False, "bp_method": "cuff",
        "note": None, "source": "manual", "entered_at": [at(m) for m in minutes], "entered_by": "ana",
        "supersedes_id": pd.array([None] * n, dtype="Int64"), "correction_reason": None, "entered_in_error": False,
        "source_file": None, "source_line": pd.array([None] * n, dtype="Int64"),
        "replaced_by": pd.array([None] * n, dtype="Int64"), "is_current": True})
    return frame


def with_fixes(history: pd.DataFrame) -> pd.DataFrame:
    """Reading 5 (SBP 212 typed for 122) corrected; reading 3 (HR 165, SpO2 79: an artifact) voided."""
    n = int(history["id"].max())
    fix = history[history["id"] == 5].assign(id=n + 1, sbp=122.0, supersedes_id=pd.array([5], dtype="Int64"),
                                             correction_reason="digits transposed (212 typed for 122)")
    void = history[history["id"] == 3].assign(id=n + 2, supersedes_id=pd.array([3], dtype="Int64"),
                                              correction_reason="motion artifact", entered_in_error=True)
    out = pd.concat([history, fix, void], ignore_index=True)
    out.loc[out["id"] == 5, "replaced_by"] = n + 1
    out.loc[out["id"] == 3, "replaced_by"] = n + 2
    out["is_current"] = out["replaced_by"].isna()
    return out.sort_values(["measured_at", "id"], ignore_index=True)


def sample_history() -> pd.DataFrame:
    minutes = [-12, -3, 5, 10, 15, 20, 25, 30, 35, 40, 55, 70, 85, 100]
    sbp = [133, 138, 140, 150, 212, 170, 184, 186, 186, 186, 165, 158, 139, 130]
    dbp = [87, 85, 90, 95, 82, 100, 110, 112, 112, 113, 101, 97, 90, 85]
    hr = [76, 74, 165, 80, 81, 88, 89, 89, 91, 92, 87, 83, 83, 74]
    spo2 = [97, 97, 79, 97, 97, 97, 97, 97, 97, 97, 98, 97, 97, 97]
    rr = [16, 13, 15, 16, 16, 15, 16, 14, 16, 15, 15, 15, 16, 16]
    return with_fixes(history_frame(minutes, sbp, dbp, hr, spo2, rr))


def alert_frames(n_events: int = 2) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    for i in range(n_events):
        rows.append({"id": 11 + i, "session_id": 7, "started_at": at(25 + i), "ended_at": at(55 + i),
                     "priority": "high" if i % 3 != 2 else "medium", "raised_at": at(25 + i),
                     "withdrawn_at": pd.NaT, "summary": f"High: SBP {184 + i % 5} beyond critical, MAP 136 beyond "
                                                        "critical", "members": 2, "ended_at_discharge": False})
    events = pd.DataFrame(rows)
    for column in ("started_at", "ended_at", "raised_at", "withdrawn_at"):
        events[column] = pd.to_datetime(events[column], utc=True)
    acks = pd.DataFrame({"event_id": [11], "at": [at(27)], "by": ["ana"],
                         "actions": [["Notified the prescriber", "Slowed the infusion"]],
                         "note": ["called Dr Lee <b>now</b>"]})
    events = events.assign(acked_at=[at(27)] + [pd.NaT] * (n_events - 1))
    events["acked_at"] = pd.to_datetime(events["acked_at"], utc=True)
    return events, acks


def side_events() -> pd.DataFrame:
    frame = pd.DataFrame({"id": [1, 2, 3, 4], "kind": ["side_effect", "cadss", "side_effect", "moaa_s"],
                          "label": ["Headache", "CADSS", "Nausea", "MOAA/S"],
                          "score": pd.array([None, 15, None, 4], dtype="Int64"),
                          "severity": ["moderate", None, "mild", None], "note": None,
                          "occurred_at": [at(33), at(30), at(45), at(31)], "entered_by": "ana"})
    frame["entered_at"] = frame["occurred_at"]
    return frame


def review(history: pd.DataFrame | None = None, n_events: int = 2, signed: bool = True,
           s: Session | None = None) -> SessionReview:
    history = sample_history() if history is None else history
    s = s or session()
    alert_events, acks = alert_frames(n_events) if n_events else (
        pd.DataFrame(columns=["id", "started_at", "ended_at", "priority", "withdrawn_at", "acked_at", "summary"]),
        pd.DataFrame(columns=["event_id", "at", "by", "actions", "note"]))
    readings = in_force(history)
    events = side_events()
    now = datetime(2026, 11, 3, 9, 0, tzinfo=timezone.utc)
    summary = summarise(s, default_protocol(), readings, events, alert_events, now=now, tz=TZ)
    signoffs = [Signoff(1, 7, datetime(2026, 11, 3, 14, 5, tzinfo=timezone.utc), "sam", "Sam Smith", "reviewed",
                        ("no REMS blood pressure before discharge",))] if signed else []
    return SessionReview(s, default_protocol(), "pinned at infusion start", history, readings, events, alert_events,
                         acks, signoffs, summary, now)


def long_review(n: int = 14_400) -> SessionReview:
    """A 4-hour monitor export at 1 Hz from 10 minutes before the start, a few SBP spikes beyond 180."""
    rng = np.random.default_rng(3)
    seconds = np.arange(n) - 600
    minutes = seconds / 60
    drift = np.sin(np.arange(n) / n * 3 * np.pi)
    sbp = (128 + 12 * drift + rng.normal(0, 4, n)).round()
    sbp[rng.choice(n, n // 1000, replace=False)] = 186
    history = history_frame(minutes, sbp, np.minimum((80 + 6 * drift).round(), sbp - 30),
                            (76 + 8 * drift + rng.normal(0, 3, n)).round(),
                            np.clip(rng.normal(97, 0.8, n).round(), 85, 100), (14 + rng.normal(0, 1, n)).round())
    history["bp_method"] = "arterial"
    return review(history, n_events=14, s=session(n_minutes=float(minutes[-1]) + 1))
