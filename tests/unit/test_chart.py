"""The session chart as a nurse reads it: four panels, thresholds, breaches marked, timeline from start."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.core.chart import breach_levels, build_session_figure, minutes_from
from dashboard.core.chart_limits import LABEL_FONT, LABEL_GAP_PX
from dashboard.core.labels import spread
from dashboard.core.protocol import default_protocol, load_protocol

START = pd.Timestamp("2026-11-02 14:00", tz="UTC")
TITLES = ["Blood pressure (mmHg)", "Heart rate (/min)", "SpO2 (%)", "Respiratory rate (/min)"]


def readings(minutes, **vitals) -> pd.DataFrame:
    frame = pd.DataFrame({"measured_at": [START + pd.Timedelta(minutes=m) for m in minutes]})
    for key in ("sbp", "dbp", "map", "hr", "spo2", "rr", "temp_c"):
        frame[key] = np.asarray(vitals.get(key, [np.nan] * len(minutes)), dtype="float64")
    frame["bp_method"] = vitals.get("bp_method", "cuff")
    return frame


def traces(fig) -> dict:
    return {t.name: t for t in fig.data}


def lines_on(fig, yref: str) -> set[float]:
    return {s.y0 for s in fig.layout.shapes if s.type == "line" and s.yref == yref}


def annotations(fig) -> dict:
    return {a.text: a for a in fig.layout.annotations}


def hover_clock(trace) -> list[str]:
    """The clock time each point's hover shows, filled in as plotly.js does (d3 '02d' = two digits)."""
    template = trace.hovertemplate
    assert "%{customdata[0]:02d}:%{customdata[1]:02d}" in template
    zone = template.split("%{customdata[1]:02d}")[1].split("<extra>")[0]
    return [f"{int(h):02d}:{int(m):02d}{zone}" for h, m in trace.customdata]


def test_four_panels_stacked_on_one_time_axis():
    fig = build_session_figure(readings([0, 5], sbp=[120, 130], dbp=[80, 85], hr=[70, 72], spo2=[98, 97], rr=[14, 15]),
                               default_protocol(), infusion_started_at=START)
    assert [a.text for a in fig.layout.annotations][:4] == TITLES
    tops = [fig.layout[f"yaxis{s}"].domain[1] for s in ("", "2", "3", "4")]
    assert tops == sorted(tops, reverse=True)  # BP on top, RR at the bottom
    assert all(fig.layout[f"xaxis{i}"].matches == "x" for i in (2, 3, 4))
    assert fig.layout.xaxis4.title.text == "Minutes from infusion start"
    assert {"SBP", "DBP", "HR", "SpO2", "RR"} <= set(traces(fig))
    assert [t.yaxis for t in fig.data if t.name in ("SBP", "HR", "SpO2", "RR")] == ["y", "y2", "y3", "y4"]


def test_temperature_is_not_charted():
    fig = build_session_figure(readings([0], hr=[70], temp_c=[36.6]), default_protocol(), infusion_started_at=START)
    assert not any(t.name.startswith("Temp") for t in fig.data)


def test_start_is_minute_zero_and_a_reading_30_minutes_later_is_at_30():
    fig = build_session_figure(readings([-10, 30], hr=[70, 90]), default_protocol(), infusion_started_at=START)
    assert list(traces(fig)["HR"].x) == [-10, 30]  # the pre-infusion baseline is left of the start
    assert annotations(fig)["Infusion start"].x == 0
    assert any(s.type == "line" and s.x0 == 0 and s.x1 == 0 and s.name == "Infusion start" for s in fig.layout.shapes)


def test_without_a_start_minutes_count_from_the_first_reading():
    fig = build_session_figure(readings([5, 20], hr=[70, 90]), default_protocol())
    assert list(traces(fig)["HR"].x) == [0, 15]
    assert fig.layout.xaxis4.title.text == "Minutes from first reading"
    assert "Infusion start" not in annotations(fig)


def test_rows_out_of_order_are_drawn_in_time_order():
    frame = readings([20, 0, 10], hr=[90, 70, 80]).sample(frac=1, random_state=3)
    hr = traces(build_session_figure(frame, default_protocol(), infusion_started_at=START))["HR"]
    assert list(hr.x) == [0, 10, 20] and list(hr.y) == [70, 80, 90]


