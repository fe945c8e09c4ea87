"""Alerts of a session on screen: one banner and one toast per alert event, the event list with its
rule-level detail, and acknowledging an event with what was done."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.components.text import md_escape
from dashboard.core.alert_events import PRIORITY_RANK, member_label
from dashboard.services.alerting import ACK_ACTIONS, Alerting
from dashboard.core.errors import StoreError


def _rules(summary: str) -> str:
    """'High: SBP 185 beyond critical, ...' -> 'SBP 185 beyond critical, ...'."""
    return summary.split(": ", 1)[-1]


def banner(alerting: Alerting, session_id: int, tz: str, readings: pd.DataFrame | None = None) -> None:
    """One banner per high-priority event that needs a look (and reminders), and a BP overdue now
    (readings: the session's readings in force, when the page has read them already)."""
    urgent, overdue = alerting.attention(session_id, readings=readings)
    show_banner(urgent, overdue, tz)


def show_banner(urgent: pd.DataFrame, overdue: pd.DataFrame, tz: str) -> None:
    """The banner from events already worked out (acked_at when known): the Record page's, and a replay's."""
    for row in urgent.itertuples():
        again = "" if pd.isna(getattr(row, "acked_at", None)) else " — still active after acknowledgement"
        st.error(md_escape(f"{row.summary} since {row.started_at.tz_convert(tz):%H:%M}{again}. "
                           "Acknowledge it below with what was done."), icon=":material/notifications_active:")
    for row in overdue.itertuples():
        st.warning(md_escape(f"Blood pressure overdue since {row.started_at.tz_convert(tz):%H:%M}."),
                   icon=":material/schedule:")


def toast_new(raised: pd.DataFrame) -> None:
    """One toast per newly raised event."""
    for row in raised.itertuples():
        st.toast(md_escape(f"New {row.priority}-priority alert: {_rules(row.summary)}"),
                 icon=":material/notifications_active:")


def _acked(row, tz: str) -> str:
    if pd.isna(row.acked_at):
        return ""
    note = f" ({row.ack_note})" if isinstance(row.ack_note, str) else ""
    return f"{row.acked_by} {row.acked_at.tz_convert(tz):%H:%M}: {'; '.join(row.ack_actions)}{note}"


def _until(row, tz: str) -> str:
    if pd.isna(row.ended_at):
        return "active"
    return f"{row.ended_at.tz_convert(tz):%H:%M}" + (" (at discharge)" if row.ended_at_discharge else "")


def alert_list(alerting: Alerting, session_id: int, tz: str) -> None:
    events = alerting.events(session_id)
    live = events[events["withdrawn_at"].isna()]
    st.markdown(f"**Alerts** ({len(live)})")
    if events.empty:
        st.caption("No alerts in this session.")
        return
    st.dataframe(pd.DataFrame({
        "#": events["id"],
        "Priority": events["priority"],
        "Alert": [_rules(s) for s in events["summary"]],
        "From": events["started_at"].dt.tz_convert(tz).dt.strftime("%H:%M"),
        "Until": [_until(r, tz) for r in events.itertuples()],
        "Acknowledged": [_acked(r, tz) for r in events.itertuples()],
        "Status": ["withdrawn (readings corrected)" if pd.notna(w) else "" for w in events["withdrawn_at"]],
    }), hide_index=True, width="stretch")
    _rule_detail(alerting, session_id, tz)
    if alerting.actor.can("alert.acknowledge") and not live.empty:
        _acknowledge_form(alerting, live, tz)
    if message := st.session_state.pop("ack_message", None):
        (st.error if message.startswith("!") else st.success)(md_escape(message.lstrip("!")))


def _rule_detail(alerting: Alerting, session_id: int, tz: str) -> None:
    """Every rule behind the events, for review: start, end, peak and the protocol's message."""
    rules = alerting.alerts(session_id)
    with st.expander(f"Rule-level detail ({len(rules)} rules)"):
        st.dataframe(pd.DataFrame({
            "Event": rules["event_id"].astype("Int64"),
            "Priority": rules["priority"],
            "Rule": [member_label(r) for r in rules.itertuples()],
            "Message": rules["message"],
            "From": rules["started_at"].dt.tz_convert(tz).dt.strftime("%H:%M"),
            "Until": rules["ended_at"].dt.tz_convert(tz).dt.strftime("%H:%M").fillna("active"),
            "Status": ["withdrawn (readings corrected)" if pd.notna(w) else "" for w in rules["withdrawn_at"]],
        }), hide_index=True, width="stretch")


def _acknowledge_form(alerting: Alerting, live: pd.DataFrame, tz: str) -> None:
    # those waiting for acknowledgement first, high before medium, then the most recent
    order = live.assign(_waiting=live["acked_at"].notna(), _rank=live["priority"].map(PRIORITY_RANK))
    order = order.sort_values(["_waiting", "_rank", "started_at"], ascending=[True, True, False])
    labels = {int(r.id): f"#{int(r.id)} {r.started_at.tz_convert(tz):%H:%M} {r.summary}" for r in order.itertuples()}
    with st.form("acknowledge", clear_on_submit=True):
        st.selectbox("Alert", list(labels), format_func=labels.get, key="ack_event")
        st.multiselect("What was done (one or more)", ACK_ACTIONS, key="ack_actions",
                       placeholder="Choose what was done…")
        st.text_input("Note", key="ack_note", max_chars=300,
                      help="Required when 'Other'; otherwise optional (for example who was called).")
        st.form_submit_button("Acknowledge", on_click=_acknowledge, args=(alerting,))


def _acknowledge(alerting: Alerting) -> None:
    """Runs before the page is drawn, so the banner already reflects the acknowledgement."""
    choice = st.session_state.get("ack_event")
    try:
        alerting.acknowledge_event(choice, st.session_state.get("ack_actions") or [],
                                   st.session_state.get("ack_note"))
        st.session_state["ack_message"] = f"Alert #{choice} acknowledged."
    except StoreError as error:
        st.session_state["ack_message"] = f"!{error}"
