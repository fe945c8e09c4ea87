"""The review summary as a supervisor reads it, checked against numbers worked out by hand from the readings."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from dashboard.core.protocol import default_protocol, load_protocol
from dashboard.core.review_summary import NEAR_BASELINE_PCT, summarise
from dashboard.core.sessions import Session

START = pd.Timestamp("2026-11-02 14:00", tz="UTC")  # 09:00 in New York
TZ = "America/New_York"
# minute from start: SBP, DBP, HR, SpO2
ROWS = {-12: (120, 80, 70, 98), -3: (124, 82, 74, 97), 10: (150, 95, 90, 97), 20: (170, 100, 100, 95),
        30: (185, 112, 125, 91), 40: (165, 104, 110, 94), 55: (140, 88, 88, 96), 70: (130, 84, 80, 98),
        90: (126, 82, 76, 98)}


def at(minute: float) -> pd.Timestamp:
    return START + pd.Timedelta(minutes=minute)


def readings(rows=ROWS) -> pd.DataFrame:
    minutes = list(rows)
    values = np.array(list(rows.values()), dtype="float64").reshape(-1, 4)
    return pd.DataFrame({"id": range(1, len(minutes) + 1), "measured_at": [at(m) for m in minutes],
                         "sbp": values[:, 0], "dbp": values[:, 1], "hr": values[:, 2], "spo2": values[:, 3]})


def session(discharge: float | None = 90, stop: float | None = 40, start: float | None = 0) -> Session:
    def moment(m):
        return None if m is None else at(m).to_pydatetime()
    return Session(id=1, code="S-0002", patient_id=1, patient_code="P-1002", session_date=date(2026, 11, 2),
                   infusion_number=1, protocol="IV ketamine clinic default", planned_dose_mg=35.0, weight_kg=70.0,
                   infusion_started_at=moment(start), infusion_stopped_at=moment(stop),
                   discharged_at=moment(discharge),
                   status="discharged" if discharge is not None else "recovery" if stop is not None else "infusing")


NO_ALERTS = pd.DataFrame(columns=["started_at", "ended_at", "priority", "withdrawn_at", "acked_at", "summary"])


def events() -> pd.DataFrame:
    return pd.DataFrame({
        "kind": ["side_effect", "moaa_s", "cadss", "moaa_s", "side_effect"],
        "label": ["Headache", "MOAA/S", "CADSS", "MOAA/S", "Nausea"],
        "score": pd.array([None, 4, 15, 5, None], dtype="Int64"),
        "severity": ["moderate", None, None, None, "mild"],
        "occurred_at": [at(33), at(25), at(30), at(60), at(75)],
    })


def summary(s=None, rows=ROWS, alert_events=NO_ALERTS, now=None, protocol=None):
    s = s or session()
    return summarise(s, protocol or default_protocol(), readings(rows), events(), alert_events,
                     now=(now or at(200)).to_pydatetime(), tz=TZ)


def test_baseline_is_the_median_of_the_pre_infusion_readings():
    assert summary().baseline == {"sbp": 122.0, "dbp": 81.0, "hr": 72.0, "spo2": 97.5}


def test_peaks_and_lowest_spo2_with_their_times():
    got = summary()
    assert {k: (m.value, m.at) for k, m in got.peaks.items()} == {
        "sbp": (185, at(30)), "dbp": (112, at(30)), "hr": (125, at(30))}
    assert (got.lowest_spo2.value, got.lowest_spo2.at) == (91, at(30))


def test_minutes_beyond_each_threshold_hold_each_reading_until_the_next():
    # SBP above 160: 170 at 20 (10 min), 185 at 30 (10), 165 at 40 (15) = 35; above 180: 185 at 30 = 10.
    # DBP above 100: 112 at 30 (10) + 104 at 40 (15) = 25 (100 is not above 100); above 110: 10.
    # HR above 120: 125 at 30 = 10. SpO2 below 92: 91 at 30 = 10.
    beyond = {(t.vital, t.level, t.side): t.minutes for t in summary().beyond}
    assert beyond[("sbp", "warning", "high")] == 35 and beyond[("sbp", "critical", "high")] == 10
    assert beyond[("sbp", "warning", "low")] == 0 and beyond[("sbp", "critical", "low")] == 0
    assert beyond[("dbp", "warning", "high")] == 25 and beyond[("dbp", "critical", "high")] == 10
    assert beyond[("hr", "warning", "high")] == 10 and beyond[("hr", "critical", "high")] == 0
    assert beyond[("spo2", "warning", "low")] == 10 and beyond[("spo2", "critical", "low")] == 0
    assert not any(vital in ("map", "rr", "temp_c") for vital, _, _ in beyond)  # not measured: not listed
    labels = {t.label for t in summary().beyond if t.minutes}
    assert "SBP above 180 mmHg (critical)" in labels and "SpO2 below 92 % (warning)" in labels


def test_the_last_reading_holds_until_the_discharge():
    rows = {**ROWS, 90: (165, 82, 76, 98)}  # the last SBP above 160, discharged 15 min later
    beyond = {(t.vital, t.level, t.side): t.minutes for t in summary(session(discharge=105), rows).beyond}
    assert beyond[("sbp", "warning", "high")] == 35 + 15


def test_time_back_to_baseline_after_the_peak():
    # within 20 % of the baseline: SBP 97.6-146.4, DBP 64.8-97.2, HR 57.6-86.4
    assert NEAR_BASELINE_PCT == 20
    back = {r.vital: r for r in summary().returns}
    assert (back["sbp"].state, back["sbp"].back_at, back["sbp"].minutes_after_peak,
            back["sbp"].minutes_from_start) == ("back", at(55), 25, 55)
    assert (back["dbp"].state, back["dbp"].back_at) == ("back", at(55))
    assert (back["hr"].state, back["hr"].back_at, back["hr"].minutes_after_peak) == ("back", at(70), 40)


def test_a_peak_within_the_band_stays_near_and_a_late_peak_may_not_come_back():
    calm = {minute: (122 + (minute > 0) * 10, 80, 72, 98) for minute in (-5, 10, 20)}
    assert {r.vital: r.state for r in summary(rows=calm).returns} == {"sbp": "stayed_near", "dbp": "stayed_near",
                                                                      "hr": "stayed_near"}
    rising = {-5: (120, 80, 70, 98), 10: (170, 80, 70, 98), 20: (175, 80, 70, 98)}
    assert {r.vital: r.state for r in summary(rows=rising).returns}["sbp"] == "not_back"
    no_baseline = {10: (150, 90, 80, 98)}
    assert {r.state for r in summary(rows=no_baseline).returns} == {"no_baseline"}


def test_rems_pressures_and_minutes_monitored():
    got = summary()
    assert [(p.point, p.text, p.at) for p in got.rems] == [
        ("before_dosing", "124/82", at(-3)), ("about_40_min", "165/104", at(40)), ("before_discharge", "126/82", at(90))]
    assert got.rems_missing == []
    assert (got.monitored_minutes, got.monitored_until) == (90, "discharge")
    still_open = summary(session(discharge=None))
    assert (still_open.monitored_minutes, still_open.monitored_until) == (90, "last reading")
    assert [p.point for p in still_open.rems if p.sbp is None] == ["before_discharge"]
    assert still_open.rems_missing == ["no REMS blood pressure before discharge"]


def test_ready_for_discharge_when_back_near_baseline_no_alert_and_observed_long_enough():
    got = summary().readiness
    assert got.ok and got.reasons == [] and got.at == at(90)


def test_not_ready_says_each_reason():
    # discharged at 60: 20 min after the stop at 40, the protocol wants 30; the last HR (88 at 55) is above 86.4
    alerts = pd.DataFrame({"started_at": [at(30), at(20)], "ended_at": [at(60), at(25)], "priority": ["high", "medium"],
                           "withdrawn_at": [pd.NaT, pd.NaT], "acked_at": [pd.NaT, at(22)],
                           "summary": ["High: SBP 185 beyond critical", "Medium: SBP 170 outside warning"]})
    got = summary(session(discharge=60), alert_events=alerts).readiness
    assert not got.ok
    assert got.reasons == [
        "HR 88 at 09:55 is not back near the baseline 72 (within 20%: 58-86 /min)",
        "alert active at discharge: High: SBP 185 beyond critical (since 09:30)",
        "high-priority alert since 09:30 not acknowledged (SBP 185 beyond critical)",
        "discharged 10:00: the protocol observes at least 30 min after infusion stop, not before 10:10 (10 min short)",
    ]


def test_an_open_session_is_judged_now_and_a_withdrawn_alert_does_not_count():
    alerts = pd.DataFrame({"started_at": [at(30)], "ended_at": [pd.NaT], "priority": ["high"],
                           "withdrawn_at": [at(35)], "acked_at": [pd.NaT], "summary": ["High: SBP 185 beyond critical"]})
    got = summary(session(discharge=None, stop=None), alert_events=alerts, now=at(95))
    assert got.readiness.reasons == ["the infusion was not stopped"]
    assert (got.alerts.events, got.alerts.withdrawn, got.alerts.unacknowledged_high) == (0, 1, 0)


def test_the_esketamine_protocol_observes_two_hours_from_the_dose():
    got = summary(session(discharge=90), protocol=load_protocol("esketamine-rems.json")).readiness
    assert got.reasons[-1] == ("discharged 10:30: the protocol observes at least 120 min after infusion start, "
                               "not before 11:00 (30 min short)")


def test_side_effects_and_scores():
    got = summary()
    assert [(e.label, e.severity, e.at) for e in got.side_effects] == [("Headache", "moderate", at(33)),
                                                                      ("Nausea", "mild", at(75))]
    assert (got.moaa_s.count, got.moaa_s.lowest.value, got.moaa_s.lowest.at, got.moaa_s.last.value) == (2, 4, at(25), 5)
    assert (got.cadss.count, got.cadss.highest.value, got.cadss.highest.at) == (1, 15, at(30))


def test_no_readings_at_all():
    got = summarise(replace(session(discharge=None, stop=None, start=None), status="planned"), default_protocol(),
                    readings({}), events().iloc[:0], NO_ALERTS, now=at(0).to_pydatetime(), tz=TZ)
    assert got.peaks == {} and got.lowest_spo2 is None and got.beyond == [] and got.monitored_minutes is None
    assert "the infusion was never started" in got.readiness.reasons


def test_the_summary_is_plain_json():
    text = json.dumps(summary().as_json())
    back = json.loads(text)
    assert back["peaks"]["sbp"] == {"value": 185.0, "at": "2026-11-02T14:30:00Z"}
    assert back["readiness"]["ok"] is True and back["near_baseline_pct"] == 20.0


@pytest.mark.parametrize("n", [14_400])
def test_a_long_monitor_session_is_summarised(n):
    times = START - pd.Timedelta(minutes=10) + pd.to_timedelta(np.arange(n), unit="s")
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"id": np.arange(n), "measured_at": times, "sbp": rng.normal(130, 5, n).round(),
                          "dbp": 80.0, "hr": 75.0, "spo2": 97.0})
    frame.loc[3000, "sbp"] = 200
    got = summarise(session(discharge=None, stop=None), default_protocol(), frame, events(), NO_ALERTS,
                    now=at(300).to_pydatetime(), tz=TZ)
    assert (got.peaks["sbp"].value, got.peaks["sbp"].at) == (200, times[3000])
    assert {(t.vital, t.level, t.side): t.minutes for t in got.beyond}[("sbp", "critical", "high")] == \
        pytest.approx(1 / 60, abs=0.01)  # one reading at 1 Hz: a second, to the hundredth of a minute
