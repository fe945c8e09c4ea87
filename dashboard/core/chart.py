"""The session chart: BP, HR, SpO2 and RR panels over minutes from infusion start, thresholds and breaches marked."""

from __future__ import annotations

from html import escape
from typing import NamedTuple

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.core.downsample import downsample_indices
from dashboard.core.protocol import Protocol, VitalLimits
from dashboard.core.vitals import VITAL_BY_KEY

ALL_LIMITS = ("critical_low", "warning_low", "warning_high", "critical_high")


class Panel(NamedTuple):
    title: str
    keys: tuple[str, ...]  # vitals drawn in the panel
    lines: tuple[tuple[str, tuple[str, ...]], ...]  # (vital, its limits drawn as lines); the first is also banded
    band_sides: tuple[str, ...] = ("low", "high")


PANELS = (
    Panel("Blood pressure (mmHg)", ("sbp", "dbp", "map"),
          (("sbp", ("critical_low", "warning_high", "critical_high")), ("dbp", ("warning_high", "critical_high"))),
          band_sides=("high",)),  # a band below SBP's low limit would lie over normal diastolic values
    Panel("Heart rate (/min)", ("hr",), (("hr", ALL_LIMITS),)),
    Panel("SpO2 (%)", ("spo2",), (("spo2", ALL_LIMITS),)),
    Panel("Respiratory rate (/min)", ("rr",), (("rr", ALL_LIMITS),)),
)
COLORS = {"sbp": "#1f4e79", "dbp": "#4a90c2", "map": "#7f9fb8", "hr": "#8e3b46", "spo2": "#1b7f6b", "rr": "#6b4f9e"}
LEVELS = ("warning", "critical")  # rank 1, rank 2
LEVEL_COLORS = {"warning": "#e69f00", "critical": "#d62728"}
BAND_OPACITY = {"warning": 0.07, "critical": 0.10}
BAND_EDGE = {"low": 0.0, "high": 1000.0}  # bands run past the panel; the y range clips them
METHOD_SYMBOLS = {"cuff": "circle", "arterial": "diamond", "manual": "square"}
MARK_STYLES = {"infusion": dict(color="#34495e", width=1.5, dash="solid"),
               "event": dict(color="#7d3c98", width=1, dash="dot")}
LABEL_MAX = 24
PANEL_HEIGHTS = (0.34, 0.22, 0.22, 0.22)
PANEL_GAP = 0.05
GRID = "#eef1f4"


def minutes_from(times: pd.Series, origin: pd.Timestamp) -> np.ndarray:
    """Minutes (float) from origin to each time; naive times count as UTC; NaT gives NaN."""
    delta = pd.to_datetime(times, utc=True) - _utc(origin)
    return np.asarray(delta / pd.Timedelta(minutes=1), dtype="float64")


def _utc(moment) -> pd.Timestamp:
    moment = pd.Timestamp(moment)
    return moment.tz_localize("UTC") if moment.tzinfo is None else moment.tz_convert("UTC")


def breach_levels(values: np.ndarray, limits: VitalLimits | None) -> np.ndarray:
    """0 normal, 1 warning, 2 critical per value, as VitalLimits.level (NaN is normal: nothing measured)."""
    level = np.zeros(len(values), dtype="int8")
    if limits is None:
        return level
    with np.errstate(invalid="ignore"):
        for rank, low, high in ((1, limits.warning_low, limits.warning_high),
                                (2, limits.critical_low, limits.critical_high)):
            beyond = np.zeros(len(values), dtype=bool)
            if low is not None:
                beyond |= values < low
            if high is not None:
                beyond |= values > high
            level[beyond] = rank
    return level


def _axis(row: int) -> tuple[str, str]:
    suffix = "" if row == 1 else str(row)
    return f"x{suffix}", f"y{suffix}"


