"""The session chart: BP, HR, SpO2 and RR panels over minutes from infusion start, thresholds and breaches marked."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.core.chart_limits import LEVEL_COLORS, drawn_limits, limit_labels, limit_shapes, normal_range, zones
from dashboard.core.chart_marks import marks, minutes_from, utc  # noqa: F401 -- minutes_from: imported from here by callers
from dashboard.core.chart_review import alert_marks, correction_traces, corrections, phase_shapes, phases
from dashboard.core.downsample import downsample_indices, downsample_whole, outside
from dashboard.core.uniform import evenly_stepped, same_text_throughout
from dashboard.core.protocol import Protocol, VitalLimits
from dashboard.core.vitals import VITAL_BY_KEY

ALL_LIMITS = ("critical_low", "warning_low", "warning_high", "critical_high")


class ReviewLayers(NamedTuple):
    """What the review page draws over the session chart: the phases up to the discharge, alert events with their
    acknowledgements (event_id, at, by, actions, note), and the reading history (corrections marked)."""

    discharged_at: pd.Timestamp | None = None
    alert_events: pd.DataFrame | None = None
    acks: pd.DataFrame | None = None
    history: pd.DataFrame | None = None


class Panel(NamedTuple):
    title: str
    keys: tuple[str, ...]  # vitals drawn in the panel
    # (vital, its limits drawn as lines); the first vital's zones beyond them are shaded too, except a zone
    # that would lie over the other's normal values (below SBP's low limits is where a normal DBP lies)
    lines: tuple[tuple[str, tuple[str, ...]], ...]


PANELS = (
    Panel("Blood pressure (mmHg)", ("sbp", "dbp", "map"),
          (("sbp", ("critical_low", "warning_high", "critical_high")), ("dbp", ("warning_high", "critical_high")))),
    Panel("Heart rate (/min)", ("hr",), (("hr", ALL_LIMITS),)),
    Panel("SpO2 (%)", ("spo2",), (("spo2", ALL_LIMITS),)),
    Panel("Respiratory rate (/min)", ("rr",), (("rr", ALL_LIMITS),)),
)
COLORS = {"sbp": "#1f4e79", "dbp": "#4a90c2", "map": "#7f9fb8", "hr": "#8e3b46", "spo2": "#1b7f6b", "rr": "#6b4f9e"}
LEVELS = ("warning", "critical")  # rank 1, rank 2
METHOD_SYMBOLS = {"cuff": "circle", "arterial": "diamond", "manual": "square"}
MARKERS_UP_TO = 400  # a denser series is drawn as a line only: its markers would merge into a smear
PANEL_HEIGHTS = (0.34, 0.22, 0.22, 0.22)
PANEL_GAP = 0.05
GRID = "#eef1f4"
HEIGHT = 820
ALERT_LANE_ROOM = 0.12  # the BP panel's range grows by this share when alert bars sit along its top
UNITS_PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}
MARGIN = dict(l=60, r=72, t=120, b=48)  # r: room for the threshold labels beside the panels
# plotly_white's look without its long template (sent to the browser on every rerun)
TEMPLATE = dict(layout=dict(plot_bgcolor="white", paper_bgcolor="white",
                            hoverlabel=dict(align="left"), legend=dict(bgcolor="rgba(0,0,0,0)")))


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


def outside_normal(values: np.ndarray, limits: VitalLimits | None) -> np.ndarray:
    """True where breach_levels would say warning or critical (one mask: two comparisons, not four)."""
    low, high = normal_range(limits)
    with np.errstate(invalid="ignore"):
        if np.isinf(high):
            return values < low  # SpO2 has no high limit: one comparison, not two
        return values > high if np.isinf(low) else (values < low) | (values > high)


def _evenly_spaced(stamps: np.ndarray) -> bool:
    """Integer times one fixed step apart, ascending (so none is NaT, the smallest int64)."""
    if len(stamps) < 3 or stamps[0] == np.iinfo("int64").min or stamps[1] <= stamps[0]:
        return False
    return evenly_stepped(stamps, int(stamps[1] - stamps[0]))


class _Minutes:
    """Minutes from the origin of the readings asked for (x[rows]), from their integer times: for evenly spaced
    readings, whose full x the downsampler never needs (a million float divisions saved)."""

    def __init__(self, stamps: np.ndarray, start: int, per_minute: int):
        self.stamps, self.start, self.per_minute = stamps, start, per_minute

    def __getitem__(self, rows):
        return (self.stamps[rows] - self.start) / self.per_minute


class _Clock:
    """(hour, minute) on the clinic's clock of the readings drawn: numbers, so the hover text costs no per-point
    strings to send. Asked for per series; worked out by fill() in one conversion for all of them."""

    def __init__(self, index: pd.DatetimeIndex, tz: str | None):
        self.index, self.tz = index, tz
        self.asked: list[tuple[np.ndarray, np.ndarray]] = []

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        out = np.empty((len(rows), 2), dtype="int8")  # filled in place by fill(), before the figure is made
        self.asked.append((rows, out))
        return out

    def fill(self) -> None:
        if not self.asked:
            return
        times = self.index[np.concatenate([rows for rows, _ in self.asked])]
        wall = (times.tz_convert(self.tz) if self.tz else times).tz_localize(None)
        # one conversion to wall time, then integers (.hour and .minute would each convert again)
        of_day = wall.asi8 // (60 * UNITS_PER_SECOND[self.index.unit]) % (24 * 60)
        at = 0
        for rows, out in self.asked:
            part = of_day[at:at + len(rows)]
            out[:, 0], out[:, 1] = part // 60, part % 60
            at += len(rows)
        self.asked.clear()


def _utc_index(times: pd.Series) -> pd.DatetimeIndex:
    """The readings' times as a UTC DatetimeIndex; times already tz-aware are not copied (a million of them
    took a millisecond through pd.to_datetime)."""
    if isinstance(times.dtype, pd.DatetimeTZDtype):
        return pd.DatetimeIndex(times.array, copy=False).tz_convert("UTC")
    return pd.DatetimeIndex(pd.to_datetime(times, utc=True))


def _axis(row: int) -> tuple[str, str]:
    suffix = "" if row == 1 else str(row)
    return f"x{suffix}", f"y{suffix}"


def _one_method(readings: pd.DataFrame) -> str | None | bool:
    """The session's one BP method ('unspecified' when none is recorded), or False when it mixes methods
    (checked once per figure: a million readings of one method cost one comparison, not a sort of strings)."""
    if "bp_method" not in readings or not len(readings):
        return None
    column = readings["bp_method"]
    first = column.iloc[0]
    if pd.isna(first):
        return "unspecified" if column.isna().all() else False
    return str(first) if same_text_throughout(column, str(first)) else False


def _method_groups(readings: pd.DataFrame, key: str, y_all: np.ndarray, whole: bool, one_method: str | None | bool
                   ) -> list[tuple[str, str | None, np.ndarray | None]]:
    """(name suffix, BP method, rows) per series: one per BP method when a session mixes them, never joined.
    rows None: every reading (whole: the vital measured at each one)."""
    bp = key in ("sbp", "dbp", "map") and "bp_method" in readings
    if not bp or one_method is not False:
        return [("", one_method if bp else None, None if whole else np.flatnonzero(~np.isnan(y_all)))]
    rows = np.arange(len(y_all)) if whole else np.flatnonzero(~np.isnan(y_all))
    methods = readings["bp_method"].to_numpy(dtype=object)[rows]
    methods = np.where(pd.isna(methods), "unspecified", methods).astype(str)
    names = np.unique(methods)
    if len(names) <= 1:
        return [("", names[0] if len(names) else None, rows)]
    return [(f" ({m})", m, rows[methods == m]) for m in names]


def _thinned(key: str, readings: pd.DataFrame, y_all: np.ndarray, x, limits: VitalLimits | None, max_points: int,
             one_method: str | None | bool, x_clean: bool, even_stamps: np.ndarray | None
             ) -> list[tuple[str, str | None, np.ndarray, int]]:
    """(name suffix, BP method, rows drawn, rows in) of each series of one vital (one per BP method when a
    session mixes them): MinMaxLTTB's choice, every value beyond a warning or critical limit, the extremes."""
    if not len(y_all):
        return []
    bp = key in ("sbp", "dbp", "map") and "bp_method" in readings
    if x_clean and (not bp or one_method is not False):
        # the usual series, every reading timed, one method: the downsampler's own read of y tells the rest
        found = downsample_whole(x if even_stamps is None else even_stamps, y_all, max_points, *normal_range(limits),
                                 even=even_stamps is not None)
        if found is not None:
            return [("", one_method if bp else None, found[0], len(y_all))]
    # one pass each for the lowest and the highest value: NaN when any value is missing
    lowest, highest = float(y_all.min()), float(y_all.max())
    groups = _method_groups(readings, key, y_all, not np.isnan(lowest), one_method)
    if groups[0][2] is None:  # every reading, one series: no copies of a million values, no mask
        idx = downsample_indices(x[:], y_all, max_points, keep=outside(y_all, *normal_range(limits), lowest, highest),
                                 clean=x_clean)
        return [("", groups[0][1], idx, len(y_all))]
    beyond = outside_normal(y_all, limits)  # the level itself is worked out for the points drawn only
    return [(suffix, method, rows[downsample_indices(x[rows], y_all[rows], max_points, keep=beyond[rows])], len(rows))
            for suffix, method, rows in groups if len(rows)]