def test_a_185_systolic_is_marked_critical_and_165_warning():
    fig = build_session_figure(readings([0, 5, 10], sbp=[120, 165, 185], dbp=[80, 90, 100]), default_protocol(),
                               infusion_started_at=START)
    assert list(traces(fig)["SBP critical"].y) == [185]
    assert list(traces(fig)["SBP warning"].y) == [165]
    assert traces(fig)["SBP critical"].marker.color != traces(fig)["SBP warning"].marker.color
    assert "DBP critical" not in traces(fig) and "DBP warning" not in traces(fig)
    # said in the hover too, in words
    assert "critical" in traces(fig)["SBP critical"].hovertemplate and "warning" in traces(fig)["SBP warning"].hovertemplate


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.floats(0, 250, allow_nan=False), st.just(float("nan"))), max_size=40),
       st.sampled_from(["sbp", "dbp", "hr", "spo2", "rr"]))
def test_marked_level_is_the_protocols_level(values, key):
    limits = default_protocol().limits[key]
    expected = [0 if np.isnan(v) else {"normal": 0, "warning": 1, "critical": 2}[limits.level(v)] for v in values]
    assert breach_levels(np.array(values, dtype="float64"), limits).tolist() == expected


def test_threshold_lines_sit_at_the_protocols_values():
    protocol = default_protocol()
    fig = build_session_figure(readings([0], hr=[70]), protocol, infusion_started_at=START)
    sbp, dbp = protocol.limits["sbp"], protocol.limits["dbp"]
    # BP panel: SBP's and DBP's high limits and SBP's critical low
    assert lines_on(fig, "y") == {sbp.critical_low, sbp.warning_high, sbp.critical_high, dbp.warning_high,
                                  dbp.critical_high} == {90, 160, 180, 100, 110}
    assert lines_on(fig, "y3") == {protocol.limits["spo2"].warning_low, protocol.limits["spo2"].critical_low}
    hr = protocol.limits["hr"]
    assert lines_on(fig, "y2") == {hr.critical_low, hr.warning_low, hr.warning_high, hr.critical_high}
    bands = [(s.y0, s.y1) for s in fig.layout.shapes if s.type == "rect" and s.yref == "y"]
    assert (160, 180) in bands and any(low == 180 and high > 180 for low, high in bands)
    assert all(low >= 160 for low, _ in bands)  # no SBP-low band over normal diastolic values
    spo2_bands = [(s.y0, s.y1) for s in fig.layout.shapes if s.type == "rect" and s.yref == "y3"]
    assert (90, 92) in spo2_bands and any(high == 90 and low < 80 for low, high in spo2_bands)


def test_a_clinics_own_threshold_moves_the_line():
    protocol = default_protocol().model_copy(deep=True)
    protocol.limits["sbp"].critical_high = 195
    fig = build_session_figure(readings([0, 5], sbp=[185, 200], dbp=[80, 80]), protocol, infusion_started_at=START)
    assert 195 in lines_on(fig, "y") and 180 not in lines_on(fig, "y")
    assert list(traces(fig)["SBP critical"].y) == [200] and list(traces(fig)["SBP warning"].y) == [185]


def test_every_threshold_line_and_value_is_inside_its_panel():
    fig = build_session_figure(readings([0, 5], hr=[70, 160], sbp=[120, 60], dbp=[80, 40]), default_protocol(),
                               infusion_started_at=START)
    ranges = {f"y{'' if i == 1 else i}": fig.layout[f"yaxis{'' if i == 1 else i}"].range for i in range(1, 5)}
    for shape in fig.layout.shapes:
        if shape.type == "line" and shape.yref in ranges:
            assert ranges[shape.yref][0] <= shape.y0 <= ranges[shape.yref][1]
    for trace in fig.data:
        assert all(ranges[trace.yaxis][0] <= v <= ranges[trace.yaxis][1] for v in trace.y)


