"""Review figures: the session chart for four vitals at 1,000,000 points each against a bare downsample-and-plot,
and the Review page rerun on a 4-hour 1 Hz session against the same page on a 100-reading session."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from tsdownsample import MinMaxLTTBDownsampler

from benchmarks.harness import Case, benchmark, size
from benchmarks.record_page import BIG, SMALL, TZ, app_database, app_page, build_database, session_vitals
from dashboard.core.chart import ReviewLayers, build_session_figure
from dashboard.core.protocol import default_protocol
from dashboard.core.roles import Actor

POINTS = 1_000_000
VITALS = ("sbp", "dbp", "hr", "spo2")
SUPERVISOR = Actor("bench-sup", "supervisor")


def _session(n: int) -> tuple[pd.DataFrame, pd.Timestamp]:
    start = pd.Timestamp("2026-11-02 09:00", tz=TZ).tz_convert("UTC")
    frame = session_vitals(n, start, 1.0)
    return frame[["measured_at", *VITALS, "bp_method"]], start


def review_figure(frame: pd.DataFrame, start: pd.Timestamp) -> go.Figure:
    """The review page's chart of a session that has been running since `start` (phases shaded)."""
    return build_session_figure(frame, default_protocol(), infusion_started_at=start, tz=TZ,
                                review=ReviewLayers())


def serialise(fig: go.Figure) -> str:
    return pio.to_json(fig, validate=False)  # what st.plotly_chart sends (orjson)


def bare_floor(frame: pd.DataFrame, start: pd.Timestamp, n_out: dict[str, int]) -> str:
    """MinMaxLTTB of each vital to the chart's number of points, a plain go.Figure of those traces, serialised."""
    x = (frame["measured_at"] - start).to_numpy(dtype="timedelta64[ns]").astype("int64") / 60e9
    traces = []
    for key in VITALS:
        y = frame[key].to_numpy(dtype="float64")
        idx = MinMaxLTTBDownsampler().downsample(x, y, n_out=n_out[key])
        traces.append(go.Scatter(x=x[idx], y=y[idx], name=key))
    return serialise(go.Figure(data=traces))


def _drawn(fig: go.Figure) -> dict[str, int]:
    """Points the chart plots per vital (its line trace and breach markers)."""
    names = {"sbp": "SBP", "dbp": "DBP", "hr": "HR", "spo2": "SpO2"}
    return {key: sum(len(t.x) for t in fig.data if t.name == names[key] or (t.name or "").startswith(names[key] + " "))
            for key in VITALS}


@benchmark("chart_4x1m_points", "tsdownsample MinMaxLTTB + bare go.Figure",
           "The review chart (four panels, limits, breaches kept, phases) for four vitals at 1,000,000 readings each "
           "(quick 200,000), built and serialised as st.plotly_chart does, against MinMaxLTTB of each vital to the "
           "same number of points, a plain go.Figure of those four traces, serialised. Goal 1.5x; JSON sizes noted.")
def chart_case(quick: bool) -> Case:
    n = size(200_000 if quick else POINTS, floor=1_000)
    frame, start = _session(n)
    fig = review_figure(frame, start)
    n_out = _drawn(fig)
    big_json = serialise(fig)
    small_frame, small_start = _session(BIG)
    small_json = serialise(review_figure(small_frame, small_start))
    floor_json = bare_floor(frame, start, n_out)
    notes = [f"JSON {len(big_json.encode()) / 1e6:.3f} MB for 4 x {n:,} readings (goal < 0.5 MB; floor's "
             f"{len(floor_json.encode()) / 1e6:.3f} MB); {len(small_json.encode()) / 1e6:.3f} MB for a {BIG:,}-reading "
             f"session (goal < 0.3 MB); points drawn per vital {n_out}"]
    return Case(project=lambda: serialise(review_figure(frame, start)),
                baseline=lambda: bare_floor(frame, start, n_out), notes=notes)


def review_page(session_id: int):
    """The Review page as a signed-in supervisor, first run done (caches warm, as after the first visit)."""
    return app_page({"actor": SUPERVISOR, "full_name": "Bench Supervisor", "review_session_id": session_id},
                    "views/review.py", "Review")


@benchmark("review_page_rerun", "the same page on a 100-reading session",
           "One AppTest rerun of the Review page (signed-in supervisor, caches warm) on a 4-hour session at 1 Hz "
           "(14,400 readings, quick 3,600; 3 corrections, 5 events, its alerts) against the same rerun on a "
           "100-reading session in the same SQLite database. Goal 2x.")
def review_page_case(quick: bool) -> Case:
    url, cleanup = app_database("bench-review-")
    n_big = size(3_600 if quick else BIG, floor=SMALL)
    big_id, small_id = build_database(url, n_big, SMALL)
    big, small = review_page(big_id), review_page(small_id)
    return Case(project=big.run, baseline=small.run, cleanup=cleanup,
                notes=[f"{n_big:,} readings against {SMALL}"])


