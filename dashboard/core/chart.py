"""The session chart: stacked BP, HR, SpO2 and RR panels in minutes from infusion start, with thresholds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.core.downsample import downsample_indices
from dashboard.core.protocol import Protocol, VitalLimits
from dashboard.core.vitals import VITAL_BY_KEY

PANELS = (  # title, vitals drawn, vital whose thresholds are banded
    ("Blood pressure (mmHg)", ("sbp", "dbp", "map"), "sbp"),
    ("Heart rate (/min)", ("hr",), "hr"),
    ("SpO2 (%)", ("spo2",), "spo2"),
    ("Respiratory rate (/min)", ("rr",), "rr"),
)
COLORS = {"sbp": "#1f4e79", "dbp": "#2e86c1", "map": "#85a9c5", "hr": "#a93226", "spo2": "#117a65", "rr": "#6c3483"}
LEVEL_COLORS = {"warning": "#e69f00", "critical": "#d62728"}
LEVELS = ("warning", "critical")
BAND_OPACITY = {"warning": 0.08, "critical": 0.12}
BAND_EDGE = 1000.0  # bands run past the panel edge; the axis range clips them


def minutes_from(times: pd.Series, origin: pd.Timestamp) -> np.ndarray:
    return ((pd.to_datetime(times, utc=True) - pd.Timestamp(origin)).dt.total_seconds() / 60).to_numpy()


def breach_levels(values: np.ndarray, limits: VitalLimits | None) -> np.ndarray:
    """0 normal, 1 warning, 2 critical, per value (NaN is normal: nothing was measured)."""
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


def _threshold_shapes(row: int, key: str, limits: VitalLimits, banded: bool) -> list[dict]:
    xref, yref = _axis(row)
    shapes = []
    bottom, top = -BAND_EDGE, BAND_EDGE
    for level in LEVELS:
        low, high = getattr(limits, f"{level}_low"), getattr(limits, f"{level}_high")
        for value in (low, high):
            if value is not None:
                shapes.append(dict(type="line", xref=f"{xref} domain", yref=yref, x0=0, x1=1, y0=value, y1=value,
                                   line=dict(color=LEVEL_COLORS[level], width=1, dash="dash"), layer="below",
                                   name=f"{key} {level} {value:g}"))
    if banded:
        # Warning band between the warning and critical limits; critical band beyond the critical limit.
        for side in ("high", "low"):
            warn, crit = getattr(limits, f"warning_{side}"), getattr(limits, f"critical_{side}")
            edge = top if side == "high" else bottom
            for level, start, end in (("warning", warn, crit if crit is not None else edge), ("critical", crit, edge)):
                if start is not None and end is not None and start != end:
                    shapes.append(dict(type="rect", xref=f"{xref} domain", yref=yref, x0=0, x1=1,
                                       y0=min(start, end), y1=max(start, end), line=dict(width=0),
                                       fillcolor=LEVEL_COLORS[level], opacity=BAND_OPACITY[level], layer="below",
                                       name=f"{key} {level} band"))
    return shapes


def _series_groups(readings: pd.DataFrame, key: str) -> list[tuple[str, pd.DataFrame]]:
    """One group per BP method when a session mixes them (never join cuff and arterial in one line)."""
    if key not in ("sbp", "dbp", "map") or "bp_method" not in readings:
        return [("", readings)]
    with_bp = readings[readings[key].notna()]
    methods = with_bp["bp_method"].fillna("cuff").unique()
    if len(methods) <= 1:
        return [("", readings)]
    return [(f" ({m})", with_bp[with_bp["bp_method"].fillna("cuff") == m]) for m in sorted(methods)]


def build_session_figure(readings: pd.DataFrame, protocol: Protocol, *, infusion_started_at=None,
                         infusion_stopped_at=None, events: pd.DataFrame | None = None, max_points: int = 2000,
                         tz: str | None = None) -> go.Figure:
    """readings: measured_at (UTC) and vitals (NaN = not measured); only readings in force."""
    fig = make_subplots(rows=len(PANELS), cols=1, shared_xaxes=True, vertical_spacing=0.045,
                        row_heights=[0.37, 0.21, 0.21, 0.21], subplot_titles=[p[0] for p in PANELS])
    readings = readings.sort_values("measured_at") if len(readings) else readings
    if infusion_started_at is not None:
        origin, x_title = pd.Timestamp(infusion_started_at), "Minutes from infusion start"
    elif len(readings):
        origin, x_title = pd.Timestamp(readings["measured_at"].iloc[0]), "Minutes from first reading"
    else:
        origin, x_title = None, "Minutes from infusion start"

    shapes: list[dict] = []
    points_in = points_out = 0
    for row, (_, keys, banded_key) in enumerate(PANELS, start=1):
        for key in keys:
            limits = protocol.limits.get(key)
            if limits is not None and (key == banded_key or key == "dbp"):
                shapes += _threshold_shapes(row, key, limits, banded=key == banded_key)
            if not len(readings) or key not in readings:
                continue
            vital = VITAL_BY_KEY[key]
            for suffix, group in _series_groups(readings, key):
                y = group[key].to_numpy(dtype="float64")
                if np.isnan(y).all():
                    continue
                x = minutes_from(group["measured_at"], origin)
                clock = pd.to_datetime(group["measured_at"], utc=True)
                clock = (clock.dt.tz_convert(tz) if tz else clock).dt.strftime("%H:%M").to_numpy()
                level = breach_levels(y, limits)
                idx = downsample_indices(x, y, max_points, keep=level > 0)
                points_in += int((~np.isnan(y)).sum())
                points_out += len(idx)
                name = f"{vital.short}{suffix}"
                fig.add_trace(go.Scatter(
                    x=x[idx], y=y[idx], customdata=clock[idx], name=name, mode="lines+markers",
                    line=dict(color=COLORS[key], width=2, dash="dot" if key == "map" else "solid"),
                    marker=dict(size=5), connectgaps=True, legendgroup=key,
                    hovertemplate=f"{name} %{{y:g}} {vital.unit} at %{{customdata}}<extra></extra>",
                ), row=row, col=1)
                for rank, level_name in enumerate(LEVELS, start=1):
                    hit = idx[level[idx] == rank]
                    if len(hit):
                        fig.add_trace(go.Scatter(
                            x=x[hit], y=y[hit], customdata=clock[hit], name=f"{name} {level_name}", mode="markers",
                            marker=dict(size=11, color=LEVEL_COLORS[level_name], symbol="circle-open",
                                        line=dict(width=2.5)),
                            legendgroup=level_name, showlegend=False,
                            hovertemplate=f"{level_name}: {name} %{{y:g}} at %{{customdata}}<extra></extra>",
                        ), row=row, col=1)

    annotations = []
    if origin is not None:
        marks = [(0.0 if infusion_started_at is not None else None, "Infusion start", "#2c3e50", "solid")]
        if infusion_stopped_at is not None:
            marks.append((minutes_from(pd.Series([infusion_stopped_at]), origin)[0], "Infusion stop", "#2c3e50", "solid"))
        if events is not None and len(events):
            for minute, label in zip(minutes_from(events["occurred_at"], origin), events["label"]):
                marks.append((minute, str(label), "#7d3c98", "dot"))
        for i, (minute, label, color, dash) in enumerate(marks):
            if minute is None:
                continue
            shapes.append(dict(type="line", xref="x", yref="paper", x0=minute, x1=minute, y0=0, y1=1,
                               line=dict(color=color, width=1.5, dash=dash), name=label))
            # Staggered heights keep labels of events minutes apart readable.
            annotations.append(dict(x=minute, xref="x", y=1.005 + 0.022 * (i % 3), yref="paper", text=label,
                                    showarrow=False, xanchor="left", font=dict(size=11, color=color)))
    if not len(readings):
        annotations.append(dict(text="No readings yet", xref="paper", yref="paper", x=0.5, y=0.5,
                                showarrow=False, font=dict(size=16, color="#7f8c8d")))

    fig.update_layout(
        template="plotly_white", height=820, margin=dict(l=60, r=20, t=90, b=50),
        legend=dict(orientation="h", yanchor="bottom", y=1.06, x=0), hovermode="x unified",
        uirevision="session", shapes=shapes,
        annotations=list(fig.layout.annotations) + annotations,
        meta={"downsampled": points_out < points_in, "points_in": points_in, "points_out": points_out},
    )
    fig.update_xaxes(title_text=x_title, row=len(PANELS), col=1)
    for row, (_, keys, _) in enumerate(PANELS, start=1):
        fig.update_yaxes(range=_y_range(readings, keys, protocol), row=row, col=1)
    return fig


def _y_range(readings: pd.DataFrame, keys: tuple[str, ...], protocol: Protocol) -> list[float]:
    """Every value and every threshold line in view, with a margin; SpO2 tops out at 100."""
    marks = [v for key in keys if key in protocol.limits
             for v in protocol.limits[key].model_dump().values() if v is not None]
    if len(readings):
        values = readings[[k for k in keys if k in readings]].to_numpy(dtype="float64").ravel()
        values = values[~np.isnan(values)]
        marks += [float(values.min()), float(values.max())] if len(values) else []
    if not marks:
        return [0, 1]
    low, high = min(marks), max(marks)
    pad = max((high - low) * 0.08, 2.0)
    if "spo2" in keys:
        return [min(low - pad, 85.0), 101.0]
    return [max(low - pad, 0.0), high + pad]