def test_spo2_panel_shows_80_to_100_unless_lower():
    fig = build_session_figure(readings([0], spo2=[97]), default_protocol(), infusion_started_at=START)
    low, high = fig.layout.yaxis3.range
    assert low == pytest.approx(80, abs=1) and 100 <= high <= 102
    fig = build_session_figure(readings([0], spo2=[72]), default_protocol(), infusion_started_at=START)
    assert fig.layout.yaxis3.range[0] < 72


def test_infusion_start_stop_and_events_are_marked():
    events = pd.DataFrame({"occurred_at": [START + pd.Timedelta(minutes=22), START + pd.Timedelta(minutes=23)],
                           "label": ["MOAA/S 3", "Nausea"]})
    fig = build_session_figure(readings([0], hr=[70]), default_protocol(), infusion_started_at=START,
                               infusion_stopped_at=START + pd.Timedelta(minutes=40), events=events)
    marks = annotations(fig)
    assert marks["Infusion start"].x == 0 and marks["Infusion stop"].x == 40
    assert marks["MOAA/S 3"].x == 22 and marks["Nausea"].x == 23
    assert marks["MOAA/S 3"].y != marks["Nausea"].y  # neighbours are staggered so both stay readable
    event_lines = [s for s in fig.layout.shapes if s.name == "MOAA/S 3"]
    assert event_lines and all(s.line.dash == "dot" and s.x0 == 22 for s in event_lines)


def test_event_text_is_shown_as_typed_never_as_markup():
    events = pd.DataFrame({"occurred_at": [START], "label": ["<b>bold</b> & <a href='x'>"]})
    fig = build_session_figure(readings([0], hr=[70]), default_protocol(), infusion_started_at=START, events=events)
    texts = [a.text for a in fig.layout.annotations]
    assert not any("<b>" in t or "<a " in t for t in texts)
    assert any(t.startswith("&lt;b&gt;bold&lt;/b&gt; &amp;") for t in texts)


def test_cuff_and_arterial_pressures_are_never_joined():
    frame = readings([0, 1, 2, 3], sbp=[120, 131, 122, 133], dbp=[80, 70, 81, 71], hr=[70, 71, 72, 73],
                     bp_method=["cuff", "arterial", "cuff", "arterial"])
    shown = traces(build_session_figure(frame, default_protocol(), infusion_started_at=START))
    assert {"SBP (cuff)", "SBP (arterial)", "DBP (cuff)", "DBP (arterial)"} <= set(shown) and "SBP" not in shown
    assert list(shown["SBP (cuff)"].y) == [120, 122] and list(shown["SBP (arterial)"].y) == [131, 133]
    assert shown["SBP (cuff)"].marker.symbol != shown["SBP (arterial)"].marker.symbol


def test_one_method_is_one_plain_series_and_map_is_dashed():
    fig = build_session_figure(readings([0, 5], sbp=[120, 125], dbp=[80, 82], map=[93, 96]), default_protocol(),
                               infusion_started_at=START)
    assert {"SBP", "DBP", "MAP"} <= set(traces(fig))
    assert traces(fig)["MAP"].line.dash == "dash" and traces(fig)["SBP"].line.dash == "solid"
    assert traces(fig)["SBP"].mode == "lines+markers"


def test_hover_shows_local_clock_time_and_unit():
    fig = build_session_figure(readings([0, 30], sbp=[120, 125], dbp=[80, 82], hr=[70, 75]), default_protocol(),
                               infusion_started_at=START, tz="Europe/Berlin")
    hr = traces(fig)["HR"]
    assert hover_clock(hr) == ["15:00", "15:30"]  # 14:00 UTC is 15:00 in Berlin in November
    assert "/min" in hr.hovertemplate and "mmHg" in traces(fig)["SBP"].hovertemplate
    utc = traces(build_session_figure(readings([30], hr=[75]), default_protocol(), infusion_started_at=START))["HR"]
    assert hover_clock(utc) == ["14:30 UTC"]


def test_calm_layout_that_keeps_the_users_zoom():
    fig = build_session_figure(readings([0], hr=[70]), default_protocol(), infusion_started_at=START)
    assert fig.layout.hovermode == "x unified" and fig.layout.legend.orientation == "h"
    assert fig.layout.uirevision and 700 <= fig.layout.height <= 900
    assert fig.layout.template.layout.plot_bgcolor == "white"


