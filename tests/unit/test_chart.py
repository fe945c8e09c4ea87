"""The session chart as a nurse reads it: four panels, thresholds, breaches marked, timeline from start."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard.core.chart import build_session_figure, breach_levels, minutes_from
from dashboard.core.protocol import default_protocol

START = pd.Timestamp("2026-11-02 14:00", tz="UTC")
REALDATA = Path(__file__).resolve().parents[2].parent / "shared" / "realdata"


def readings(minutes, **vitals) -> pd.DataFrame:
    frame = pd.DataFrame({"measured_at": [START + pd.Timedelta(minutes=m) for m in minutes]})
    for key in ("sbp", "dbp", "map", "hr", "spo2", "rr", "temp_c"):
        frame[key] = np.asarray(vitals.get(key, [np.nan] * len(minutes)), dtype="float64")
    frame["bp_method"] = vitals.get("bp_method", "cuff")
    return frame


def traces(fig) -> dict:
    return {t.name: t for t in fig.data}


def test_four_panels_on_one_time_axis():
    fig = build_session_figure(readings([0, 5], sbp=[120, 130], dbp=[80, 85], hr=[70, 72], spo2=[98, 97], rr=[14, 15]),
                               default_protocol(), infusion_started_at=START)
    titles = [a.text for a in fig.layout.annotations][:4]
    assert titles == ["Blood pressure (mmHg)", "Heart rate (/min)", "SpO2 (%)", "Respiratory rate (/min)"]
    assert fig.layout.xaxis4.title.text == "Minutes from infusion start"
    assert {"SBP", "DBP", "HR", "SpO2", "RR"} <= set(traces(fig))


def test_minutes_count_from_infusion_start_and_baseline_is_negative():
    fig = build_session_figure(readings([-10, 30], hr=[70, 90]), default_protocol(), infusion_started_at=START)
    assert list(traces(fig)["HR"].x) == [-10, 30]


def test_without_a_start_minutes_count_from_the_first_reading():
    fig = build_session_figure(readings([5, 20], hr=[70, 90]), default_protocol())
    assert list(traces(fig)["HR"].x) == [0, 15]
    assert fig.layout.xaxis4.title.text == "Minutes from first reading"


def test_breaches_are_marked_by_level():
    fig = build_session_figure(readings([0, 5, 10], sbp=[120, 165, 185], dbp=[80, 90, 100]), default_protocol(),
                               infusion_started_at=START)
    assert list(traces(fig)["SBP warning"].y) == [165]
    assert list(traces(fig)["SBP critical"].y) == [185]
    assert "DBP critical" not in traces(fig)


def test_threshold_lines_sit_at_the_protocol_values():
    protocol = default_protocol()
    fig = build_session_figure(readings([0], hr=[70]), protocol, infusion_started_at=START)
    bp_lines = {s.y0 for s in fig.layout.shapes if s.type == "line" and s.yref == "y"}
    assert {90, 100, 160, 180, 110} <= bp_lines
    spo2_lines = {s.y0 for s in fig.layout.shapes if s.type == "line" and s.yref == "y3"}
    assert spo2_lines == {protocol.limits["spo2"].warning_low, protocol.limits["spo2"].critical_low}
    assert any(s.type == "rect" and s.yref == "y" and s.y0 == 180 for s in fig.layout.shapes)


def test_every_threshold_line_is_inside_its_panel_range():
    fig = build_session_figure(readings([0], hr=[70], sbp=[120], dbp=[80]), default_protocol(), infusion_started_at=START)
    ranges = {f"y{'' if i == 1 else i}": fig.layout[f"yaxis{'' if i == 1 else i}"].range for i in range(1, 5)}
    for shape in fig.layout.shapes:
        if shape.type == "line" and shape.yref in ranges:
            low, high = ranges[shape.yref]
            assert low <= shape.y0 <= high


def test_infusion_start_stop_and_events_are_marked():
    events = pd.DataFrame({"occurred_at": [START + pd.Timedelta(minutes=22)], "label": ["MOAA/S 3"]})
    fig = build_session_figure(readings([0], hr=[70]), default_protocol(), infusion_started_at=START,
                               infusion_stopped_at=START + pd.Timedelta(minutes=40), events=events)
    marks = {a.text: a.x for a in fig.layout.annotations}
    assert marks["Infusion start"] == 0 and marks["Infusion stop"] == 40 and marks["MOAA/S 3"] == 22


def test_cuff_and_arterial_pressures_are_never_joined():
    frame = readings([0, 1, 2, 3], sbp=[120, 131, 122, 133], dbp=[80, 70, 81, 71],
                     bp_method=["cuff", "arterial", "cuff", "arterial"])
    names = set(traces(build_session_figure(frame, default_protocol(), infusion_started_at=START)))
    assert {"SBP (cuff)", "SBP (arterial)", "DBP (cuff)", "DBP (arterial)"} <= names and "SBP" not in names


def test_no_readings_yet():
    fig = build_session_figure(readings([]), default_protocol())
    assert any(a.text == "No readings yet" for a in fig.layout.annotations)


def test_breach_levels_handle_missing_values():
    limits = default_protocol().limits["spo2"]
    assert breach_levels(np.array([98, 91, 89, np.nan]), limits).tolist() == [0, 1, 2, 0]


def test_long_series_keeps_every_breach_and_both_extremes():
    n = 20_000
    rng = np.random.default_rng(7)
    hr = rng.normal(80, 3, n)
    spikes = rng.choice(n, 25, replace=False)
    hr[spikes] = 145  # beyond critical: must all survive
    hr[123] = 41  # the lowest value
    frame = readings(np.arange(n) / 60, hr=hr)
    fig = build_session_figure(frame, default_protocol(), infusion_started_at=START, max_points=500)
    plotted = traces(fig)["HR"]
    assert fig.layout.meta["downsampled"] and len(plotted.y) < 700
    kept = set(np.round(np.array(plotted.x) * 60).astype(int))
    assert set(spikes) <= kept and 123 in kept
    assert max(plotted.y) == 145 and min(plotted.y) == 41
    assert len(traces(fig)["HR critical"].y) == 26


@pytest.mark.skipif(not REALDATA.exists(), reason="the real monitor exports (shared/realdata) are not beside the repo")
def test_real_monitor_export_keeps_its_extremes_when_thinned():
    raw = pd.read_csv(REALDATA / "mimic2wdb_s00001_numerics_1min.csv")
    frame = pd.DataFrame({"measured_at": START + pd.to_timedelta(raw["elapsed_min"], unit="min")})
    for key, column in {"hr": "HR", "sbp": "NBPSys", "dbp": "NBPDias", "map": "NBPMean", "rr": "RESP",
                        "spo2": "SpO2"}.items():
        frame[key] = raw[column].replace(0, np.nan)  # 0 is a sensor that is off, not a value
    frame["temp_c"] = np.nan
    fig = build_session_figure(frame, default_protocol(), infusion_started_at=START, max_points=500)
    hr = traces(fig)["HR"]
    assert len(hr.y) < len(frame)
    assert max(hr.y) == frame["hr"].max() and min(hr.y) == frame["hr"].min()
    assert len(traces(fig)["SBP"].y) == frame["sbp"].notna().sum()  # 152 cuff readings: none dropped


def test_minutes_from():
    times = pd.Series([START, START + pd.Timedelta(seconds=90)])
    assert minutes_from(times, START).tolist() == [0, 1.5]
