"""The REMS form's three blood pressures are picked from the readings a nurse recorded, or named as missing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd

from dashboard.core.rems import missing_points, rems_pressures

T0 = datetime(2026, 11, 2, 14, 0, tzinfo=timezone.utc)


def _readings(*rows) -> pd.DataFrame:
    """rows: (minutes from start, sbp, dbp)."""
    return pd.DataFrame({"id": range(1, len(rows) + 1),
                         "measured_at": pd.to_datetime([T0 + timedelta(minutes=m) for m, _, _ in rows], utc=True),
                         "sbp": [float("nan") if s is None else s for _, s, _ in rows],
                         "dbp": [float("nan") if d is None else d for _, _, d in rows]})


def test_a_whole_session_answers_all_three():
    readings = _readings((-10, 118, 76), (-2, 122, 80), (30, 150, 92), (42, 156, 96), (70, 134, 84), (95, 126, 81))
    found = rems_pressures(readings, T0, T0 + timedelta(minutes=40), T0 + timedelta(minutes=100))
    assert {point: p.text for point, p in found.items()} == {
        "before_dosing": "122/80", "about_40_min": "156/96", "before_discharge": "126/81"}
    assert missing_points(found) == []


def test_a_pressure_without_its_diastolic_does_not_count():
    readings = _readings((-2, 122, None), (41, 150, 90))
    found = rems_pressures(readings, T0, T0 + timedelta(minutes=40), None)
    assert found["before_dosing"] is None and found["about_40_min"].text == "150/90"
    assert missing_points(found) == ["no REMS blood pressure before dosing",
                                     "no REMS blood pressure before discharge"]


def test_no_bp_near_forty_minutes_is_a_gap_not_a_guess():
    readings = _readings((-2, 122, 80), (10, 140, 90), (70, 130, 84))
    found = rems_pressures(readings, T0, T0 + timedelta(minutes=40), T0 + timedelta(minutes=75))
    assert found["about_40_min"] is None
    assert found["before_discharge"].text == "130/84"


def test_a_session_never_started_has_none():
    assert missing_points(rems_pressures(_readings((0, 120, 80)), None, None, None)) == [
        "no REMS blood pressure before dosing", "no REMS blood pressure about 40 min after the start",
        "no REMS blood pressure before discharge"]
