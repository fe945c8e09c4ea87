"""What the review chart adds to the session chart: the session's phases shaded, alert events and their
acknowledgements on the time line, and corrected readings marked beside the values they replaced."""

from __future__ import annotations

from html import escape
from typing import NamedTuple

import numpy as np
import pandas as pd

from dashboard.core.chart_marks import minutes_from, utc
from dashboard.core.vitals import VITAL_BY_KEY

PHASE_COLORS = {"baseline": "#7f8c8d", "infusion": "#8e44ad", "recovery": "#16a085", "discharge": "#2c3e50"}
PHASE_OPACITY = 0.07
PHASE_LABELS = {"baseline": "Baseline", "infusion": "Infusion", "recovery": "Recovery", "discharge": "Discharge"}
DISCHARGE_BAND = (3.0, 0.03)  # the discharge band: at least 3 min wide, or 3 % of the session's span
ALERT_COLORS = {"high": "#d62728", "medium": "#e69f00", "low": "#17a2b8", "withdrawn": "#95a5a6"}
ALERT_LANE = (0.92, 1.0)  # the alert lane: the top of the blood-pressure panel (fraction of its height)
ACK_COLOR = "#1e7b34"
ACK_LATE_MIN = 10  # an acknowledgement later than this after the session's last reading gets no tick
REPLACED_COLOR = "#7f8c8d"


class Phase(NamedTuple):
    name: str
    start: float  # minutes from the chart's origin
    end: float


def phases(origin: pd.Timestamp, first: pd.Timestamp | None, last: pd.Timestamp | None, started_at, stopped_at,
           discharged_at) -> list[Phase]:
    """Baseline (first reading to infusion start), infusion (start to stop), recovery (stop to discharge) and
    discharge (a narrow band from the discharge on). A phase under way runs to the last reading."""
    def minute(moment) -> float | None:
        return None if moment is None or pd.isna(moment) else float((utc(moment) - utc(origin)) / pd.Timedelta(minutes=1))

    first_x, last_x = minute(first), minute(last)
    start, stop, out = minute(started_at), minute(stopped_at), minute(discharged_at)
    found = []
    if start is not None and first_x is not None and first_x < start:
        found.append(Phase("baseline", first_x, start))
    if start is not None:
        end = stop if stop is not None else max(v for v in (last_x, out, start) if v is not None)
        found.append(Phase("infusion", start, end))
    if stop is not None:
        end = out if out is not None else max(v for v in (last_x, stop) if v is not None)
        found.append(Phase("recovery", stop, end))
    if out is not None:
        span = out - min(v for v in (first_x, start, out) if v is not None)
        found.append(Phase("discharge", out, out + max(DISCHARGE_BAND[0], span * DISCHARGE_BAND[1])))
    return [p for p in found if p.end > p.start]


def phase_shapes(found: list[Phase], rows: int) -> tuple[list[dict], list[dict]]:
    """A light band per phase down the whole chart, every panel (below the data and the limit lines), named at
    the bottom. One shape per phase: the panels share their time axis."""
    shapes, notes = [], []
    for phase in found:
        shapes.append(dict(type="rect", xref="x", yref="paper", x0=phase.start, x1=phase.end, y0=0, y1=1,
                           layer="below", line=dict(width=0), fillcolor=PHASE_COLORS[phase.name],
                           opacity=PHASE_OPACITY, name=f"phase {phase.name}"))
        bottom = str(rows)
        notes.append(dict(x=phase.start, xref=f"x{bottom}", xanchor="left", xshift=2, y=0, yref=f"y{bottom} domain",
                          yanchor="bottom", showarrow=False, text=PHASE_LABELS[phase.name], name=f"phase {phase.name}",
                          font=dict(size=10, color=PHASE_COLORS[phase.name])))
    return shapes, notes


def _clock(moment, tz: str | None) -> str:
    moment = utc(moment)
    return f"{moment.tz_convert(tz):%H:%M}" if tz else f"{moment:%H:%M} UTC"


def ack_text(ack, tz: str | None, since=None) -> str:
    """'ana 09:27: Slowed the infusion; Notified the prescriber (called Dr Lee)' (the note as typed); with the
    date when it came more than half a day after `since` (the alert's start)."""
    actions = "; ".join(ack.actions) if isinstance(ack.actions, (list, tuple)) else str(ack.actions)
    note = f" ({ack.note})" if isinstance(ack.note, str) and ack.note else ""
    late = since is not None and utc(ack.at) - utc(since) > pd.Timedelta(hours=12)
    when = f"{utc(ack.at).tz_convert(tz or 'UTC'):%Y-%m-%d} {_clock(ack.at, tz)}" if late else _clock(ack.at, tz)
    return f"{ack.by} {when}: {actions}{note}"


