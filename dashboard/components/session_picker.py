"""Choose a session, or register a patient and open a new session for them."""

from __future__ import annotations

import streamlit as st

from dashboard.components.text import md_escape
from dashboard.core.clock import today_in
from dashboard.core.planning import MG_PER_KG
from dashboard.services.records import Records, SecondSession
from dashboard.core.errors import StoreError
from dashboard.core.sessions import Session

SESSION_KEY = "session_id"


def pick_session(records: Records) -> Session | None:
    """The chosen session (remembered across pages in st.session_state['session_id'])."""
    all_sessions = records.sessions()
    by_id = {s.id: s for s in all_sessions}
    if st.session_state.get(SESSION_KEY) not in by_id:
        st.session_state.pop(SESSION_KEY, None)
    st.selectbox("Session", list(by_id), key=SESSION_KEY, index=None,
                 format_func=lambda sid: by_id[sid].label,  # stable: a changing label resets the choice
                 placeholder="Choose a session…")
    if records.actor.can("session.create"):
        with st.expander("New patient or session", expanded=not all_sessions):
            _new_session_form(records)
    return by_id.get(st.session_state.get(SESSION_KEY))


def _new_session_form(records: Records) -> None:
    patients = records.patients()
    with st.form("new_session", clear_on_submit=False):
        left, right = st.columns(2)
        left.selectbox("Existing patient", [""] + patients["code"].tolist(), key="new_patient_existing")
        right.text_input("…or new patient clinic code", key="new_patient_code", max_chars=40,
                         help="A clinic code such as P-1042; no name is needed.")
        c1, c2, c3 = st.columns(3)
        c1.date_input("Date", value=today_in(records.tz), key="new_session_date")
        c2.number_input("Infusion number in series", min_value=1, max_value=99, value=None, step=1,
                        key="new_session_number", placeholder="next in series",
                        help="Empty: the number after the patient's previous sessions.")
        c3.number_input("Weight (kg)", min_value=1.0, max_value=400.0, value=None, step=0.5,
                        key="new_session_weight", placeholder="not recorded")
        st.number_input("Planned dose (mg)", min_value=1.0, max_value=1000.0, value=None, step=1.0,
                        key="new_session_dose", placeholder=f"{MG_PER_KG:g} mg/kg from the weight",
                        help=f"Empty: {MG_PER_KG:g} mg/kg from the weight, when it is recorded.")
        st.form_submit_button("Create session", on_click=_create_session, args=(records,))
    if pending := st.session_state.get("new_session_pending"):
        st.warning(md_escape(pending["message"]), icon=":material/warning:")
        confirm, cancel = st.columns(2)
        confirm.button("Open a second session", on_click=_create_session, args=(records, True), type="primary")
        cancel.button("Cancel", on_click=st.session_state.pop, args=("new_session_pending", None))
    if message := st.session_state.pop("new_session_error", None):
        st.error(md_escape(message))


def _request() -> dict:
    """What the form asks for, to tell whether a confirmation still applies to it."""
    state = st.session_state
    existing, new_code = state.get("new_patient_existing"), state.get("new_patient_code", "").strip()
    return {"code": existing or new_code, "new_patient": not existing, "date": state["new_session_date"]}


def _create_session(records: Records, confirmed: bool = False) -> None:
    """Runs before the page is drawn, so the new session can become the chosen one."""
    existing = st.session_state.get("new_patient_existing")
    new_code = st.session_state.get("new_patient_code", "").strip()
    pending = st.session_state.pop("new_session_pending", None)
    if bool(existing) == bool(new_code):
        st.session_state["new_session_error"] = "Choose an existing patient or type a new clinic code (one of the two)."
        return
    request = _request()
    number = st.session_state["new_session_number"]
    try:
        session_id = records.open_session(
            request["date"], patient_code=request["code"], new_patient=request["new_patient"],
            infusion_number=int(number) if number else None, planned_dose_mg=st.session_state["new_session_dose"],
            weight_kg=st.session_state["new_session_weight"],
            confirm_second=confirmed and pending is not None and pending["request"] == request)
    except SecondSession as duplicate:
        st.session_state["new_session_pending"] = {"message": str(duplicate), "request": request}
        return
    except StoreError as error:
        st.session_state["new_session_error"] = str(error)
        return
    st.session_state[SESSION_KEY] = session_id
    st.session_state["new_patient_code"] = ""