@pytest.mark.parametrize("frame", [readings([]), pd.DataFrame()], ids=["no rows", "no columns"])
def test_no_readings_yet(frame):
    fig = build_session_figure(frame, default_protocol())
    assert "No readings yet" in annotations(fig) and not fig.data
    json.loads(fig.to_json())
    started = build_session_figure(frame, default_protocol(), infusion_started_at=START)
    assert "Infusion start" in annotations(started) and "No readings yet" in annotations(started)


def test_long_series_keeps_every_breach_and_both_extremes():
    n = 20_000
    rng = np.random.default_rng(7)
    hr = rng.normal(80, 3, n)
    spikes = rng.choice(n, 25, replace=False)
    hr[spikes] = 145  # beyond critical: must all survive
    hr[123] = 41  # the lowest value
    fig = build_session_figure(readings(np.arange(n) / 60, hr=hr), default_protocol(), infusion_started_at=START,
                               max_points=500)
    plotted = traces(fig)["HR"]
    assert fig.layout.meta["downsampled"] and len(plotted.y) <= 500 + 26 + 2
    assert fig.layout.meta["points_in"] == n and fig.layout.meta["points_out"] == len(plotted.y)
    kept = set(np.round(np.array(plotted.x) * 60).astype(int).tolist())
    assert set(spikes.tolist()) <= kept and 123 in kept
    assert max(plotted.y) == 145 and min(plotted.y) == 41
    assert len(traces(fig)["HR critical"].y) == 26


def test_short_session_is_not_downsampled():
    fig = build_session_figure(readings([0, 5, 10], hr=[70, 72, 74]), default_protocol(), infusion_started_at=START)
    assert fig.layout.meta["downsampled"] is False
    assert fig.layout.meta["points_in"] == fig.layout.meta["points_out"] == 3


def test_a_day_at_one_reading_a_second_stays_small_to_send():
    n = 86_400
    rng = np.random.default_rng(11)
    def noisy(mean, sd):
        return rng.normal(mean, sd, n).round()
    frame = readings(np.arange(n) / 60, sbp=noisy(125, 4), dbp=noisy(78, 3), hr=noisy(75, 4), spo2=noisy(97, 0.6),
                     rr=noisy(14, 1))
    fig = build_session_figure(frame, default_protocol(), infusion_started_at=START)
    assert fig.layout.meta["downsampled"] and fig.layout.meta["points_out"] < 0.05 * fig.layout.meta["points_in"]
    assert len(pio.to_json(fig, engine="orjson")) < 1_500_000


def test_real_monitor_export_keeps_its_extremes_when_thinned(realdata):
    raw = pd.read_csv(realdata / "mimic2wdb_s00001_numerics_1min.csv")
    frame = pd.DataFrame({"measured_at": START + pd.to_timedelta(raw["elapsed_min"], unit="min")})
    for key, column in {"hr": "HR", "sbp": "NBPSys", "dbp": "NBPDias", "map": "NBPMean", "rr": "RESP",
                        "spo2": "SpO2"}.items():
        frame[key] = raw[column].replace(0, np.nan)  # 0 is a sensor that is off, not a value
    frame["temp_c"] = np.nan
    fig = build_session_figure(frame, default_protocol(), infusion_started_at=START, max_points=500)
    hr = traces(fig)["HR"]
    assert fig.layout.meta["downsampled"] and len(hr.y) < frame["hr"].notna().sum()
    assert max(hr.y) == frame["hr"].max() and min(hr.y) == frame["hr"].min()
    assert len(traces(fig)["SBP"].y) == frame["sbp"].notna().sum()  # 152 cuff readings: none dropped


def test_minutes_from():
    times = pd.Series([START, START + pd.Timedelta(seconds=90), pd.NaT])
    assert minutes_from(times, START)[:2].tolist() == [0, 1.5] and np.isnan(minutes_from(times, START)[2])
    assert minutes_from(times[:1], pd.Timestamp("2026-11-02 13:30")).tolist() == [30]  # naive origin is UTC


