"""The scenario player: play, pause, speed, step to the next reading or alert, scrub; the chart shows what has
happened by the replay clock, and the alerts fire at their replay time with the banner and toast a nurse sees.
Only the player reruns while playing (st.fragment); in trainee mode it stops at each decision point."""

from __future__ import annotations

import time
from collections.abc import Callable

import pandas as pd
import streamlit as st

from dashboard.components.alert_panel import show_banner, toast_new
from dashboard.components.session_chart import draw_chart
from dashboard.core.protocol import Protocol
from dashboard.core.replay import SPEEDS, Moment, ReplayClock, alert_starts, alerts_at, next_after, visible_until
from dashboard.core.scenarios import REPLAY_TZ, Scenario, minutes
from dashboard.core.trainee import TraineeRun

TICK_S = 1.0  # the player redraws once a second while playing
DEFAULT_SPEED = "20×"


class Player:
    """One scenario's replay state, kept in st.session_state under a key of its own (scenario, version, mode)."""

    def __init__(self, scenario: Scenario, mode: str):
        self.scenario, self.mode = scenario, mode
        self.key = f"player_{scenario.code}_v{scenario.version}_{mode}"
        self.readings_min = tuple(sorted(set(minutes(scenario.readings["measured_at"], scenario.started_at))))
        if self.key not in st.session_state:
            start, end = scenario.span_min
            st.session_state[self.key] = {
                "clock": ReplayClock(start_min=start, end_min=end,
                                     speed=SPEEDS.get(st.session_state.get("play_speed"), SPEEDS[DEFAULT_SPEED])),
                "seen_min": start - 1,  # events started after this have had their toast
                "run": TraineeRun.start(scenario.decisions, self.readings_min) if mode == "trainee" else None,
                "resume": False,  # play on after the trainee answers
                "result": None,
            }

    @property
    def state(self) -> dict:
        return st.session_state[self.key]

    @property
    def clock(self) -> ReplayClock:
        return self.state["clock"]

    def set_clock(self, clock: ReplayClock) -> None:
        self.state["clock"] = clock

    @property
    def run(self) -> TraineeRun | None:
        return self.state["run"]

    def pending_min(self) -> float | None:
        waiting = self.run.pending() if self.run is not None else None
        return None if waiting is None else waiting[1]

    def position(self) -> float:
        return self.clock.position(time.time())

    def reset(self) -> None:
        del st.session_state[self.key]


def controls(player: Player, protocol_for: Callable[[], Protocol], protocol_names: list[str] | None) -> None:
    """Play/pause, speed, next reading, next alert (and the protocol, outside trainee mode)."""
    clock = player.clock

    def toggle() -> None:
        now, current = time.time(), player.clock
        player.set_clock(current.pause(now) if current.playing else current.play(now))

    def change_speed() -> None:
        player.set_clock(player.clock.with_speed(SPEEDS[st.session_state["play_speed"]], time.time()))

    def step(target: Callable[[float], float | None]) -> None:
        now = time.time()
        player.set_clock(player.clock.step_to(target(player.clock.position(now)), now, player.pending_min()))
        player.state["seen_min"] = min(player.state["seen_min"], player.clock.position(now))

    def next_alert(at: float) -> float | None:
        s = player.scenario
        return next_after(alert_starts(s.readings, s.session_frame(), protocol_for(), s.started_at), at)

    waiting = player.pending_min() is not None and player.position() >= player.pending_min() - 1e-6
    cols = st.columns([1, 1, 1.3, 1.3, 2.4])
    cols[0].button("Pause" if clock.playing else "Play", key="play_toggle", on_click=toggle,
                   icon=":material/pause:" if clock.playing else ":material/play_arrow:",
                   disabled=waiting or player.state["result"] is not None)
    if "play_speed" not in st.session_state:
        st.session_state["play_speed"] = DEFAULT_SPEED
    cols[1].selectbox("Speed", list(SPEEDS), key="play_speed", on_change=change_speed,
                      help="Replay seconds per second: 60× plays an hour in a minute.")
    cols[2].button("Next reading", key="play_next_reading", disabled=waiting, icon=":material/skip_next:",
                   on_click=step, args=(lambda at: next_after(player.readings_min, at),))
    cols[3].button("Next alert", key="play_next_alert", disabled=waiting, on_click=step, args=(next_alert,),
                   icon=":material/notification_important:")
    if protocol_names:
        cols[4].selectbox("Protocol", protocol_names, key="play_protocol", on_change=_quiet_toasts, args=(player,),
                          help="Switch the protocol mid-replay: the alerts are worked out again under it.")


