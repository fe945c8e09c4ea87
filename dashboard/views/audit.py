"""Audit log page: every change, who made it and when, with the state before and after; filterable."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import streamlit as st

from dashboard.components.context import clinic_tz, engine, require
from dashboard.core.clock import today_in
from dashboard.services.audit_trail import audit_entries


def render() -> None:
    who = require("audit.read")
    tz = clinic_tz()
    st.title("Audit log")
    st.caption("Every change, sign-in and refused sign-in. Entries are never changed or removed.")
    c1, c2, c3, c4 = st.columns(4)
    user = c1.text_input("User", key="audit_user", max_chars=80)
    action = c2.text_input("Action (e.g. reading.correct)", key="audit_action", max_chars=40)
    session = c3.number_input("Session id", min_value=0, value=0, step=1, key="audit_session",
                              help="0 = every session")
    days = c4.date_input("Dates", value=(today_in(tz) - timedelta(days=30), today_in(tz)), key="audit_dates")
    since = until = None
    if isinstance(days, tuple) and len(days) == 2:
        since = datetime.combine(days[0], time(0), tzinfo=ZoneInfo(tz))
        until = datetime.combine(days[1] + timedelta(days=1), time(0), tzinfo=ZoneInfo(tz))
    frame = audit_entries(engine(), who, user=user.strip() or None, action=action.strip() or None,
                          session_id=int(session) or None, since=since, until=until)
    if frame.empty:
        st.info("No entries match.")
        return
    frame["at"] = frame["at"].dt.tz_convert(tz).dt.strftime("%Y-%m-%d %H:%M:%S")
    st.dataframe(frame.drop(columns=["id"]), hide_index=True, width="stretch")
    st.caption(f"{len(frame)} entries, newest first.")


render()