def _threshold_shapes(row: int, panel: Panel, protocol: Protocol) -> tuple[list[dict], list[float]]:
    """Dashed lines at the drawn limits, shaded warning and critical zones beyond them; and the line values."""
    xref, yref = _axis(row)
    shapes, values = [], []
    for position, (key, names) in enumerate(panel.lines):
        limits = protocol.limits.get(key)
        if limits is None:
            continue
        drawn = {name: getattr(limits, name) for name in names if getattr(limits, name) is not None}
        for name, value in drawn.items():
            level, side = name.split("_")
            values.append(value)
            shapes.append(dict(
                type="line", xref=f"{xref} domain", yref=yref, x0=0, x1=1, y0=value, y1=value, layer="below",
                line=dict(color=LEVEL_COLORS[level], width=1, dash="dash"), name=f"{key} {name} {value:g}",
                # Critical labels outside their line, warning labels inside: neighbouring labels never overlap.
                label=dict(text=f"{VITAL_BY_KEY[key].short} {value:g}", textposition="end",
                           yanchor="bottom" if (level == "critical") == (side == "high") else "top",
                           font=dict(size=9, color=LEVEL_COLORS[level]))))
        if position:  # a second vital on the panel gets lines only: overlapping bands would mislead
            continue
        for side in panel.band_sides:
            warn, crit = drawn.get(f"warning_{side}"), drawn.get(f"critical_{side}")
            zones = (("warning", warn, crit if crit is not None else BAND_EDGE[side]),
                     ("critical", crit, BAND_EDGE[side]))
            for level, start, end in zones:
                if start is not None and start != end:
                    shapes.append(dict(
                        type="rect", xref=f"{xref} domain", yref=yref, x0=0, x1=1, y0=min(start, end),
                        y1=max(start, end), line=dict(width=0), fillcolor=LEVEL_COLORS[level],
                        opacity=BAND_OPACITY[level], layer="below", name=f"{key} {level} {side} band"))
    return shapes, values


def _method_groups(readings: pd.DataFrame, key: str, measured: np.ndarray) -> list[tuple[str, str | None, np.ndarray]]:
    """(name suffix, BP method, rows) per series: one per BP method when a session mixes them, never joined."""
    rows = np.flatnonzero(measured)
    if key not in ("sbp", "dbp", "map") or "bp_method" not in readings:
        return [("", None, rows)]
    methods = readings["bp_method"].to_numpy(dtype=object)[rows]
    methods = np.where(pd.isna(methods), "unspecified", methods).astype(str)
    names = np.unique(methods)
    if len(names) <= 1:
        return [("", names[0] if len(names) else None, rows)]
    return [(f" ({m})", m, rows[methods == m]) for m in names]


def _vital_traces(row: int, key: str, readings: pd.DataFrame, x: np.ndarray, clock: pd.Series, clock_format: str,
                  limits: VitalLimits | None, max_points: int) -> tuple[list[dict], int, int, bool]:
    """Line and breach traces of one vital; and (points in, points plotted, downsampled)."""
    vital = VITAL_BY_KEY[key]
    xref, yref = _axis(row)
    y_all = readings[key].to_numpy(dtype="float64", na_value=np.nan)
    level_all = breach_levels(y_all, limits)
    level_text = np.array(["", f" ({LEVELS[0]})", f" ({LEVELS[1]})"], dtype=object)
    traces: list[dict] = []
    points_in = points_out = 0
    thinned = False
    for suffix, method, rows in _method_groups(readings, key, ~np.isnan(y_all)):
        if not len(rows):
            continue
        level = level_all[rows]
        idx = downsample_indices(x[rows], y_all[rows], max_points, keep=level > 0)
        points_in, points_out, thinned = points_in + len(rows), points_out + len(idx), thinned or len(rows) > max_points
        sel, lev = rows[idx], level[idx]
        custom = np.column_stack([clock.iloc[sel].dt.strftime(clock_format).to_numpy(dtype=object), level_text[lev]])
        name = f"{vital.short}{suffix}"
        traces.append(dict(
            type="scatter", xaxis=xref, yaxis=yref, x=x[sel], y=y_all[sel], customdata=custom, name=name,
            legendgroup=name, mode="lines+markers",
            line=dict(color=COLORS[key], width=1.5 if key == "map" else 2, dash="dash" if key == "map" else "solid"),
            marker=dict(size=5, symbol=METHOD_SYMBOLS.get(method, "circle")),
            hovertemplate=f"{name} %{{y:.1~f}} {vital.unit}%{{customdata[1]}} · %{{customdata[0]}}<extra></extra>"))
        for rank, level_name in enumerate(LEVELS, start=1):
            hit = sel[lev == rank]
            if len(hit):
                traces.append(dict(
                    type="scatter", xaxis=xref, yaxis=yref, x=x[hit], y=y_all[hit], name=f"{name} {level_name}",
                    legendgroup=name, showlegend=False, mode="markers", hoverinfo="skip",
                    marker=dict(size=9, color=LEVEL_COLORS[level_name], line=dict(color="white", width=1))))
    return traces, points_in, points_out, thinned


