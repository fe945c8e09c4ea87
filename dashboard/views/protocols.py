"""Protocols page (supervisors): edit a protocol as a new version, assign it, and try a draft on past sessions."""

from __future__ import annotations

import streamlit as st

from dashboard.components.context import clinic_tz, engine, records, require
from dashboard.components.text import md_escape
from dashboard.services.protocols import Protocols, parse
from dashboard.store.errors import StoreError


def _editor(protocols: Protocols, name: str) -> None:
    current = protocols.current(name)
    st.caption(md_escape(current.description))
    key = f"protocol_text_{name}_{current.version}"
    text = st.text_area("Definition (JSON): thresholds, persistence, hysteresis margins, baseline change, "
                        "escalation, pre-dose caution, BP interval, reminder", value=current.model_dump_json(
                            indent=2, exclude={"version"}), height=420, key=key)
    reason = st.text_input("Why this change (required)", key=f"protocol_reason_{name}", max_chars=300)
    if st.button("Save as a new version", type="primary", key=f"protocol_save_{name}"):
        try:
            saved = protocols.save(text, reason=reason)
        except StoreError as error:
            st.error(md_escape(error))
            return
        st.success(md_escape(f"Saved {saved.name} version {saved.version}. Sessions already started keep "
                             "the version they ran under."))
        st.rerun()
    history = protocols.history(name)
    history["created_at"] = history["created_at"].dt.tz_convert(clinic_tz()).dt.strftime("%Y-%m-%d %H:%M")
    st.markdown("**Version history**")
    st.dataframe(history.drop(columns=["id", "definition"]), hide_index=True, width="stretch")


def _assign(protocols: Protocols, names: list[str]) -> None:
    rec = records()
    sessions = rec.sessions()
    patients = rec.patients()
    scope = st.radio("Applies to", ["clinic default", "a patient", "a session"], horizontal=True, key="assign_scope")
    scope_id = None
    if scope == "a patient":
        scope_id = st.selectbox("Patient", patients["id"].tolist(), key="assign_patient",
                                format_func=dict(zip(patients["id"], patients["code"], strict=True)).get)
    elif scope == "a session":
        labels = {s.id: s.label for s in sessions}
        scope_id = st.selectbox("Session", list(labels), format_func=labels.get, key="assign_session")
    name = st.selectbox("Protocol", names, key="assign_name")
    reason = st.text_input("Why (required)", key="assign_reason", max_chars=300)
    if st.button("Assign", key="assign_button"):
        try:
            protocols.assign({"clinic default": "clinic", "a patient": "patient", "a session": "session"}[scope],
                             scope_id, name, reason=reason)
            st.success("Assigned. It applies from the next infusion start.")
        except StoreError as error:
            st.error(md_escape(error))


def _what_if(protocols: Protocols, names: list[str]) -> None:
    st.write("Try a draft on past sessions before saving it: how many alerts of each priority it would have "
             "raised, against the current version, and which sessions differ.")
    rec = records()
    sessions = rec.sessions()
    labels = {s.id: s.label for s in sessions}
    current_name = st.selectbox("Compare with", names, key="whatif_current")
    chosen = st.multiselect("Sessions", list(labels), default=list(labels), format_func=labels.get,
                            key="whatif_sessions")
    draft_text = st.text_area("Draft (JSON)", value=protocols.current(current_name).model_dump_json(
        indent=2, exclude={"version"}), height=300, key=f"whatif_draft_{current_name}")
    if st.button("Compare", key="whatif_run"):
        try:
            result = protocols.what_if(parse(draft_text), current_name, chosen)
        except StoreError as error:
            st.error(md_escape(error))
            return
        st.markdown(f"**{md_escape(result.summary())}**")
        st.dataframe(result.totals.rename_axis("priority").reset_index(), hide_index=True)
        if len(result.differing):
            table = result.differing.copy()
            table.insert(0, "session", table["session_id"].map(labels))
            st.dataframe(table.drop(columns=["session_id"]), hide_index=True, width="stretch")


def render() -> None:
    protocols = Protocols(engine(), require("protocol.edit"))
    st.title("Protocols")
    names = protocols.names()
    edit, assign, what_if = st.tabs(["Edit", "Assign", "What-if"])
    with edit:
        name = st.selectbox("Protocol", names, key="protocol_name")
        _editor(protocols, name)
    with assign:
        _assign(protocols, names)
    with what_if:
        _what_if(protocols, names)


render()