def _vital_traces(row: int, key: str, readings: pd.DataFrame, x, clock, zone: str,
                  limits: VitalLimits | None, max_points: int, one_method: str | None | bool = None,
                  x_clean: bool = False, even_stamps: np.ndarray | None = None
                  ) -> tuple[list[dict], int, int, bool, list[float]]:
    """Line and breach traces of one vital; and (points in, points plotted, downsampled, [lowest, highest]).

    readings are in time order (x ascending, minutes: an array, or _Minutes; x_clean: no reading without a
    time; even_stamps: the readings' integer times when evenly spaced); the lowest and highest values are
    always among the points drawn.

    clock(rows): (hour, minute) of those readings, filled in when every series is known (see _Clock).
    """
    vital = VITAL_BY_KEY[key]
    xref, yref = _axis(row)
    y_all = readings[key].to_numpy(dtype="float64", na_value=np.nan)
    traces: list[dict] = []
    points_in = points_out = 0
    thinned = False
    extremes: list[float] = []
    for suffix, method, sel, count in _thinned(key, readings, y_all, x, limits, max_points, one_method, x_clean,
                                               even_stamps):
        points_in, points_out, thinned = points_in + count, points_out + len(sel), thinned or count > max_points
        drawn = y_all[sel]
        lev = breach_levels(drawn, limits)
        extremes += [float(drawn.min()), float(drawn.max())]
        name = f"{vital.short}{suffix}"
        traces.append(dict(
            type="scatter", xaxis=xref, yaxis=yref, x=x[sel], y=drawn, customdata=clock(sel), name=name,
            legendgroup=name, mode="lines+markers" if len(sel) <= MARKERS_UP_TO else "lines",
            line=dict(color=COLORS[key], width=1.5 if key == "map" else 2, dash="dash" if key == "map" else "solid"),
            marker=dict(size=5, symbol=METHOD_SYMBOLS.get(method, "circle")),
            hovertemplate=f"{name} %{{y:.1~f}} {vital.unit} · %{{customdata[0]:02d}}:%{{customdata[1]:02d}}{zone}"
                          "<extra></extra>"))
        for rank, level_name in enumerate(LEVELS, start=1):
            hit = sel[lev == rank]
            if len(hit):
                traces.append(dict(
                    type="scatter", xaxis=xref, yaxis=yref, x=x[hit], y=y_all[hit], name=f"{name} {level_name}",
                    legendgroup=name, showlegend=False, mode="markers",
                    hovertemplate=f"{name} {level_name}<extra></extra>",  # the level said in words, not by colour only
                    marker=dict(size=9, color=LEVEL_COLORS[level_name], line=dict(color="white", width=1))))
    return traces, points_in, points_out, thinned, extremes