def _marks(origin: pd.Timestamp, started_at, stopped_at, events: pd.DataFrame | None) -> tuple[list[dict], list[dict]]:
    """Vertical lines through every panel for infusion start/stop and events, with labels above the chart."""
    minutes, labels, styles = [], [], []
    if started_at is not None:
        minutes.append(float(minutes_from(pd.Series([started_at]), origin)[0]))
        labels.append("Infusion start")
        styles.append("infusion")
    if stopped_at is not None:
        minutes.append(float(minutes_from(pd.Series([stopped_at]), origin)[0]))
        labels.append("Infusion stop")
        styles.append("infusion")
    if events is not None and len(events):
        minutes += minutes_from(events["occurred_at"], origin).tolist()
        labels += events["label"].astype(str).tolist()
        styles += ["event"] * len(events)
    minutes_arr = np.asarray(minutes, dtype="float64")
    # Neighbours in time get different label heights so labels of events minutes apart stay readable.
    tier = np.empty(len(minutes_arr), dtype=int)
    tier[np.argsort(minutes_arr, kind="stable")] = np.arange(len(minutes_arr)) % 3
    shapes, annotations = [], []
    for minute, label, style, height in zip(minutes_arr, labels, styles, tier, strict=True):
        if np.isnan(minute):
            continue
        for row in range(1, len(PANELS) + 1):
            xref, yref = _axis(row)
            shapes.append(dict(type="line", xref=xref, yref=f"{yref} domain", x0=minute, x1=minute, y0=0, y1=1,
                               line=MARK_STYLES[style], name=label))
        short = label if len(label) <= LABEL_MAX else label[:LABEL_MAX - 1] + "…"
        # Plotly renders a subset of HTML in annotations: escape so typed text is shown, never interpreted.
        annotations.append(dict(x=minute, xref="x", y=1.035 + 0.025 * height, yref="paper", text=escape(short),
                                hovertext=escape(label), showarrow=False, xanchor="left", yanchor="bottom",
                                font=dict(size=11, color=MARK_STYLES[style]["color"])))
    return shapes, annotations


def _y_range(values: list[float], spo2: bool) -> list[float] | None:
    """Every value and threshold line in view with a margin; SpO2 shows about 80-100 unless data go lower."""
    if not values:
        return [80.0, 101.0] if spo2 else None
    low, high = min(values), max(values)
    pad = max((high - low) * 0.14, 2.0)  # room for the limit labels at the panel edges
    if spo2:
        return [min(low - pad, 80.0), 101.0]
    return [max(low - pad, 0.0), high + pad]


