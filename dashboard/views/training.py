"""Training page: replay a sample session as it unfolded, to teach what to watch for."""

from __future__ import annotations

import time

import streamlit as st

from dashboard.components.context import require
from dashboard.components.session_chart import draw_chart
from dashboard.components.text import md_escape
from dashboard.core.replay import ReplayClock, visible_until
from dashboard.core.scenarios import Scenario
from dashboard.services import training

SPEEDS = {"real time": 1.0, "10×": 10.0, "30×": 30.0, "60×": 60.0, "120×": 120.0}


def _clock(scenario: Scenario) -> ReplayClock:
    key = f"replay_{scenario.code}"
    if key not in st.session_state:
        start, end = scenario.span_min
        st.session_state[key] = ReplayClock(start_min=start, end_min=end, speed=30.0)
    return st.session_state[key]


def _set_clock(scenario: Scenario, clock: ReplayClock) -> None:
    st.session_state[f"replay_{scenario.code}"] = clock


def render() -> None:
    who = require("scenario.run")
    st.title("Training")
    st.caption("Replay a sample session as it unfolded. These are invented teaching sessions, not patient records.")
    scenarios = {s.code: s for s in training.scenarios(who)}
    code = st.selectbox("Scenario", list(scenarios), key="replay_scenario",
                        format_func=lambda c: f"{c} · {scenarios[c].title}")
    scenario = scenarios[code]
    st.info(md_escape(scenario.description))
    st.markdown(f"**What to watch for:** {md_escape(scenario.watch_for)}")

    def toggle() -> None:
        current, now = _clock(scenario), time.time()
        _set_clock(scenario, current.pause(now) if current.playing else current.play(now))

    def change_speed() -> None:
        _set_clock(scenario, _clock(scenario).with_speed(SPEEDS[st.session_state["replay_speed"]], time.time()))

    clock = _clock(scenario)
    play, speed_col, _ = st.columns([1, 1, 3])
    play.button("⏸ Pause" if clock.playing else "▶ Play", key="replay_toggle", on_click=toggle)
    speed_col.selectbox("Speed", list(SPEEDS), index=2, key="replay_speed", on_change=change_speed)

    def seek() -> None:
        _set_clock(scenario, _clock(scenario).seek(st.session_state["replay_minute"], time.time()))

    @st.fragment(run_every=1.0 if clock.playing else None)
    def replay() -> None:
        current = _clock(scenario)
        minute = current.position(time.time())
        if current.playing:
            st.session_state["replay_minute"] = round(minute)
        start, end = scenario.span_min
        st.slider("Minutes from infusion start", min_value=int(start), max_value=int(end), step=1,
                  key="replay_minute", on_change=seek)
        shown = visible_until(scenario.readings, "measured_at", scenario.started_at, minute)
        events = visible_until(scenario.events, "occurred_at", scenario.started_at, minute)
        stopped = scenario.stopped_at if minute >= (scenario.stopped_at - scenario.started_at).total_seconds() / 60 \
            else None
        draw_chart(shown, events, started_at=scenario.started_at, stopped_at=stopped, key=f"replay_chart_{code}")
        if current.playing and current.finished(time.time()):
            _set_clock(scenario, current.pause(time.time()))
            st.rerun()

    replay()


render()