def _y_range(values: list[float], spo2: bool) -> list[float] | None:
    """Every value and threshold line in view with a margin; SpO2 shows about 80-100 unless data go lower."""
    if not values:
        return [80.0, 101.0] if spo2 else None
    low, high = min(values), max(values)
    pad = max((high - low) * 0.08, 2.0)
    if spo2:
        return [min(low - pad, 80.0), 101.0]
    return [max(low - pad, 0.0), high + pad]


def panel_domains() -> list[tuple[float, float]]:
    """(bottom, top) of each panel as a fraction of the plotting height, BP on top."""
    height = (1 - PANEL_GAP * (len(PANELS) - 1)) * np.asarray(PANEL_HEIGHTS) / sum(PANEL_HEIGHTS)
    out, top = [], 1.0
    for share in height:
        bottom = max(top - share, 0.0)
        out.append((float(bottom), float(top)))
        top = bottom - PANEL_GAP
    return out


def panel_pixels(domain: tuple[float, float]) -> float:
    """A panel's height on screen in pixels (the figure's height, less its margins, times the domain)."""
    return (domain[1] - domain[0]) * (HEIGHT - MARGIN["t"] - MARGIN["b"])


def _grid() -> tuple[dict, list[dict]]:
    """Axes of the stacked panels (x shared, ticks on the bottom one only) and the panel titles, top left."""
    axes, titles = {}, []
    for row, (panel, (bottom, top)) in enumerate(zip(PANELS, panel_domains()), start=1):
        xref, yref = _axis(row)
        last = row == len(PANELS)
        axes["xaxis" + xref[1:]] = dict(anchor=yref, domain=[0, 1], showticklabels=last, gridcolor=GRID,
                                        zeroline=False, hoverformat=".1f", **({} if row == 1 else {"matches": "x"}))
        axes["yaxis" + yref[1:]] = dict(anchor=xref, domain=[bottom, top], gridcolor=GRID, zeroline=False)
        titles.append(dict(text=panel.title, x=0, xanchor="left", xref="paper", y=top, yanchor="bottom",
                           yref="paper", showarrow=False, font=dict(size=13)))
    return axes, titles


