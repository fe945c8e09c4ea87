"""Protocols page (supervisors): edit a protocol by form as a new version, assign it, try the draft on past sessions."""

from __future__ import annotations

import streamlit as st

from dashboard.components.context import clinic_tz, engine, records, require
from dashboard.components.text import md_escape
from dashboard.core.protocol import Protocol
from dashboard.core.protocol_form import (
    FormCheck,
    FormField,
    Section,
    check,
    sections,
    values_from,
)
from dashboard.core.whatif import PRIORITIES, WhatIf
from dashboard.services.protocols import Protocols
from dashboard.core.errors import StoreError

SAVED = "protocol_saved_message"  # shown once after the rerun that follows a save
SHOWN_SESSIONS = 30  # sessions whose changed alerts are listed on the page (all are in the download)


def _number(f: FormField, value, key: str, *, label: str | None = None, collapsed: bool = True):
    if f.kind == "choice":
        return st.selectbox(label or f.describe, f.choices, index=f.choices.index(value) if value in f.choices else 0,
                            format_func=lambda c: c.replace("_", " "), key=key,
                            label_visibility="collapsed" if collapsed else "visible")
    integer = f.kind == "int"
    if key not in st.session_state:  # seeded, not a default: a field the user clears stays empty (no limit)
        st.session_state[key] = None if value is None else (int(value) if integer else float(value))
    return st.number_input(label or f.describe, value=None, step=1 if integer else f.step,
                           format="%d" if integer else "%g", key=key, placeholder="none" if f.optional else None,
                           label_visibility="collapsed" if collapsed else "visible")


def _table(section: Section, values: dict, prefix: str, entered: dict) -> list[tuple]:
    """One row per vital (or level) of number inputs under column headings; returns where errors go."""
    widths = [1.4] + [1] * len(section.columns)
    for column, heading in zip(st.columns(widths), ["", *section.columns]):
        column.caption(md_escape(heading))
    slots = []
    for row in section.rows:
        columns = st.columns(widths, vertical_alignment="center")
        columns[0].markdown(md_escape(row.label))
        for column, f in zip(columns[1:], row.fields):
            with column:
                entered[f.key] = _number(f, values[f.key], prefix + f.key)
        slots.append((st.container(), row.fields))
    return slots


def _inline(section: Section, values: dict, prefix: str, entered: dict) -> list[tuple]:
    """Fields with their own labels, three to a line (pre-dose caution, other settings)."""
    inputs = [f for row in section.rows for f in row.fields]
    columns = st.columns(3)
    for i, f in enumerate(inputs):
        with columns[i % 3]:
            label = f"{f.label} ({f.unit})" if f.unit else f.label
            entered[f.key] = _number(f, values[f.key], prefix + f.key, label=label, collapsed=False)
    return [(st.container(), inputs)]


def _form(current: Protocol) -> FormCheck:
    """The protocol as a form, checked as it is typed; each problem is shown under its row."""
    form = sections(type(current))
    values = values_from(current, form)
    prefix = f"pf_{current.name}_{current.version}_"
    entered: dict = {}
    slots: list[tuple] = []
    for section in form:
        if section.name == "about":
            for f in (f for row in section.rows for f in row.fields):
                widget = st.text_area if f.key == "description" else st.text_input
                entered[f.key] = widget(f.label, value=values[f.key] or "", key=prefix + f.key)
                slots.append((st.container(), [f]))
            continue
        st.markdown(f"**{md_escape(section.title)}**")
        if section.help:
            st.caption(md_escape(section.help))
        slots += (_table if section.columns and section.rows[0].label else _inline)(section, values, prefix, entered)
    result = check(entered, current, form)
    for slot, inputs in slots:
        for f in inputs:
            if f.key in result.errors:
                slot.error(md_escape(result.errors[f.key]))
    for message in result.general:
        st.error(md_escape(message))
    return result