def _quiet_toasts(player: Player) -> None:
    """After a protocol switch, no toast for alerts that started before this moment."""
    player.state["seen_min"] = player.position()


def render(player: Player, protocol_for: Callable[[], Protocol], *, scrub: bool,
           on_finish: Callable[[], None] | None = None) -> None:
    """The replay itself; reruns alone every TICK_S while playing."""
    scenario = player.scenario

    @st.fragment(run_every=TICK_S if player.clock.playing else None)
    def replay() -> None:
        now = time.time()
        clock = player.clock
        if player.run is not None:
            was_playing = clock.playing
            clock, stopped = clock.hold_at(player.pending_min(), now)
            if stopped:
                player.set_clock(clock)
                if was_playing:
                    player.state["resume"] = True
                    st.rerun()  # the whole page: the question appears and the timer stops
        minute = clock.position(now)
        if clock.playing and clock.finished(now):
            player.set_clock(clock.pause(now))
            if on_finish is not None:
                on_finish()
            st.rerun()
        start, end = scenario.span_min
        if scrub:  # the slider follows the clock (after a seek they agree already)
            st.session_state["play_minute"] = min(max(int(round(minute)), int(start)), int(round(end)))
            st.slider("Minutes from infusion start", min_value=int(start), max_value=int(round(end)), step=1,
                      key="play_minute", on_change=_seek, args=(player,))
        moment = scenario.moment(minute)
        st.markdown(f"**Minute {minute:.0f}** of {end:.0f} · {moment.tz_convert(REPLAY_TZ):%H:%M:%S} "
                    f"on the replay clock · {'playing' if clock.playing else 'paused'}")
        protocol = protocol_for()
        now_alerts = alerts_at(scenario.readings, scenario.session_frame(until=moment), protocol, moment)
        _toasts(player, now_alerts, minute)
        show_banner(now_alerts.banner(), now_alerts.overdue(), REPLAY_TZ)
        shown = visible_until(scenario.readings, "measured_at", scenario.started_at, minute)
        marks = visible_until(scenario.chart_events(), "occurred_at", scenario.started_at, minute)
        stopped_at = scenario.stopped_at if scenario.stopped_at is not None and scenario.stopped_at <= moment else None
        draw_chart(shown, marks, started_at=scenario.started_at, stopped_at=stopped_at, protocol=protocol,
                   key=f"chart_{player.key}", changed=(len(shown), len(marks), stopped_at is not None, protocol.name),
                   tz=REPLAY_TZ)
        _alert_table(scenario, now_alerts)

    replay()


def _seek(player: Player) -> None:
    now = time.time()
    player.set_clock(player.clock.seek(float(st.session_state["play_minute"]), now))
    player.state["seen_min"] = player.clock.position(now)  # no toast flood after a jump


def _toasts(player: Player, now_alerts: Moment, minute: float) -> None:
    seen = player.state["seen_min"]
    if minute < seen:  # moved back: what is already past stays quiet
        player.state["seen_min"] = minute
        return
    scenario = player.scenario
    new = now_alerts.started_between(scenario.moment(seen), scenario.moment(minute))
    if len(new):
        toast_new(new)
    player.state["seen_min"] = minute


def _alert_table(scenario: Scenario, now_alerts: Moment) -> None:
    events = now_alerts.events
    st.markdown(f"**Alerts so far** ({len(events)})")
    if events.empty:
        st.caption("No alert yet.")
        return
    minute = lambda t: f"{scenario.minute_of(t):.0f}"  # noqa: E731
    st.dataframe(pd.DataFrame({
        "Priority": events["priority"],
        "Alert": [s.split(": ", 1)[-1] for s in events["summary"]],
        "From (min)": [minute(t) for t in events["started_at"]],
        "Until (min)": ["active" if pd.isna(t) else minute(t) for t in events["ended_at"]],
    }), hide_index=True, width="stretch")