def _grid() -> tuple[dict, list[dict]]:
    """Axes of the stacked panels (x shared, ticks on the bottom one only) and the panel titles, top left."""
    axes, titles = {}, []
    height = (1 - PANEL_GAP * (len(PANELS) - 1)) * np.asarray(PANEL_HEIGHTS) / sum(PANEL_HEIGHTS)
    top = 1.0
    for row, panel in enumerate(PANELS, start=1):
        xref, yref = _axis(row)
        bottom = max(top - height[row - 1], 0.0)
        last = row == len(PANELS)
        axes["xaxis" + xref[1:]] = dict(anchor=yref, domain=[0, 1], showticklabels=last, gridcolor=GRID,
                                        zeroline=False, hoverformat=".1f", **({} if row == 1 else {"matches": "x"}))
        axes["yaxis" + yref[1:]] = dict(anchor=xref, domain=[bottom, top], gridcolor=GRID, zeroline=False)
        titles.append(dict(text=panel.title, x=0, xanchor="left", xref="paper", y=top, yanchor="bottom",
                           yref="paper", showarrow=False, font=dict(size=13)))
        top = bottom - PANEL_GAP
    return axes, titles


def build_session_figure(readings: pd.DataFrame, protocol: Protocol, *,
                         infusion_started_at: pd.Timestamp | None = None,
                         infusion_stopped_at: pd.Timestamp | None = None, events: pd.DataFrame | None = None,
                         max_points: int = 2000, tz: str | None = None) -> go.Figure:
    """Four stacked panels (BP, HR, SpO2, RR) sharing x = minutes from infusion start (else first reading).

    readings: measured_at (UTC) and vital columns, NaN = not measured; optional bp_method. events: occurred_at,
    label. Hover shows the clock time in tz (UTC when None). Series longer than max_points are thinned,
    keeping every warning/critical point and the extremes; layout.meta tells how many points were drawn.
    """
    has_readings = len(readings) > 0 and "measured_at" in readings
    if has_readings:
        readings = readings.sort_values("measured_at", kind="stable", ignore_index=True)
        times = pd.to_datetime(readings["measured_at"], utc=True)
        has_readings = bool(times.notna().any())
    if infusion_started_at is not None:
        origin, x_title = _utc(infusion_started_at), "Minutes from infusion start"
    elif has_readings:
        origin, x_title = times.min(), "Minutes from first reading"
    else:
        origin, x_title = None, "Minutes from infusion start"

    axes, annotations = _grid()
    traces: list[dict] = []
    shapes: list[dict] = []
    points_in = points_out = 0
    thinned = False
    if has_readings:
        x = minutes_from(times, origin)
        clock = times.dt.tz_convert(tz) if tz else times
        clock_format = "%H:%M" if tz else "%H:%M UTC"
    for row, panel in enumerate(PANELS, start=1):
        panel_shapes, in_view = _threshold_shapes(row, panel, protocol)
        shapes += panel_shapes
        for key in panel.keys if has_readings else ():
            if key not in readings:
                continue
            more, n_in, n_out, cut = _vital_traces(row, key, readings, x, clock, clock_format,
                                                   protocol.limits.get(key), max_points)
            traces += more
            points_in, points_out, thinned = points_in + n_in, points_out + n_out, thinned or cut
            if n_in:
                in_view += [float(readings[key].min()), float(readings[key].max())]
        y_range = _y_range(in_view, spo2="spo2" in panel.keys)
        if y_range is not None:
            axes["yaxis" + _axis(row)[1][1:]]["range"] = y_range

    if origin is not None:
        mark_shapes, mark_notes = _marks(origin, infusion_started_at, infusion_stopped_at, events)
        shapes += mark_shapes
        annotations += mark_notes
    if not has_readings:
        annotations.append(dict(text="No readings yet", xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
                                font=dict(size=16, color="#7f8c8d")))
        axes["xaxis"]["range"] = [-10, 60]  # the others match it
    axes["xaxis" + _axis(len(PANELS))[0][1:]]["title"] = dict(text=x_title)

    # One Figure built from plain dicts: plotly validates once instead of on every add_trace/update.
    return go.Figure(data=traces, layout=dict(
        template="plotly_white", height=800, margin=dict(l=60, r=24, t=120, b=48),
        font=dict(size=12, color="#2c3e50"), hovermode="x unified", uirevision="session-chart",
        legend=dict(orientation="h", yanchor="bottom", y=1.12, x=0, xanchor="left"),
        shapes=shapes, annotations=annotations,
        meta={"downsampled": thinned, "points_in": points_in, "points_out": points_out}, **axes))