def alert_marks(origin: pd.Timestamp, alert_events: pd.DataFrame | None, acks: pd.DataFrame | None, end_x: float,
                tz: str | None) -> tuple[list[dict], list[dict]]:
    """Each alert event as a bar in the lane at the top of the BP panel, from its start to its end (to end_x
    while active), coloured by priority, with its number; each acknowledgement as a tick at its time. Hovering
    either tells what it was and what was done."""
    shapes: list[dict] = []
    notes: list[dict] = []
    if alert_events is None or alert_events.empty:
        return shapes, notes
    acks = acks if acks is not None else pd.DataFrame(columns=["event_id", "at", "by", "actions", "note"])
    by_event = {int(k): g.sort_values("at") for k, g in acks.groupby("event_id")} if len(acks) else {}
    low, high = ALERT_LANE
    for row in alert_events.sort_values("started_at").itertuples():
        withdrawn = pd.notna(row.withdrawn_at)
        color = ALERT_COLORS["withdrawn" if withdrawn else row.priority]
        x0 = float(minutes_from(pd.Series([row.started_at]), origin)[0])
        x1 = end_x if pd.isna(row.ended_at) else float(minutes_from(pd.Series([row.ended_at]), origin)[0])
        x1 = max(x1, x0 + 0.5)  # an alert that ended at the reading it started at is still seen
        state = "withdrawn (readings corrected)" if withdrawn else (
            "active" if pd.isna(row.ended_at) else f"until {_clock(row.ended_at, tz)}")
        done = [ack_text(a, tz, row.started_at) for a in by_event.get(int(row.id), pd.DataFrame()).itertuples()]
        hover = f"Alert #{int(row.id)}: {row.summary}<br>from {_clock(row.started_at, tz)}, {state}"
        hover = escape(hover).replace("&lt;br&gt;", "<br>")
        hover += "".join(f"<br>acknowledged {escape(text)}" for text in done) or "<br>not acknowledged"
        shapes.append(dict(type="rect", xref="x", yref="y domain", x0=x0, x1=x1, y0=low, y1=high, layer="above",
                           line=dict(width=0), fillcolor=color, opacity=0.35 if withdrawn else 0.75,
                           name=f"alert #{int(row.id)} {'withdrawn' if withdrawn else row.priority}"))
        notes.append(dict(x=x0, xref="x", xanchor="left", y=(low + high) / 2, yref="y domain", yanchor="middle",
                          showarrow=False, text=f"<b>#{int(row.id)}</b>", hovertext=hover, name=f"alert #{int(row.id)}",
                          font=dict(size=9, color="white" if not withdrawn else "#2c3e50")))
        for ack in by_event.get(int(row.id), pd.DataFrame()).itertuples():
            x = float(minutes_from(pd.Series([ack.at]), origin)[0])
            if x > end_x + ACK_LATE_MIN:
                continue  # acknowledged long after (the next day): told in the alert's hover, not drawn off the chart
            notes.append(dict(x=x, xref="x", xanchor="center", y=low, yref="y domain", yanchor="top", showarrow=False,
                              text="✓", hovertext=escape(f"Alert #{int(row.id)} acknowledged by "
                                                         f"{ack_text(ack, tz, row.started_at)}"),
                              name=f"ack of alert #{int(row.id)}", font=dict(size=12, color=ACK_COLOR)))
    return shapes, notes


def corrections(history: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(versions replaced or voided, with why; readings in force that correct another, with why) from a
    session's reading history (session_readings with history: replaced_by, is_current, entered_in_error)."""
    empty = pd.DataFrame(columns=["measured_at", "why"])
    if history is None or history.empty or "replaced_by" not in history:
        return empty, empty
    by_id = history.set_index("id")
    old = history[history["replaced_by"].notna()]
    successor = by_id.loc[old["replaced_by"].astype("int64")]
    why = ["entered in error: " if bool(err) else f"replaced by correction #{int(i)}: "
           for i, err in zip(successor.index, successor["entered_in_error"])]
    replaced = old.assign(why=[w + str(r) for w, r in zip(why, successor["correction_reason"])])
    voided = successor["entered_in_error"].to_numpy(dtype=bool)
    for key in VITAL_BY_KEY:
        if key in replaced:  # a corrected reading's unchanged values are drawn once, by the correction
            same = replaced[key].to_numpy(dtype="float64") == successor[key].to_numpy(dtype="float64")
            replaced[key] = replaced[key].where(~(same & ~voided))
    fixes = history[history["is_current"] & ~history["entered_in_error"] & history["supersedes_id"].notna()]
    corrected = fixes.assign(why=[f"correction of #{int(s)}: {r}" for s, r in zip(fixes["supersedes_id"],
                                                                                  fixes["correction_reason"])])
    # a correction is marked on the vitals it changed only; the values it kept are not news
    before = by_id.loc[fixes["supersedes_id"].astype("int64")]
    for key in VITAL_BY_KEY:
        if key in corrected:
            same = corrected[key].to_numpy(dtype="float64") == before[key].to_numpy(dtype="float64")
            corrected[key] = corrected[key].where(~same)
    return replaced.reset_index(drop=True), corrected.reset_index(drop=True)


def correction_traces(row: int, key: str, replaced: pd.DataFrame, corrected: pd.DataFrame, origin: pd.Timestamp,
                      tz: str | None, legend: set[str]) -> list[dict]:
    """A grey cross at each replaced or voided value and a ring round each correcting value, with the reason
    in the hover text (legend: the legend entries already shown, updated)."""
    suffix = "" if row == 1 else str(row)
    vital = VITAL_BY_KEY[key]
    out = []
    for frame, kind, marker in (
            (replaced, "replaced or entered in error", dict(symbol="x-thin-open", size=10, color=REPLACED_COLOR,
                                                            line=dict(width=2, color=REPLACED_COLOR))),
            (corrected, "corrected", dict(symbol="circle-open", size=13, color="#2c3e50", line=dict(width=2)))):
        if key not in frame or frame.empty:
            continue
        shown = frame[frame[key].notna()]
        if shown.empty:
            continue
        x = minutes_from(shown["measured_at"], origin)
        text = [escape(f"{vital.short} {v:g} {vital.unit} · {_clock(t, tz)} · {why}")
                for v, t, why in zip(shown[key], shown["measured_at"], shown["why"])]
        out.append(dict(type="scatter", xaxis=f"x{suffix}", yaxis=f"y{suffix}", x=np.asarray(x),
                        y=shown[key].to_numpy(dtype="float64"), mode="markers", marker=marker, name=kind,
                        legendgroup=kind, showlegend=kind not in legend, text=text,
                        hovertemplate="%{text}<extra></extra>"))
        legend.add(kind)
    return out
