"""Training page: replay a scenario with its alerts firing in replay time, or run it in trainee mode, answering
at each decision point, for a score. Scenarios only: never a live session."""

from __future__ import annotations

import time

import streamlit as st

from dashboard.components import scenario_player, trainee_panel
from dashboard.components.context import engine, require
from dashboard.components.scenario_player import Player
from dashboard.components.text import md_escape
from dashboard.core.errors import StoreError
from dashboard.services.training import Training

MODES = {"Replay": "replay", "Trainee mode": "trainee"}


def _finish(training: Training, player: Player) -> None:
    """End the trainee's run where the replay is, score it and keep the result."""
    run = player.run
    if run is None or player.state["result"] is not None:
        return
    now = time.time()
    player.set_clock(player.clock.pause(now))
    run = run.end(player.clock.position(now))
    player.state["run"] = run
    try:
        player.state["result"] = training.record_result(player.scenario.code, player.scenario.version, run.answers,
                                                        run.ended_at_min)
    except StoreError as error:
        st.session_state["training_error"] = str(error)


def render() -> None:
    who = require("scenario.train")
    training = Training(engine(), who)
    st.title("Training")
    st.caption("Teaching scenarios replayed on a reference day: invented sample sessions, real monitor recordings "
               "and de-identified clinic sessions. Never a live session.")
    library = {s.code: s for s in training.scenarios()}
    if not library:
        st.info("No scenario yet: a trainer or supervisor adds them on the Scenarios page.")
        return
    code = st.selectbox("Scenario", list(library), key="training_scenario",
                        format_func=lambda c: f"{c} · {library[c].title}")
    scenario = training.scenario(code)
    trainer = who.can("scenario.run")
    mode = MODES[st.radio("Mode", list(MODES), horizontal=True, key="training_mode")] if trainer else "trainee"
    st.markdown(f"**Learning goal:** {md_escape(scenario.goal)}")
    if trainer and scenario.description:
        st.caption(md_escape(scenario.description))
    st.caption(f"Source: {md_escape(scenario.source)} · protocol: {md_escape(scenario.protocol)}")

    player = Player(scenario, mode)
    protocols = training.protocol_names() if mode == "replay" else None
    if protocols and st.session_state.get("play_protocol") not in protocols:
        st.session_state["play_protocol"] = scenario.protocol if scenario.protocol in protocols else protocols[0]

    def protocol_for():
        name = st.session_state.get("play_protocol", scenario.protocol) if mode == "replay" else scenario.protocol
        return training.protocol(name)

    if error := st.session_state.pop("training_error", None):
        st.error(md_escape(error))
    if mode == "trainee" and player.state["result"] is not None:
        trainee_panel.show_score(player.state["result"])
        st.button("Run it again", key="trainee_again", on_click=player.reset)
        return
    if mode == "trainee":
        st.info("The replay stops at each moment that needs a decision and asks what you would do. Your answers "
                "and how soon you gave them (in replay minutes) are scored at the end.")
    scenario_player.controls(player, protocol_for, protocols)
    if mode == "trainee":
        asking = trainee_panel.question(player)
        end_min = scenario.span_min[1]
        if not asking and player.run.pending() is None and player.position() >= end_min - 1e-6:
            _finish(training, player)
            st.rerun()
        trainee_panel.end_button(player, lambda: _finish(training, player))
    scenario_player.render(player, protocol_for, scrub=mode == "replay",
                           on_finish=(lambda: _finish(training, player)) if mode == "trainee" else None)


render()
