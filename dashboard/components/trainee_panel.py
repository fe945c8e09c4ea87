"""Trainee mode on screen: the question at a decision point, and the score at the end with each miss explained."""

from __future__ import annotations

import time
from collections.abc import Callable

import pandas as pd
import streamlit as st

from dashboard.components.scenario_player import Player
from dashboard.components.text import md_escape
from dashboard.core.trainee import Score

OUTCOMES = {"right": "right", "late": "right, but late", "missed": "missed", "not reached": "not reached"}


def question(player: Player) -> bool:
    """The question waiting at the replay's current moment, if any; True when one is shown."""
    run = player.run
    waiting = run.pending() if run is not None else None
    if waiting is None or player.position() < waiting[1] - 1e-6:
        return False
    index, asked = waiting
    decision = run.decisions[index]
    again = any(a.decision == index for a in run.answers)
    if again:
        prompt = (f"Minute {asked:.0f}: the alert from minute {decision.at_min:.0f} ({decision.label}) is still "
                  "active. What do you do now?")
    elif decision.kind == "alert":
        prompt = f"Minute {asked:.0f}: an alert has fired ({decision.label}). What do you do?"
    else:
        prompt = f"Minute {asked:.0f}: what do you do now?"
    key = f"answer_{player.key}_{len(run.answers)}"
    with st.container(border=True):
        st.markdown(f"**{md_escape(prompt)}**")
        st.radio("Your response", player.scenario.choices, index=None, key=key)
        st.button("Answer", key="answer_submit", type="primary", on_click=_answer, args=(player, key))
        if st.session_state.pop("answer_missing", False):
            st.warning("Choose a response first.")
    return True


def _answer(player: Player, key: str) -> None:
    choice = st.session_state.get(key)
    if not choice:
        st.session_state["answer_missing"] = True
        return
    now = time.time()
    player.state["run"] = player.run.answer(choice, player.clock.position(now))
    if player.state["resume"]:  # it stopped here while playing: play on
        player.set_clock(player.clock.play(now))
    player.state["resume"] = False


def end_button(player: Player, finish: Callable[[], None]) -> None:
    st.button("End the run and see the score", key="trainee_end", on_click=finish,
              help="Decisions not reached yet count as missed.")


def show_score(score: Score) -> None:
    st.subheader(f"Score: {score.percent} %")
    st.markdown(f"{score.right} of {score.total} decisions right and in time.")
    st.dataframe(pd.DataFrame({
        "Minute": [f"{v.at_min:g}" for v in score.verdicts],
        "What happened": [v.label for v in score.verdicts],
        "Your response": ["; ".join(v.chosen) or "—" for v in score.verdicts],
        "Expected": [" or ".join(v.good) for v in score.verdicts],
        "Responded after (min)": ["—" if v.response_min is None else f"{v.response_min:g}" for v in score.verdicts],
        "Due within (min)": [f"{v.due_min:g}" for v in score.verdicts],
        "Outcome": [OUTCOMES[v.outcome] for v in score.verdicts],
    }), hide_index=True, width="stretch")
    misses = score.missed()
    if misses:
        st.markdown("**What to take away**")
        for v in misses:
            st.markdown(f"- Minute {v.at_min:g} ({md_escape(v.label)}): {md_escape(v.explanation)}")
    else:
        st.success("Every decision right and in time.")