def panel_geometry(fig, yref: str) -> tuple[float, float, float]:
    """(range low, range high, height in pixels) of the panel on y axis yref, as the browser lays it out."""
    axis = fig.layout["yaxis" + yref[1:]]
    plot_px = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    return axis.range[0], axis.range[1], (axis.domain[1] - axis.domain[0]) * plot_px


def threshold_labels(fig) -> dict[str, list]:
    out: dict[str, list] = {}
    for note in fig.layout.annotations:
        if (note.name or "").endswith(" label"):
            out.setdefault(note.yref, []).append(note)
    return out


def test_no_sbp_zone_is_shaded_over_diastolic_values():
    frame = readings(range(0, 60, 5), sbp=[88, 95, 120, 135, 150, 158, 165, 172, 178, 185, 190, 140],
                     dbp=[50, 58, 70, 80, 88, 92, 96, 99, 98, 97, 95, 85])
    for protocol in (default_protocol(), load_protocol("esketamine-rems.json")):
        fig = build_session_figure(frame, protocol, infusion_started_at=START)
        dbp_values = list(traces(fig)["DBP"].y)
        zones = [(s.y0, s.y1) for s in fig.layout.shapes if s.type == "rect" and s.yref == "y"]
        assert zones  # the SBP warning and critical zones are still shaded
        assert not any(low < v < high for low, high in zones for v in dbp_values)
        dbp = protocol.limits["dbp"]
        normal = (dbp.warning_low, dbp.warning_high)
        assert all(high <= normal[0] or low >= normal[1] for low, high in zones)  # whatever DBP a patient has


def test_a_clinic_whose_sbp_zone_would_cover_normal_diastolic_gets_no_zone_there():
    protocol = default_protocol().model_copy(deep=True)
    protocol.limits["sbp"].warning_high, protocol.limits["sbp"].critical_high = 95, 150  # a made-up strict clinic
    fig = build_session_figure(readings([0], sbp=[120], dbp=[80]), protocol, infusion_started_at=START)
    zones = [(s.y0, s.y1) for s in fig.layout.shapes if s.type == "rect" and s.yref == "y"]
    assert zones == [(150, 1000)]  # 95-150 would lie over normal DBP values: lines only there
    assert {95, 150} <= lines_on(fig, "y")


@settings(max_examples=25, deadline=None)
@given(st.floats(150, 260), st.floats(20, 70), st.floats(35, 200), st.floats(85, 100))
def test_threshold_labels_never_overlap_and_stay_beside_their_panel(sbp_max, dbp_min, hr_max, spo2_min):
    frame = readings([0, 5, 10], sbp=[120, sbp_max, 130], dbp=[dbp_min, 80, 85], hr=[70, hr_max, 72],
                     spo2=[97, spo2_min, 98], rr=[14, 15, 16])
    fig = build_session_figure(frame, default_protocol(), infusion_started_at=START)
    labels = threshold_labels(fig)
    assert {"SBP 90", "DBP 100", "SBP 160", "SBP 180", "DBP 110"} == {n.text for n in labels["y"]}
    for yref, notes in labels.items():
        low, high, panel_px = panel_geometry(fig, yref)
        px = sorted((n.y - low) / (high - low) * panel_px for n in notes)
        assert all(b - a >= LABEL_GAP_PX - 1e-6 for a, b in zip(px, px[1:])), (yref, px)  # no two overlap
        assert px[0] >= LABEL_GAP_PX / 2 - 1e-6 and px[-1] <= panel_px - LABEL_GAP_PX / 2 + 1e-6  # none cut off
        for note in notes:  # beside the plot, in a margin wide enough for the text
            assert note.xref.endswith("domain") and note.x == 1 and note.xanchor == "left"
            assert fig.layout.margin.r >= note.xshift + 0.65 * LABEL_FONT * len(note.text)
            line = next(s for s in fig.layout.shapes if s.type == "line" and s.yref == yref
                        and f"{s.y0:g}" == note.text.split()[-1])
            assert note.font.color == line.line.color  # a label has its line's colour


