"""Sessions page: every session with its patient, status and reading count; open one to record."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.components.context import records, require
from dashboard.components.session_picker import SESSION_KEY
from dashboard.services.alerting import Alerting


def render() -> None:
    require("session.read")
    rec = records()
    st.title("Sessions")
    sessions = rec.sessions()
    if not sessions:
        st.info("No sessions yet. Create one on the Record page, or load the samples: python -m dashboard seed")
        return
    counts = rec.reading_counts()
    waiting = Alerting(rec.engine, rec.actor).unacknowledged_high()
    table = pd.DataFrame({
        "Session": [s.code for s in sessions],
        "Patient": [s.patient_code for s in sessions],
        "Date": [s.session_date for s in sessions],
        "Infusion #": [s.infusion_number for s in sessions],
        "Status": [s.status for s in sessions],
        "Readings": [counts.get(s.id, 0) for s in sessions],
        "Alerts to acknowledge": [waiting.get(s.id, 0) for s in sessions],
        "Protocol": [s.protocol for s in sessions],
    })
    event = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun",
                         selection_mode="single-row", key="sessions_table")
    st.caption("Select a row to open the session.")
    rows = event.selection.rows if event else []
    if rows and rec.actor.can("reading.write"):
        st.session_state[SESSION_KEY] = sessions[rows[0]].id
        st.switch_page("views/record.py")


render()
