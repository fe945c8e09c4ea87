"""Sessions page: every session with its patient, status and reading count; open one to record."""

from __future__ import annotations

import streamlit as st

from dashboard.components.context import records, require
from dashboard.components.session_picker import SESSION_KEY
from dashboard.core.tables import sessions_display
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
    table = sessions_display(sessions, counts, waiting, rec.tz)
    event = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun",
                         selection_mode="single-row", key="sessions_table")
    st.caption("Select a row to open the session.")
    rows = event.selection.rows if event else []
    if rows and rec.actor.can("reading.write"):
        st.session_state[SESSION_KEY] = sessions[rows[0]].id
        st.switch_page("views/record.py")


render()