def test_labels_of_close_lines_sit_beside_their_own_lines_in_order():
    fig = build_session_figure(readings([0, 5], sbp=[60, 250], dbp=[30, 90]), default_protocol(),
                               infusion_started_at=START)
    by_text = {n.text: n.y for n in threshold_labels(fig)["y"]}
    assert by_text["SBP 90"] < by_text["DBP 100"] < by_text["DBP 110"] < by_text["SBP 160"] < by_text["SBP 180"]
    low, high, panel_px = panel_geometry(fig, "y")
    mmhg_per_label = LABEL_GAP_PX / panel_px * (high - low)
    assert abs(by_text["SBP 180"] - 180) < mmhg_per_label  # lines far from others keep their label at the line


def test_side_effect_severity_is_shown_on_its_mark_and_in_its_hover():
    events = pd.DataFrame({"occurred_at": [START + pd.Timedelta(minutes=12), START + pd.Timedelta(minutes=30),
                                           START + pd.Timedelta(minutes=31)],
                           "label": ["Nausea", "A very long description of a headache", "MOAA/S 3"],
                           "severity": ["severe", "mild", None]})
    fig = build_session_figure(readings([0], hr=[70]), default_protocol(), infusion_started_at=START, events=events,
                               tz="Europe/Berlin")
    marks = annotations(fig)
    assert marks["Nausea (severe)"].hovertext == "Nausea, severe · 15:12"
    long = next(t for t in marks if t.startswith("A very long"))
    assert long.endswith("… (mild)") and len(long) <= 24  # cut, but never the severity
    assert marks[long].hovertext == "A very long description of a headache, mild · 15:30"
    assert marks["MOAA/S 3"].hovertext == "MOAA/S 3 · 15:31"  # a score has no severity
    severe = [s for s in fig.layout.shapes if s.name == "Nausea"]
    mild = [s for s in fig.layout.shapes if s.name.startswith("A very long")]
    assert severe[0].line.width > mild[0].line.width  # a severe effect stands out


def test_a_4_hour_session_at_1_hz_keeps_every_breach_after_thinning():
    n = 14_400
    rng = np.random.default_rng(5)
    sbp, hr, spo2 = rng.normal(125, 4, n).round(), rng.normal(78, 3, n).round(), rng.normal(97, 0.5, n).round()
    highs, lows, desats = rng.choice(n, 40, replace=False), rng.choice(n, 30, replace=False), rng.choice(n, 20, replace=False)
    sbp[highs] = rng.choice([165, 185, 201], 40)
    hr[lows] = 44
    spo2[desats] = rng.choice([88, 91], 20)
    frame = readings(np.arange(n) / 60, sbp=sbp, dbp=sbp - 45, hr=hr, spo2=spo2, rr=np.full(n, 14.0))
    fig = build_session_figure(frame, default_protocol(), infusion_started_at=START)
    shown = traces(fig)
    assert fig.layout.meta["downsampled"] and fig.layout.meta["points_out"] < 0.2 * fig.layout.meta["points_in"]
    for key, hits in (("SBP", highs), ("HR", lows), ("SpO2", desats)):
        kept = set(np.round(np.asarray(shown[key].x) * 60).astype(int).tolist())
        assert set(hits.tolist()) <= kept, key
        marked = np.concatenate([np.asarray(shown[f"{key} {level}"].x) for level in ("warning", "critical")
                                 if f"{key} {level}" in shown])
        assert set(hits.tolist()) <= set(np.round(marked * 60).astype(int).tolist()), key
    assert max(shown["SBP"].y) == sbp.max() and min(shown["SBP"].y) == sbp.min()
    assert shown["SBP"].mode == "lines" and shown["SBP critical"].mode == "markers"  # breaches stand out of the line


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(-50, 400), min_size=1, max_size=12), st.floats(60, 400))
def test_spread_labels_keep_their_order_and_distance_inside_the_panel(wanted, extent):
    placed = spread(wanted, extent, LABEL_GAP_PX)
    gap = min(LABEL_GAP_PX, extent / len(wanted))
    ranked = [p for _, p in sorted(zip(wanted, placed), key=lambda pair: pair[0])]
    assert all(b - a >= gap - 1e-6 for a, b in zip(ranked, ranked[1:]))
    assert all(gap / 2 - 1e-6 <= p <= extent - gap / 2 + 1e-6 for p in placed)
    lone = spread([extent / 2], extent, LABEL_GAP_PX)
    assert lone == [extent / 2]  # nothing near: a label stays at its line