def _editor(protocols: Protocols, name: str) -> FormCheck:
    current = protocols.current(name)
    if SAVED in st.session_state:
        st.success(md_escape(st.session_state.pop(SAVED)))
    st.caption(md_escape(f"Editing version {current.version}. Saving makes a new version; sessions already "
                         "started keep the version they ran under. A new name makes a new protocol."))
    draft = _form(current)
    reason = st.text_input("Why this change (required)", key=f"protocol_reason_{name}", max_chars=300)
    if not draft.valid:
        st.caption("Correct the fields marked above to save.")
    if st.button("Save as a new version", type="primary", key=f"protocol_save_{name}", disabled=not draft.valid):
        try:
            saved = protocols.save(draft.protocol.model_dump(exclude={"version"}), reason=reason)
        except StoreError as error:
            st.error(md_escape(error))
        else:
            st.session_state[SAVED] = f"Saved {saved.name} version {saved.version}."
            st.rerun()
    definition = current.model_dump_json(indent=2, exclude={"version"})
    with st.expander("Definition as JSON (read-only)"):
        st.code(definition, language="json")
        st.download_button("Download JSON", definition, file_name=f"{current.name} v{current.version}.json",
                           mime="application/json", key=f"protocol_download_{name}")
    history = protocols.history(name)
    history["created_at"] = history["created_at"].dt.tz_convert(clinic_tz()).dt.strftime("%Y-%m-%d %H:%M")
    st.markdown("**Version history**")
    st.dataframe(history.drop(columns=["id", "definition"]), hide_index=True, width="stretch")
    return draft


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


def _what_if(protocols: Protocols, names: list[str], edited: str, draft: FormCheck) -> None:
    st.write("Try the draft from the Edit tab on past sessions before saving it: the alerts of each priority it "
             "would have raised against the current version, and each alert it adds or removes, with why.")
    labels = {s.id: s.label for s in records().sessions()}
    current_name = st.selectbox("Compare with", names, index=names.index(edited), key="whatif_current")
    chosen = st.multiselect("Sessions", list(labels), default=list(labels), format_func=labels.get,
                            key="whatif_sessions")
    if not draft.valid:
        st.warning("The draft in the Edit tab has problems: correct the marked fields there first.")
    if st.button("Compare", key="whatif_run", disabled=not draft.valid):
        try:
            result = protocols.what_if(draft.protocol, current_name, chosen, clinic_tz())
        except StoreError as error:
            st.error(md_escape(error))
            return
        _what_if_result(result, labels)


def _what_if_result(result: WhatIf, labels: dict) -> None:
    st.markdown(f"**{md_escape(result.summary())}**")
    st.dataframe(result.totals.rename_axis("priority").reset_index(), hide_index=True)
    if not len(result.differing):
        st.info("The draft raises the same alerts as the current version on these sessions.")
        return
    per_session = result.differing.copy()
    per_session["session"] = per_session["session_id"].map(labels).fillna(per_session["session"])
    counts = {f"{side}_{p}": f"{p} ({side})" for p in PRIORITIES for side in ("current", "draft")}
    st.markdown("**Sessions that differ**")
    st.dataframe(per_session[["session", *counts, "added", "removed"]].rename(columns=counts), hide_index=True,
                 width="stretch")
    st.markdown("**Alerts the draft adds or removes**")
    st.download_button("Download every change (CSV)", result.changes.drop(columns=["started_at"]).to_csv(index=False),
                       file_name="what-if changes.csv", mime="text/csv", key="whatif_download")
    shown = result.changes["session_id"].drop_duplicates().head(SHOWN_SESSIONS)
    if len(result.differing) > SHOWN_SESSIONS:
        st.caption(f"The first {SHOWN_SESSIONS} of {len(result.differing)} sessions; the download has them all.")
    for session_id, changes in result.changes[result.changes["session_id"].isin(shown)].groupby("session_id",
                                                                                                 sort=False):
        added = int((changes["change"] == "added").sum())
        title = f"{labels.get(session_id, changes['session'].iloc[0])}: {added} added, {len(changes) - added} removed"
        with st.expander(md_escape(title), expanded=len(result.differing) <= 3):
            table = changes[["change", "alert", "priority", "start", "peak_value", "why"]].rename(
                columns={"peak_value": "peak"}).assign(peak=changes["peak_value"].map(lambda v: f"{v:g}"))
            # st.table wraps the reasons in full; it reads cells as markdown, so every cell is escaped.
            st.table(table.astype(str).map(md_escape).set_index("change"))


def render() -> None:
    protocols = Protocols(engine(), require("protocol.edit"))
    st.title("Protocols")
    names = protocols.names()
    edit, assign, what_if = st.tabs(["Edit", "Assign", "What-if"])
    with edit:
        name = st.selectbox("Protocol", names, key="protocol_name")
        draft = _editor(protocols, name)
    with assign:
        _assign(protocols, names)
    with what_if:
        _what_if(protocols, names, name, draft)


render()
