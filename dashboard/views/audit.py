"""Audit log page: every change, who made it and when, with the state before and after; filterable."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import streamlit as st

from dashboard.components.context import clinic_tz, engine, require
from dashboard.components.text import md_escape
from dashboard.core.audit_summary import load_state
from dashboard.core.clock import today_in
from dashboard.core.tables import audit_display
from dashboard.services.audit_trail import audit_entries, session_codes
from dashboard.core.errors import StoreError


def _detail(entry, shown) -> None:
    """The whole entry: the state before and after exactly as stored."""
    st.subheader("Entry in full")
    st.markdown(md_escape(f"{shown['When']} · {shown['User']} · {shown['Action']} · {shown['About']}"))
    before, after = st.columns(2)
    for column, title, text in ((before, "Before", entry["before"]), (after, "After", entry["after"])):
        column.markdown(f"**{title}**")
        state = load_state(text)
        if state is None:
            column.caption("nothing")
        elif isinstance(state, (dict, list)):
            column.json(state, expanded=True)
        else:
            column.text(state)


def render() -> None:
    who = require("audit.read")
    tz = clinic_tz()
    st.title("Audit log")
    st.caption("Every change, sign-in and refused sign-in. Entries are never changed or removed.")
    c1, c2, c3, c4 = st.columns(4)
    user = c1.text_input("User", key="audit_user", max_chars=80)
    action = c2.text_input("Action (e.g. reading.correct)", key="audit_action", max_chars=40)
    session = c3.text_input("Session (e.g. S-0001)", key="audit_session", max_chars=40,
                            help="Leave empty for every session")
    days = c4.date_input("Dates", value=(today_in(tz) - timedelta(days=30), today_in(tz)), key="audit_dates")
    since = until = None
    if isinstance(days, tuple) and len(days) == 2:
        since = datetime.combine(days[0], time(0), tzinfo=ZoneInfo(tz))
        until = datetime.combine(days[1] + timedelta(days=1), time(0), tzinfo=ZoneInfo(tz))
    try:
        frame = audit_entries(engine(), who, user=user.strip() or None, action=action.strip() or None,
                              session_code=session.strip() or None, since=since, until=until)
    except StoreError as error:
        st.error(md_escape(error))
        return
    if frame.empty:
        st.info("No entries match.")
        return
    table = audit_display(frame, session_codes(engine(), who), tz)
    event = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                         key="audit_table")
    st.caption(f"{len(frame)} entries, newest first. Times in {tz}. Select a row to see the entry in full.")
    rows = event.selection.rows if event else []
    if rows:
        _detail(frame.iloc[rows[0]], table.iloc[rows[0]])


render()
