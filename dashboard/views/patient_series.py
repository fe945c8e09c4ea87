"""Patient series page: one patient's infusions side by side and their trend, to see how the course goes."""

from __future__ import annotations

import streamlit as st

from dashboard.components.context import engine, records, require
from dashboard.components.text import md_escape
from dashboard.core.series import INDUCTION_INFUSIONS, series_display
from dashboard.core.series_chart import series_figure
from dashboard.services.patient_series import PatientSeries

PATIENT_KEY = "series_patient"  # another page may set it to a patient code before switching here


def render() -> None:
    who = require("session.read")
    st.title("Patient series")
    st.caption(f"One patient's infusions, oldest first: the induction series (infusions 1-{INDUCTION_INFUSIONS}) "
               "then maintenance. A patient's own earlier infusions are the best guide to the next one.")
    codes = records().patients()["code"].tolist()
    if not codes:
        st.info("No patients yet.")
        return
    if st.session_state.get(PATIENT_KEY) not in codes:
        st.session_state.pop(PATIENT_KEY, None)
    code = st.columns([1, 2])[0].selectbox("Patient", codes, index=None, key=PATIENT_KEY,
                                           placeholder="Choose a patient…", persist_state="session")
    if code is None:
        return
    table = PatientSeries(engine(), who).series(code)
    if table.empty:
        st.info(md_escape(f"{code} has no sessions yet."))
        return
    st.markdown(md_escape(f"{len(table)} infusion{'s' if len(table) != 1 else ''}, "
                          f"{table['session_date'].iloc[0]:%Y-%m-%d} to {table['session_date'].iloc[-1]:%Y-%m-%d}"))
    small = st.column_config.Column(width="small")
    event = st.dataframe(series_display(table), hide_index=True, width="stretch", on_select="rerun",
                         selection_mode="single-row", key="series_table",
                         column_config={"Infusion": small, "Phase": small, "High alerts": small,
                                        "Medium alerts": small})
    st.caption("Rise: the highest reading from infusion start on, minus the baseline (the median of the readings "
               "before the start, as the alerts take it). Deepest sedation is the lowest MOAA/S. "
               "Select a row to open that session's review.")
    rows = event.selection.rows if event else []
    if rows and rows[0] < len(table):
        st.session_state["review_session_id"] = int(table["session_id"].iloc[rows[0]])
        st.switch_page("views/review.py")
    st.plotly_chart(series_figure(table), width="stretch", key="series_chart")


render()
