"""Scenarios page (trainers, supervisors): the library with each scenario's decision points, the class summary,
new versions, and new scenarios from a vitals file or a finished session, de-identified."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from dashboard.components.context import clinic_tz, engine, require
from dashboard.components.text import md_escape
from dashboard.core.csvfile import ImportOptions
from dashboard.core.errors import StoreError
from dashboard.services.training import Training

FLASH = "scenarios_flash"


def _run(action, done: str) -> None:
    try:
        result = action()
        st.session_state[FLASH] = done.format(code=getattr(result, "code", ""))
        if getattr(result, "code", None):
            st.session_state["lib_scenario"] = result.code
    except (StoreError, ValueError) as error:
        st.session_state[FLASH] = f"!{error}"


def _library(training: Training) -> dict:
    items = training.scenarios()
    st.dataframe(pd.DataFrame({
        "Code": [s.code for s in items], "Version": [s.version for s in items], "Title": [s.title for s in items],
        "Protocol": [s.protocol for s in items], "Readings": [s.readings for s in items],
        "Decisions": [s.decisions for s in items], "Source": [s.source for s in items],
    }), hide_index=True, width="stretch")
    return {s.code: s for s in items}


def _details(training: Training, code: str, tz: str) -> None:
    scenario = training.scenario(code)
    st.markdown(f"**Learning goal:** {md_escape(scenario.goal)}")
    if scenario.description:
        st.caption(md_escape(scenario.description))
    st.markdown(f"**Decision points** ({len(scenario.decisions)}), under {md_escape(scenario.protocol)}")
    st.dataframe(pd.DataFrame({
        "Minute": [f"{d.at_min:g}" for d in scenario.decisions],
        "Kind": [d.kind for d in scenario.decisions],
        "What happens": [d.label for d in scenario.decisions],
        "Good responses": [" or ".join(d.good) for d in scenario.decisions],
        "Due within (min)": [f"{d.due_min:g}" if d.kind == "alert" else "—" for d in scenario.decisions],
    }), hide_index=True, width="stretch")

    summary = training.class_summary(code)
    st.header("Class summary")
    if not summary.runs:
        st.caption("Nobody has run this scenario in trainee mode yet.")
    else:
        st.markdown(f"{summary.runs} run(s). Most missed: **{md_escape(summary.most_missed or 'nothing missed')}**")
        st.dataframe(pd.DataFrame({
            "Trainee": [r["trainee"] for r in summary.by_trainee],
            "Runs": [r["runs"] for r in summary.by_trainee],
            "Best score (%)": [r["best"] for r in summary.by_trainee],
            "Last score (%)": [r["last score"] for r in summary.by_trainee],
            "Last run": [pd.Timestamp(r["last run"]).tz_convert(tz).strftime("%Y-%m-%d %H:%M")
                         for r in summary.by_trainee],
        }), hide_index=True, width="stretch")

    with st.expander(f"Versions ({scenario.version})"):
        history = training.history(code)
        st.dataframe(pd.DataFrame({
            "Version": history["version"], "Title": history["title"], "Protocol": history["protocol"],
            "Why": history["reason"], "By": history["created_by"],
            "When": history["created_at"].dt.tz_convert(tz).dt.strftime("%Y-%m-%d %H:%M"),
        }), hide_index=True, width="stretch")
        if training.actor.can("scenario.edit"):
            _revise_form(training, scenario)


def _revise_form(training: Training, scenario) -> None:
    names = training.protocol_names()
    with st.form(f"revise_{scenario.code}"):
        st.text_input("Title", value=scenario.title, key=f"rev_title_{scenario.code}", max_chars=200)
        st.text_area("Learning goal", value=scenario.goal, key=f"rev_goal_{scenario.code}", max_chars=1000)
        st.selectbox("Protocol", names, index=names.index(scenario.protocol) if scenario.protocol in names else 0,
                     key=f"rev_protocol_{scenario.code}")
        st.text_input("Why it changes", key=f"rev_reason_{scenario.code}", max_chars=300)
        st.form_submit_button("Save as a new version", on_click=lambda: _run(lambda: training.revise(
            scenario.code, title=st.session_state[f"rev_title_{scenario.code}"],
            goal=st.session_state[f"rev_goal_{scenario.code}"], protocol=st.session_state[f"rev_protocol_{scenario.code}"],
            reason=st.session_state[f"rev_reason_{scenario.code}"]),
            "Saved a new version of {code}."))


def _from_session(training: Training) -> None:
    sessions = dict(training.source_sessions())
    st.markdown("**From a finished session** (discharged or signed). The scenario keeps its readings and events "
                "only, moved to a reference day: no patient or session code, name, note or date.")
    if not sessions:
        st.caption("No discharged or signed session yet.")
        return
    with st.form("from_session", clear_on_submit=True):
        st.selectbox("Session", list(sessions), format_func=sessions.get, key="new_session")
        st.text_input("Title", key="new_s_title", max_chars=200, help="Do not name the patient or the session.")
        st.text_area("Learning goal", key="new_s_goal", max_chars=1000)
        st.form_submit_button("Create the scenario", on_click=lambda: _run(lambda: training.add_from_session(
            st.session_state["new_session"], title=st.session_state.get("new_s_title", ""),
            goal=st.session_state.get("new_s_goal", "")), "Added scenario {code}."))


def _from_file(training: Training) -> None:
    st.markdown("**From a vitals file** (any file the Import page reads: one session's readings).")
    names = training.protocol_names()
    with st.form("from_file", clear_on_submit=True):
        st.file_uploader("Vitals file (CSV)", type=["csv", "txt", "tsv"], key="new_f_file")
        st.text_input("Title", key="new_f_title", max_chars=200)
        st.text_area("Learning goal", key="new_f_goal", max_chars=1000)
        st.selectbox("Protocol", names, key="new_f_protocol")
        st.text_input("Recording start, for elapsed times (e.g. 2026-11-02T09:00)", key="new_f_start")
        st.number_input("Infusion starts this many minutes after the first reading", min_value=0.0, value=0.0,
                        step=1.0, key="new_f_infusion")
        st.form_submit_button("Import as a scenario", on_click=_import, args=(training,))


def _import(training: Training) -> None:
    upload = st.session_state.get("new_f_file")
    if upload is None:
        st.session_state[FLASH] = "!choose a file"
        return
    start_text = (st.session_state.get("new_f_start") or "").strip()
    try:
        start = datetime.fromisoformat(start_text) if start_text else None
    except ValueError:
        st.session_state[FLASH] = f"!{start_text!r} is not a date and time like 2026-11-02T09:00"
        return
    options = ImportOptions(tz=clinic_tz(), start=start)
    _run(lambda: training.import_file(upload.getvalue(), file_name=upload.name,
                                      title=st.session_state.get("new_f_title", ""),
                                      goal=st.session_state.get("new_f_goal", ""),
                                      protocol=st.session_state["new_f_protocol"], options=options,
                                      infusion_min=float(st.session_state.get("new_f_infusion") or 0)),
         "Added scenario {code}.")


def render() -> None:
    who = require("scenario.run")
    training = Training(engine(), who)
    tz = clinic_tz()
    st.title("Scenarios")
    st.caption("The training library: what each scenario teaches, its decision points and good responses, and how "
               "the class does. Trainees run them on the Training page.")
    if message := st.session_state.pop(FLASH, None):
        (st.error if message.startswith("!") else st.success)(md_escape(message.lstrip("!")))
    library = _library(training)
    if library:
        if st.session_state.get("lib_scenario") not in library:
            st.session_state["lib_scenario"] = next(iter(library))
        code = st.selectbox("Scenario", list(library), key="lib_scenario",
                            format_func=lambda c: f"{c} · {library[c].title}")
        _details(training, code, tz)
    st.header("New scenario")
    if who.can("scenario.from_session"):
        _from_session(training)
    if who.can("scenario.edit"):
        _from_file(training)


render()
