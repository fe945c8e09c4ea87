"""A patient's course, infusion by infusion: worked by hand on three small sessions."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from dashboard.core.series import infusion_series, series_display


def at(day: str, clock: str) -> pd.Timestamp:
    return pd.Timestamp(f"{day} {clock}", tz="UTC")


SESSIONS = pd.DataFrame({
    # given out of order: the series is sorted by day
    "session_id": [3, 1, 2],
    "code": ["S-3", "S-1", "S-2"],
    "session_date": [date(2026, 2, 10), date(2026, 1, 5), date(2026, 1, 8)],
    "infusion_number": [7, 1, None],
    "status": ["planned", "discharged", "discharged"],
    "planned_dose_mg": [None, 40.0, None],
    "weight_kg": [None, 80.0, None],
    "infusion_started_at": [pd.NaT, at("2026-01-05", "09:00"), at("2026-01-08", "09:00")],
    "infusion_stopped_at": [pd.NaT, at("2026-01-05", "09:40"), at("2026-01-08", "09:40")],
    "discharged_at": [pd.NaT, at("2026-01-05", "10:30"), at("2026-01-08", "10:30")],
})
NAN = np.nan
READINGS = pd.DataFrame([
    # S-1: two pre-infusion BPs (baseline SBP median(120, 124) = 122, DBP median(80, 78) = 79) and an HR alone
    (1, at("2026-01-05", "08:50"), 120, 80, 70),
    (1, at("2026-01-05", "08:52"), NAN, NAN, 71),
    (1, at("2026-01-05", "08:55"), 124, 78, 72),
    (1, at("2026-01-05", "09:10"), 150, 95, 88),   # DBP peak: 95 - 79 = +16
    (1, at("2026-01-05", "09:30"), 162, 92, 95),   # SBP peak: 162 - 122 = +40
    (1, at("2026-01-05", "10:00"), 130, 84, 76),
    # S-2: nothing before the start, so no baseline and no rise; peaks 140/90, 80
    (2, at("2026-01-08", "09:05"), 140, 90, 80),
    # S-3: never started: a reading but no rise
    (3, at("2026-02-10", "08:55"), 118, 76, 66),
], columns=["session_id", "measured_at", "sbp", "dbp", "hr"]).astype({"sbp": float, "dbp": float, "hr": float})
EVENTS = pd.DataFrame([
    (1, "side_effect", "Nausea", None, "mild", at("2026-01-05", "09:15")),
    (1, "side_effect", "Nausea", None, "moderate", at("2026-01-05", "09:20")),
    (1, "side_effect", "Headache", None, None, at("2026-01-05", "09:25")),
    (1, "side_effect", "Nausea", None, "mild", at("2026-01-05", "09:50")),  # milder later: stays moderate
    (1, "moaa_s", "MOAA/S", 4, None, at("2026-01-05", "09:20")),
    (1, "moaa_s", "MOAA/S", 3, None, at("2026-01-05", "09:30")),
    (1, "moaa_s", "MOAA/S", 5, None, at("2026-01-05", "10:00")),
    (1, "cadss", "CADSS", 10, None, at("2026-01-05", "09:20")),
    (1, "cadss", "CADSS", 22, None, at("2026-01-05", "09:35")),
    (2, "side_effect", "Dizziness", None, "severe", at("2026-01-08", "09:30")),
], columns=["session_id", "kind", "label", "score", "severity", "occurred_at"])
ALERTS = pd.DataFrame([(1, "high", 1), (1, "medium", 2), (2, "medium", 1)], columns=["session_id", "priority", "events"])


@pytest.fixture
def series() -> pd.DataFrame:
    return infusion_series(SESSIONS, READINGS, EVENTS, ALERTS).set_index("code")


def test_infusions_come_oldest_first_numbered_and_phased(series):
    assert series.index.tolist() == ["S-1", "S-2", "S-3"]
    assert series["infusion_number"].tolist() == [1, 2, 7]  # S-2 had no number: its place in the series
    assert series["phase"].tolist() == ["induction", "induction", "maintenance"]


def test_dose_in_mg_and_per_kg(series):
    assert series.loc["S-1", ["dose_mg", "dose_mg_per_kg"]].tolist() == [40.0, 0.5]
    assert np.isnan(series.loc["S-2", "dose_mg_per_kg"])


def test_peaks_baseline_and_largest_rise(series):
    assert series.loc["S-1", ["peak_sbp", "peak_dbp", "peak_hr"]].tolist() == [162, 95, 95]
    assert series.loc["S-1", ["baseline_sbp", "baseline_dbp"]].tolist() == [122, 79]
    assert series.loc["S-1", ["rise_sbp", "rise_dbp"]].tolist() == [40, 16]
    assert series.loc["S-2", ["peak_sbp", "peak_dbp", "peak_hr"]].tolist() == [140, 90, 80]
    assert series.loc[["S-2", "S-3"], ["rise_sbp", "rise_dbp"]].isna().all().all()
    assert series["readings"].tolist() == [6, 1, 1]


def test_alerts_side_effects_and_sedation(series):
    assert series["alerts_high"].tolist() == [1, 0, 0]
    assert series["alerts_medium"].tolist() == [2, 1, 0]
    assert series.loc["S-1", "side_effects"] == "Nausea (moderate), Headache"
    assert series.loc["S-2", "side_effects"] == "Dizziness (severe)"
    assert series.loc["S-3", "side_effects"] == ""
    assert series.loc["S-1", ["deepest_moaas", "highest_cadss"]].tolist() == [3, 22]
    assert series.loc[["S-2", "S-3"], ["deepest_moaas", "highest_cadss"]].isna().all().all()


def test_the_baseline_is_the_alert_engines():
    """From the series' baseline 122 the clinic default's SBP rise limit is min(122 + 40, 122 x 1.25) = 152.5: the
    engine (persistence one reading) alerts at 162, not at 150, as that baseline says it must."""
    from dashboard.core.alerts import evaluate
    from dashboard.core.protocol import Persistence, default_protocol
    protocol = default_protocol()
    protocol = protocol.model_copy(update={"persistence": {**protocol.persistence, "warning": Persistence(readings=1)}})
    alerts = evaluate(READINGS[READINGS["session_id"] == 1], SESSIONS[SESSIONS["session_id"] == 1], protocol)
    rise = alerts[(alerts["rule"] == "baseline_change") & (alerts["vital"] == "sbp")]
    assert rise["started_at"].tolist() == [at("2026-01-05", "09:30")]


def test_as_read_on_the_page(series):
    shown = series_display(series.reset_index()).set_index("Session")
    assert shown.loc["S-1", ["Date", "Dose", "Peak BP mmHg", "Peak HR /min", "Baseline BP", "Rise SBP / DBP",
                             "Deepest MOAA/S", "Highest CADSS"]].tolist() == \
        ["2026-01-05", "40 mg (0.50 mg/kg)", "162/95", "95", "122/79", "+40 / +16", "3", "22"]
    assert shown.loc["S-2", ["Dose", "Baseline BP", "Rise SBP / DBP"]].tolist() == ["", "", ""]


def test_a_patient_without_readings_or_events():
    empty = infusion_series(SESSIONS, READINGS.iloc[:0], EVENTS.iloc[:0], ALERTS.iloc[:0])
    assert empty["readings"].tolist() == [0, 0, 0] and empty["alerts_high"].tolist() == [0, 0, 0]
    assert empty["peak_sbp"].isna().all() and (empty["side_effects"] == "").all()
