"""The session chart drawn for print (matplotlib, no browser): the four panels, limits, phases, alerts, marks."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from dashboard.core.chart import COLORS, LEVELS, PANELS, breach_levels
from dashboard.core.chart_limits import LEVEL_COLORS, drawn_limits
from dashboard.core.chart_marks import minutes_from, utc
from dashboard.core.chart_review import ALERT_COLORS, PHASE_COLORS, PHASE_LABELS, REPLACED_COLOR, corrections, phases
from dashboard.core.downsample import downsample_indices
from dashboard.core.labels import spread
from dashboard.core.review import SessionReview
from dashboard.core.vitals import VITAL_BY_KEY

PRINT_POINTS = 600  # per series: a printed panel a few centimetres wide shows no more
AXIS_LABELS = ("BP mmHg", "HR /min", "SpO2 %", "RR /min")
HEIGHT_RATIOS = (1.5, 1, 1, 1)
EVENT_COLOR = "#7d3c98"
CROWDED = 0.04  # labels closer than this share of the time axis would overlap
LABEL_GAP_PT = 5.5  # limit labels nearer than this to each other are moved apart


def _axes_limits(values: list[float], spo2: bool) -> tuple[float, float] | None:
    if not values:
        return (80.0, 101.0) if spo2 else None
    low, high = min(values), max(values)
    pad = max((high - low) * 0.08, 2.0)
    return (min(low - pad, 80.0), 101.0) if spo2 else (max(low - pad, 0.0), high + pad * 2.2)


def chart_png(review: SessionReview, tz: str, width_in: float = 7.55, height_in: float = 3.9, dpi: int = 200) -> bytes:
    """The review chart as a PNG for the printed report."""
    import matplotlib
    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    session, readings, protocol = review.session, review.readings, review.protocol
    fig = Figure(figsize=(width_in, height_in), dpi=dpi)
    axes = fig.subplots(len(PANELS), 1, sharex=True, gridspec_kw=dict(height_ratios=HEIGHT_RATIOS, hspace=0.12))
    fig.subplots_adjust(left=0.075, right=0.925, top=0.93, bottom=0.12)
    has = len(readings) > 0
    times = pd.to_datetime(readings["measured_at"], utc=True) if has else pd.Series([], dtype="datetime64[ns, UTC]")
    origin = utc(session.infusion_started_at) if session.infusion_started_at else (times.min() if has else None)
    x = minutes_from(times, origin) if origin is not None else np.empty(0)
    replaced, _ = corrections(review.history)
    for ax, panel, label in zip(axes, PANELS, AXIS_LABELS):
        ax.set_ylabel(label, fontsize=6.5)
        ax.tick_params(labelsize=6, length=2, pad=1.5)
        ax.grid(True, color="#eef1f4", linewidth=0.5)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        in_view = []
        drawn = drawn_limits(panel.lines, protocol)
        for limit in drawn:
            ax.axhline(limit.value, color=LEVEL_COLORS[limit.level], linewidth=0.6, linestyle=(0, (4, 3)), zorder=1)
            in_view.append(limit.value)
        for key in panel.keys if has else ():
            if key not in readings:
                continue
            y = readings[key].to_numpy(dtype="float64", na_value=np.nan)
            rows = np.flatnonzero(~np.isnan(y))
            if not len(rows):
                continue
            level = breach_levels(y[rows], protocol.limits.get(key))
            keep = downsample_indices(x[rows], y[rows], PRINT_POINTS, keep=level > 0)
            sel = rows[keep]
            ax.plot(x[sel], y[sel], color=COLORS[key], linewidth=0.9 if key != "map" else 0.7,
                    linestyle="--" if key == "map" else "-", marker="o" if len(sel) <= 60 else None, markersize=1.8,
                    label=VITAL_BY_KEY[key].short, zorder=3)
            for rank, name in enumerate(LEVELS, start=1):
                hit = sel[level[keep] == rank]
                if len(hit):
                    ax.scatter(x[hit], y[hit], s=9, color=LEVEL_COLORS[name], zorder=4, linewidths=0.3,
                               edgecolors="white")
            if key in replaced and replaced[key].notna().any():
                old = replaced[replaced[key].notna()]
                ax.scatter(minutes_from(old["measured_at"], origin), old[key], marker="x", s=14, linewidths=0.8,
                           color=REPLACED_COLOR, zorder=4, label="replaced" if key == panel.keys[0] else None)
                in_view += [float(old[key].min()), float(old[key].max())]
            in_view += [float(np.nanmin(y)), float(np.nanmax(y))]
        limits = _axes_limits(in_view, "spo2" in panel.keys)
        if limits:
            ax.set_ylim(*limits)
            _limit_labels(ax, drawn, limits, height_in)
        ax.yaxis.set_major_locator(MaxNLocator(4))
    if origin is not None:
        _marks(axes, review, origin, times, x, fig)
        clock = ZoneInfo(tz)

        def tick(minute, _pos) -> str:
            return f"{minute:g}\n{(origin + pd.Timedelta(minutes=minute)).tz_convert(clock):%H:%M}"
        axes[-1].xaxis.set_major_formatter(FuncFormatter(tick))
    axes[-1].set_xlabel("minutes from infusion start / clinic time" if session.infusion_started_at else
                        "minutes from first reading / clinic time", fontsize=6.5)
    if has:
        axes[0].legend(loc="lower right", bbox_to_anchor=(1.0, 1.08), ncol=6, fontsize=5.5, frameon=False,
                       handlelength=1.6, columnspacing=1.0)
    else:
        axes[0].text(0.5, 0.5, "No readings", transform=axes[0].transAxes, ha="center", fontsize=8, color="#7f8c8d")
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi)
    return out.getvalue()


def _limit_labels(ax, drawn, limits: tuple[float, float], height_in: float) -> None:
    """'SBP 180' beside each limit line in the right margin, moved apart where lines are close."""
    low, high = limits
    extent = ax.get_position().height * height_in * 72  # the panel's height in points
    wanted = [(limit.value - low) / (high - low) * extent for limit in drawn]
    for limit, place in zip(drawn, spread(wanted, extent, LABEL_GAP_PT)):
        ax.annotate(f"{VITAL_BY_KEY[limit.key].short} {limit.value:g}", (1.0, low + place / extent * (high - low)),
                    xycoords=("axes fraction", "data"), xytext=(2, 0), textcoords="offset points", fontsize=4.8,
                    color=LEVEL_COLORS[limit.level], va="center", annotation_clip=False)


def _marks(axes, review: SessionReview, origin, times, x, fig) -> None:
    """Phases shaded, infusion start/stop and discharge lines, events as dotted lines, alerts as bars on top."""
    session = review.session
    first, last = (times.min(), times.max()) if len(times) else (None, None)
    found = phases(origin, first, last, session.infusion_started_at, session.infusion_stopped_at, session.discharged_at)
    span = max((max(p.end for p in found) - min(p.start for p in found)) if found else 1.0, 1.0)
    tier, last_start = 0, None
    for phase in found:
        for ax in axes:
            ax.axvspan(phase.start, phase.end, color=PHASE_COLORS[phase.name], alpha=0.08, linewidth=0, zorder=0)
        # a label too near the one before goes a row higher, so neither hides the other
        tier = 1 - tier if last_start is not None and phase.start - last_start < span * 2 * CROWDED else 0
        last_start = phase.start
        axes[0].text(phase.start, 1.015 + 0.13 * tier, " " + PHASE_LABELS[phase.name],
                     transform=axes[0].get_xaxis_transform(), fontsize=5.5, color=PHASE_COLORS[phase.name],
                     va="bottom", fontweight="bold")
    for moment in (session.infusion_started_at, session.infusion_stopped_at, session.discharged_at):
        if moment is not None:
            minute = float(minutes_from(pd.Series([moment]), origin)[0])
            for ax in axes:
                ax.axvline(minute, color="#34495e", linewidth=0.8, zorder=2)
    events = review.events
    if len(events):
        for moment in events["occurred_at"]:
            minute = float(minutes_from(pd.Series([moment]), origin)[0])
            for ax in axes:
                ax.axvline(minute, color=EVENT_COLOR, linewidth=0.5, linestyle=":", zorder=2)
    end_x = max([p.end for p in found if p.name != "discharge"] + ([float(np.nanmax(x))] if len(x) else [0.0]))
    alerts = review.alert_events
    labelled = None
    for row in alerts.sort_values("started_at").itertuples() if len(alerts) else ():
        withdrawn = pd.notna(row.withdrawn_at)
        x0 = float(minutes_from(pd.Series([row.started_at]), origin)[0])
        x1 = end_x if pd.isna(row.ended_at) else float(minutes_from(pd.Series([row.ended_at]), origin)[0])
        color = ALERT_COLORS["withdrawn" if withdrawn else row.priority]
        axes[0].axvspan(x0, max(x1, x0 + 0.5), ymin=0.9, ymax=1.0, color=color, alpha=0.4 if withdrawn else 0.85,
                        linewidth=0, zorder=5)
        if labelled is not None and x0 - labelled < span * CROWDED:
            continue  # numbers of alerts a few minutes apart would print over each other: the table lists them
        labelled = x0
        axes[0].text(x0, 0.95, f" {int(row.id)}", transform=axes[0].get_xaxis_transform(), fontsize=4.6,
                     color="white" if not withdrawn else "#2c3e50", va="center", ha="left", zorder=6,
                     fontweight="bold")
