"""Infusion start/stop and session events as vertical marks through the chart, labelled above it."""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

MARK_STYLES = {"infusion": dict(color="#34495e", width=1.5, dash="solid"),
               "event": dict(color="#7d3c98", width=1, dash="dot"),
               "severe": dict(color="#a3195b", width=2, dash="dot")}
LABEL_MAX = 24  # characters of an event's label shown above the chart; the hover shows it whole
TIERS = 3
TIER_BASE, TIER_STEP = 1.035, 0.025  # paper heights of the label rows above the top panel


def minutes_from(times: pd.Series, origin: pd.Timestamp) -> np.ndarray:
    """Minutes (float) from origin to each time; naive times count as UTC; NaT gives NaN."""
    index = pd.DatetimeIndex(pd.to_datetime(times, utc=True)).as_unit("ns")
    minutes = (index.asi8 - utc(origin).as_unit("ns").value) / 60e9  # integer nanoseconds: exact, and quick
    if index.hasnans:
        minutes[index.isna()] = np.nan
    return minutes


def utc(moment) -> pd.Timestamp:
    moment = pd.Timestamp(moment)
    return moment.tz_localize("UTC") if moment.tzinfo is None else moment.tz_convert("UTC")


def _short(label: str, severity: str | None) -> str:
    """What fits above the chart: the label cut to LABEL_MAX, with its severity never cut off."""
    tail = f" ({severity})" if severity else ""
    room = max(LABEL_MAX - len(tail), 8)
    return (label if len(label) <= room else label[:room - 1] + "…") + tail


def _clock(moment: pd.Timestamp, tz: str | None) -> str:
    return f"{moment.tz_convert(tz):%H:%M}" if tz else f"{moment:%H:%M} UTC"


def marks(origin: pd.Timestamp, started_at, stopped_at, events: pd.DataFrame | None, rows: int,
          tz: str | None = None, discharged_at=None) -> tuple[list[dict], list[dict]]:
    """Vertical lines through every panel (rows of them) for infusion start/stop, the discharge (when given) and
    events, with labels above.

    events: occurred_at, label, optional severity (shown after the label and in its hover text).
    """
    items = []  # (time, label, severity, style)
    for moment, label in ((started_at, "Infusion start"), (stopped_at, "Infusion stop"), (discharged_at, "Discharge")):
        if moment is not None:
            items.append((utc(moment), label, None, "infusion"))
    if events is not None and len(events):
        severities = events["severity"] if "severity" in events else pd.Series([None] * len(events))
        for moment, label, severity in zip(pd.to_datetime(events["occurred_at"], utc=True),
                                           events["label"].astype(str), severities):
            severity = None if pd.isna(severity) or not str(severity) else str(severity)
            items.append((moment, label, severity, "severe" if severity == "severe" else "event"))
    minutes = np.array([(moment - utc(origin)) / pd.Timedelta(minutes=1) for moment, *_ in items], dtype="float64")
    # Neighbours in time get different label heights so labels of events minutes apart stay readable.
    tier = np.empty(len(minutes), dtype=int)
    tier[np.argsort(minutes, kind="stable")] = np.arange(len(minutes)) % TIERS
    shapes, annotations = [], []
    for minute, (moment, label, severity, style), height in zip(minutes, items, tier):
        if np.isnan(minute):
            continue
        for row in range(1, rows + 1):
            suffix = "" if row == 1 else str(row)
            shapes.append(dict(type="line", xref=f"x{suffix}", yref=f"y{suffix} domain", x0=minute, x1=minute,
                               y0=0, y1=1, line=MARK_STYLES[style], name=label))
        hover = f"{label}, {severity}" if severity else label
        # Plotly renders a subset of HTML in annotations: escape so typed text is shown, never interpreted.
        annotations.append(dict(x=minute, xref="x", y=TIER_BASE + TIER_STEP * height, yref="paper",
                                text=escape(_short(label, severity)), hovertext=escape(f"{hover} · {_clock(moment, tz)}"),
                                showarrow=False, xanchor="left", yanchor="bottom", name=f"mark {label}",
                                font=dict(size=11, color=MARK_STYLES[style]["color"])))
    return shapes, annotations
