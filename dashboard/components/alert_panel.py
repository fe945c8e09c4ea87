"""Alerts of a session on screen: the banner for what needs a look, the list, and acknowledging."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.components.text import md_escape
from dashboard.core.vitals import VITAL_BY_KEY
from dashboard.services.alerting import ACK_ACTIONS, Alerting
from dashboard.core.errors import StoreError



RANK = {"high": 0, "medium": 1, "low": 2}


def _what(row) -> str:
    vital = VITAL_BY_KEY[row.vital].short if row.vital in VITAL_BY_KEY else row.vital
    peak = "" if pd.isna(row.peak_value) else f" (peak {row.peak_value:g})"
    return f"{row.message}{peak}" if row.rule != "limit" else f"{vital} {row.level}{peak}"


def banner(alerting: Alerting, session_id: int, tz: str, readings: pd.DataFrame | None = None) -> None:
    """Unacknowledged high-priority alerts (and reminders), and a blood pressure that is overdue now."""
    urgent, overdue = alerting.attention(session_id, readings=readings)
    for row in urgent.itertuples():
        again = "" if pd.isna(row.acked_at) else " — still active after acknowledgement"
        st.error(md_escape(f"{_what(row)} since {row.started_at.tz_convert(tz):%H:%M}{again}. "
                           "Acknowledge it below with what was done."), icon=":material/notifications_active:")
    for row in overdue.itertuples():
        st.warning(md_escape(f"Blood pressure overdue since {row.started_at.tz_convert(tz):%H:%M}."),
                   icon=":material/schedule:")


def toast_new(raised: pd.DataFrame) -> None:
    for row in raised.itertuples():
        st.toast(md_escape(f"New {row.priority}-priority alert: {_what(row)}"), icon=":material/notifications_active:")


def alert_list(alerting: Alerting, session_id: int, tz: str) -> None:
    alerts = alerting.alerts(session_id)
    live = alerts[alerts["withdrawn_at"].isna()]
    st.markdown(f"**Alerts** ({len(live)})")
    if alerts.empty:
        st.caption("No alerts in this session.")
        return
    table = pd.DataFrame({
        "#": alerts["id"],
        "Priority": alerts["priority"],
        "Alert": [_what(r) for r in alerts.itertuples()],
        "From": alerts["started_at"].dt.tz_convert(tz).dt.strftime("%H:%M"),
        "Until": alerts["ended_at"].dt.tz_convert(tz).dt.strftime("%H:%M").fillna("active"),
        "Acknowledged": [("" if pd.isna(a)
                          else f"{b} {a.tz_convert(tz):%H:%M}: {act}" + (f" ({n})" if isinstance(n, str) else ""))
                         for a, b, act, n in zip(alerts["acked_at"], alerts["acked_by"], alerts["ack_action"],
                                                 alerts["ack_note"], strict=True)],
        "Status": ["withdrawn (readings corrected)" if pd.notna(w) else "" for w in alerts["withdrawn_at"]],
    })
    st.dataframe(table, hide_index=True, width="stretch")
    if not alerting.actor.can("alert.acknowledge") or live.empty:
        return
    urgent_first = live.sort_values(["priority", "started_at"],
                                    key=lambda c: c.map(RANK) if c.name == "priority" else c)
    labels = {int(r.id): f"#{int(r.id)} {r.priority}: {_what(r)}" for r in urgent_first.itertuples()}
    with st.form("acknowledge", clear_on_submit=True):
        st.selectbox("Alert", list(labels), format_func=labels.get, key="ack_alert")
        st.selectbox("What was done", ACK_ACTIONS, key="ack_action")
        st.text_input("Note", key="ack_note", max_chars=300)
        st.form_submit_button("Acknowledge", on_click=_acknowledge, args=(alerting,))
    if message := st.session_state.pop("ack_message", None):
        (st.error if message.startswith("!") else st.success)(md_escape(message.lstrip("!")))


def _acknowledge(alerting: Alerting) -> None:
    """Runs before the page is drawn, so the banner already reflects the acknowledgement."""
    choice = st.session_state.get("ack_alert")
    try:
        alerting.acknowledge(choice, st.session_state["ack_action"], st.session_state.get("ack_note"))
        st.session_state["ack_message"] = f"Alert #{choice} acknowledged."
    except StoreError as error:
        st.session_state["ack_message"] = f"!{error}"