def test_the_figure_is_valid_plotly_with_every_kind_of_element():
    frame = readings([-5, 0, 1, 2, 3], sbp=[120, 185, 131, 165, 80], dbp=[80, 70, 81, 71, 50], map=[93, 108, 98, 102, 60],
                     hr=[70, 150, 72, 40, 75], spo2=[98, 85, 97, 91, 96], rr=[14, 40, 15, 9, 16],
                     bp_method=["cuff", "arterial", "cuff", "arterial", None])
    events = pd.DataFrame({"occurred_at": [START + pd.Timedelta(minutes=2)], "label": ["Nausea"], "severity": ["mild"]})
    fig = build_session_figure(frame, default_protocol(), infusion_started_at=START,
                               infusion_stopped_at=START + pd.Timedelta(minutes=3), events=events, tz="Europe/Berlin")
    checked = go.Figure(fig.to_dict())  # plotly's own validation: raises on any property it does not know
    assert len(checked.data) == len(fig.data) and len(checked.layout.annotations) == len(fig.layout.annotations)


def monitor_feed(n: int, **vitals) -> pd.DataFrame:
    """A monitor's feed: one reading a second exactly, from ten minutes before the start."""
    frame = pd.DataFrame({"measured_at": pd.date_range(START - pd.Timedelta(minutes=10), periods=n, freq="s")})
    for key in ("sbp", "dbp", "map", "hr", "spo2", "rr"):
        frame[key] = np.asarray(vitals.get(key, np.full(n, np.nan)), dtype="float64")
    frame["bp_method"] = vitals.get("bp_method", "arterial")
    return frame


def drawn_at(trace) -> set[int]:
    """The seconds from the feed's first reading of the points a trace draws."""
    return set(np.round((np.asarray(trace.x) + 10) * 60).astype(int).tolist())