def build_session_figure(readings: pd.DataFrame, protocol: Protocol, *,
                         infusion_started_at: pd.Timestamp | None = None,
                         infusion_stopped_at: pd.Timestamp | None = None, events: pd.DataFrame | None = None,
                         max_points: int = 2000, tz: str | None = None, review: ReviewLayers | None = None
                         ) -> go.Figure:
    """Four stacked panels (BP, HR, SpO2, RR) sharing x = minutes from infusion start (else first reading).

    readings: measured_at (UTC) and vital columns, NaN = not measured; optional bp_method. events: occurred_at,
    label, optional severity. Hover shows the clock time in tz (UTC when None). Series longer than max_points
    are thinned, keeping every warning/critical point and the extremes; layout.meta tells how many were drawn.
    review: the phases shaded, the discharge marked, alert events and corrections drawn (the review page).
    """
    has_readings = len(readings) > 0 and "measured_at" in readings
    if has_readings:
        index = _utc_index(readings["measured_at"])
        stamps = index.asi8
        even = _evenly_spaced(stamps)  # then also in order, none missing: a monitor's feed or export
        if not even and len(stamps) > 1 and not bool((stamps[1:] >= stamps[:-1]).all()):  # a NaT sorts too
            readings = readings.sort_values("measured_at", kind="stable", ignore_index=True)
            index = _utc_index(readings["measured_at"])
            stamps = index.asi8
            even = _evenly_spaced(stamps)
        missing = None if even else index.isna()
        x_clean = even or not missing.any()
        has_readings = x_clean or not missing.all()
    if infusion_started_at is not None:
        origin, x_title = utc(infusion_started_at), "Minutes from infusion start"
    elif has_readings:
        origin, x_title = (index[0] if x_clean else index.min()), "Minutes from first reading"
    else:
        origin, x_title = None, "Minutes from infusion start"

    axes, annotations = _grid()
    traces: list[dict] = []
    shapes: list[dict] = []
    # a session without history (or the Record page) has no corrections to draw: no empty frames made for them
    history = review.history if review is not None and review.history is not None and len(review.history) else None
    replaced, corrected = corrections(history) if history is not None else (None, None)
    legend: set[str] = set()
    points_in = points_out = 0
    thinned = False
    if has_readings:
        # as minutes_from, from the integer stamps at hand in their own unit (pandas may hold us or ns)
        start = np.datetime64(utc(origin).tz_localize(None), index.unit).astype("int64")
        if even:  # worked out for the points drawn only: the downsampler needs no time of the others
            x = _Minutes(stamps, start, 60 * UNITS_PER_SECOND[index.unit])
        else:
            x = (stamps - start) / (60 * UNITS_PER_SECOND[index.unit])
            if not x_clean:
                x[missing] = np.nan
        zone = "" if tz else " UTC"
        one_method = _one_method(readings)
        clock = _Clock(index, tz)
    for row, (panel, domain) in enumerate(zip(PANELS, panel_domains()), start=1):
        xref, yref = _axis(row)
        drawn = drawn_limits(panel.lines, protocol)
        shapes += limit_shapes(xref, yref, drawn, zones(panel.lines, drawn, protocol))
        in_view = [limit.value for limit in drawn]
        for key in panel.keys if has_readings else ():
            if key not in readings:
                continue
            more, n_in, n_out, cut, extremes = _vital_traces(row, key, readings, x, clock, zone,
                                                             protocol.limits.get(key), max_points, one_method,
                                                             x_clean, stamps if even else None)
            traces += more
            points_in, points_out, thinned = points_in + n_in, points_out + n_out, thinned or cut
            in_view += extremes
            if replaced is not None:
                traces += correction_traces(row, key, replaced, corrected, origin, tz, legend)
                if key in replaced and replaced[key].notna().any():
                    in_view += [float(replaced[key].min()), float(replaced[key].max())]
        y_range = _y_range(in_view, spo2="spo2" in panel.keys)
        if y_range is not None and row == 1 and review is not None and review.alert_events is not None \
                and len(review.alert_events):
            # room above the highest value for the alert lane, which would hide the readings under it
            y_range = [y_range[0], y_range[1] + (y_range[1] - y_range[0]) * ALERT_LANE_ROOM]
        if y_range is not None:
            axes["yaxis" + yref[1:]]["range"] = y_range
            annotations += limit_labels(xref, yref, drawn, y_range, panel_pixels(domain))

    if has_readings:
        clock.fill()
    if origin is not None:
        discharged_at = review.discharged_at if review else None
        mark_shapes, mark_notes = marks(origin, infusion_started_at, infusion_stopped_at, events, len(PANELS), tz,
                                        discharged_at)
        shapes += mark_shapes
        annotations += mark_notes
    if origin is not None and review is not None:
        first, last = (None, None) if not has_readings else (index[0], index[-1]) if x_clean else \
            (index.min(), index.max())
        found = phases(origin, first, last, infusion_started_at, infusion_stopped_at, discharged_at)
        phase_bands, phase_notes = phase_shapes(found, len(PANELS))
        shapes = phase_bands + shapes
        annotations += phase_notes
        last_x = [float(x[-1] if x_clean else np.nanmax(x))] if has_readings else []  # x_clean: in time order
        ends = [p.end for p in found if p.name != "discharge"] + last_x
        alert_bars, alert_notes = alert_marks(origin, review.alert_events, review.acks, max(ends, default=0.0), tz)
        shapes += alert_bars
        annotations += alert_notes
    if not has_readings:
        annotations.append(dict(text="No readings yet", xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
                                font=dict(size=16, color="#7f8c8d")))
        axes["xaxis"]["range"] = [-10, 60]  # the others match it
    axes["xaxis" + _axis(len(PANELS))[0][1:]]["title"] = dict(text=x_title)

    # One Figure from plain dicts, not validated: validation took half the build of a long session's figure and
    # checks only what this module writes (tests validate a figure with every kind of element).
    return go.Figure(_validate=False, data=traces, layout=dict(
        template=TEMPLATE, height=HEIGHT, margin=MARGIN,
        font=dict(size=12, color="#2c3e50"), hovermode="x unified", uirevision="session-chart",
        legend=dict(orientation="h", yanchor="bottom", y=1.12, x=0, xanchor="left"),
        shapes=shapes, annotations=annotations,
        meta={"downsampled": thinned, "points_in": points_in, "points_out": points_out}, **axes))