def test_a_monitor_feed_keeps_every_breach_and_extreme_as_a_feed_with_uneven_times_does():
    n = 30_000
    rng = np.random.default_rng(8)
    sbp, hr, spo2 = rng.normal(125, 4, n).round(), rng.normal(78, 3, n).round(), rng.normal(97, 0.5, n).round()
    highs, lows, desats = rng.choice(n, 60, replace=False), rng.choice(n, 7, replace=False), rng.choice(n, 9, replace=False)
    sbp[highs], sbp[lows], hr[lows], spo2[desats] = 186, 85, 44, 91
    sbp[12_345] = 230  # the highest
    even = monitor_feed(n, sbp=sbp, dbp=sbp - 45, hr=hr, spo2=spo2)
    uneven = even.copy()
    uneven.loc[n // 2, "measured_at"] += pd.Timedelta(milliseconds=1)
    figures = [traces(build_session_figure(f, default_protocol(), infusion_started_at=START)) for f in (even, uneven)]
    for shown in figures:
        for key, hits in (("SBP", [*highs, *lows, 12_345]), ("HR", lows), ("SpO2", desats)):
            assert set(np.asarray(hits).tolist()) <= drawn_at(shown[key]), key
            marked = set().union(*(drawn_at(shown[f"{key} {level}"]) for level in ("warning", "critical")
                                   if f"{key} {level}" in shown))
            assert set(np.asarray(hits).tolist()) <= marked, key
        assert max(shown["SBP"].y) == 230 and min(shown["SBP"].y) == sbp.min() and min(shown["SpO2"].y) == 91
    even_shown, uneven_shown = figures
    marks = {name for name in even_shown if name.endswith(("warning", "critical"))}
    assert marks == {name for name in uneven_shown if name.endswith(("warning", "critical"))}
    assert {"SBP critical", "HR critical", "SpO2 warning"} <= marks
    for name in marks:
        assert drawn_at(even_shown[name]) == drawn_at(uneven_shown[name]), name
    assert abs(len(even_shown["HR"].x) - len(uneven_shown["HR"].x)) <= 2  # the same thinning either way


def test_a_monitor_feed_with_missing_values_never_draws_them_and_keeps_its_breaches():
    n = 20_000
    hr = np.full(n, 75.0)
    hr[::97] = np.nan  # the probe off now and then
    hr[[501, 15_003]] = 150
    fig = build_session_figure(monitor_feed(n, hr=hr, spo2=np.full(n, 97.0)), default_protocol(),
                               infusion_started_at=START)
    shown = traces(fig)
    assert not np.isnan(np.asarray(shown["HR"].y)).any()
    assert {501, 15_003} <= drawn_at(shown["HR critical"])
    assert fig.layout.meta["points_in"] == np.count_nonzero(~np.isnan(hr)) + n  # HR's measured ones and SpO2's


def test_a_monitor_feed_that_switches_bp_method_is_never_joined():
    n = 10_000
    methods = np.where(np.arange(n) < 4_000, "cuff", "arterial")
    fig = build_session_figure(monitor_feed(n, sbp=np.full(n, 120.0), dbp=np.full(n, 80.0), bp_method=methods),
                               default_protocol(), infusion_started_at=START)
    shown = traces(fig)
    assert "SBP" not in shown and max(drawn_at(shown["SBP (cuff)"])) < 4_000 <= min(drawn_at(shown["SBP (arterial)"]))


def test_every_series_hovers_its_own_clock_times_when_they_are_thinned_differently():
    n = 20_000
    sbp = np.full(n, np.nan)
    sbp[::60] = 120.0  # a cuff pressure a minute, the heart rate every second
    rng = np.random.default_rng(2)
    fig = build_session_figure(monitor_feed(n, sbp=sbp, dbp=sbp - 40, hr=rng.normal(75, 3, n).round()),
                               default_protocol(), infusion_started_at=START, tz="Europe/Berlin")
    for name in ("SBP", "DBP", "HR"):
        trace = traces(fig)[name]
        berlin = [(START + pd.Timedelta(minutes=float(x))).tz_convert("Europe/Berlin") for x in trace.x]
        assert hover_clock(trace) == [f"{t:%H:%M}" for t in berlin], name


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.floats(20, 250, allow_nan=False), st.just(float("nan"))), min_size=30, max_size=600),
       st.integers(4, 40), st.booleans())
def test_a_monitor_feed_draws_every_breach_and_both_extremes_however_thinned(values, max_points, calm):
    hr = np.array(values)
    if calm:
        hr = np.where(np.isnan(hr), 75.0, 60 + hr % 50)  # nothing missing, nothing beyond a limit but a few
        hr[len(hr) // 2] = 150.0
    fig = build_session_figure(monitor_feed(len(hr), hr=hr), default_protocol(), infusion_started_at=START,
                               max_points=max_points)
    shown = traces(fig)
    limits = default_protocol().limits["hr"]
    beyond = {i for i, v in enumerate(hr) if not np.isnan(v) and limits.level(v) != "normal"}
    marked = set().union(*(drawn_at(shown[f"HR {level}"]) for level in ("warning", "critical") if f"HR {level}" in shown))
    assert beyond <= drawn_at(shown["HR"]) and beyond == marked
    assert max(shown["HR"].y) == np.nanmax(hr) and min(shown["HR"].y) == np.nanmin(hr)
    assert not np.isnan(np.asarray(shown["HR"].y)).any()


def test_a_monitor_feed_in_the_wrong_order_is_drawn_as_the_feed_in_order():
    n = 8_000
    rng = np.random.default_rng(6)
    feed = monitor_feed(n, hr=rng.normal(75, 3, n).round())
    feed.loc[[1_000, 5_000], "hr"] = 150
    ordered = traces(build_session_figure(feed, default_protocol(), infusion_started_at=START))
    shuffled = traces(build_session_figure(feed.sample(frac=1, random_state=4), default_protocol(),
                                           infusion_started_at=START))
    assert list(shuffled["HR"].x) == list(ordered["HR"].x) and list(shuffled["HR"].y) == list(ordered["HR"].y)
    assert drawn_at(shuffled["HR critical"]) == {1_000, 5_000}
