"""Record page: vitals typed at the chair, infusion start/stop, side effects, chart and corrections."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from dashboard.components.alert_panel import alert_list, banner, toast_new
from dashboard.components.context import records, require
from dashboard.components.session_chart import chart_events, draw_chart
from dashboard.components.session_picker import pick_session
from dashboard.components.text import md_escape
from dashboard.components.vitals_form import clear_inputs, read_inputs, vitals_inputs
from dashboard.core.clock import utcnow
from dashboard.core.events import SEVERITIES, SIDE_EFFECTS
from dashboard.core.news2 import RESPONSE_TEXT, news2
from dashboard.core.tables import readings_display
from dashboard.core.vitals import BP_METHODS
from dashboard.services.alerting import Alerting
from dashboard.services.protocols import resolve
from dashboard.services.records import DischargeRefused, Records
from dashboard.store.errors import StoreError
from dashboard.store.sessions import Session


def _at(session: Session, clock: time, tz: str) -> datetime:
    return datetime.combine(session.session_date, clock, tzinfo=ZoneInfo(tz))


def _now_clock(tz: str) -> time:
    return utcnow().astimezone(ZoneInfo(tz)).time().replace(second=0, microsecond=0)


def _local(moment: datetime, tz: str) -> str:
    return f"{moment.astimezone(ZoneInfo(tz)):%H:%M}"


def _save_entry(rec: Records, session: Session) -> None:
    measured_at = _at(session, st.session_state["entry_time"], rec.tz)
    result, _ = rec.record_reading(session.id, read_inputs("entry"), measured_at=measured_at,
                                   bp_method=st.session_state["entry_method"],
                                   note=st.session_state.get("entry_note") or None)
    st.session_state["entry_problems"] = result.by_field()
    st.session_state["raised"] = rec.raised
    if not result.problems:
        st.session_state["flash"] = f"Reading at {measured_at:%H:%M} saved."
        clear_inputs("entry", extra=("entry_time", "entry_note"))


def _save_correction(rec: Records, session: Session, void: bool) -> None:
    reading_id = st.session_state.get("corr_reading")
    reason = st.session_state.get("corr_reason", "").strip()
    problems: dict[str, str] = {}
    if reading_id is None:
        problems[""] = "choose the reading to correct"
    if not reason:
        problems["reason"] = "say why (for example: digits transposed, wrong patient, motion artifact)"
    if problems:
        st.session_state["corr_problems"] = problems
        return
    try:
        if void:
            rec.void_reading(reading_id, reason=reason)
            st.session_state["flash"] = f"Reading #{reading_id} marked as entered in error."
        else:
            result, new_id = rec.correct_reading(reading_id, read_inputs("corr"), reason=reason,
                                                 measured_at=_at(session, st.session_state["corr_time"], rec.tz))
            if result.problems:
                st.session_state["corr_problems"] = result.by_field()
                return
            st.session_state["flash"] = f"Reading #{reading_id} corrected; the correction is #{new_id}."
    except StoreError as error:
        st.session_state["corr_problems"] = {"": str(error)}
        return
    st.session_state["corr_problems"] = {}
    clear_inputs("corr", extra=("corr_reading", "corr_reason", "corr_time"))


def _prefill_correction(current: pd.DataFrame, tz: str) -> None:
    reading_id = st.session_state.get("corr_reading")
    if reading_id is None:
        return
    row = current.set_index("id").loc[reading_id]
    for key in ("sbp", "dbp", "hr", "spo2", "rr", "map", "temp_c"):
        computed = key == "map" and row["map_computed"]
        st.session_state[f"corr_{key}"] = "" if pd.isna(row[key]) or computed else f"{row[key]:g}"
    st.session_state["corr_time"] = row["measured_at"].tz_convert(tz).time()
    st.session_state["corr_problems"] = {}


def _infusion_controls(rec: Records, session: Session) -> None:
    def stamp(step) -> None:
        try:
            step(session.id)
        except StoreError as error:
            st.session_state["flash_error"] = str(error)

    cols = st.columns(4)
    cols[0].metric("Status", session.status)
    if session.infusion_started_at is None:
        cols[1].button("▶ Start infusion", on_click=stamp, args=(rec.start_infusion,), type="primary")
    else:
        cols[1].metric("Infusion start", _local(session.infusion_started_at, rec.tz))
    if session.infusion_started_at is not None and session.infusion_stopped_at is None:
        cols[2].button("■ Stop infusion", on_click=stamp, args=(rec.stop_infusion,))
    elif session.infusion_stopped_at is not None:
        cols[2].metric("Infusion stop", _local(session.infusion_stopped_at, rec.tz))
    if session.infusion_stopped_at is not None and session.discharged_at is None:
        cols[3].button("Discharge", on_click=_discharge, args=(rec, session.id, False))
    elif session.discharged_at is not None:
        cols[3].metric("Discharged", _local(session.discharged_at, rec.tz))
    _discharge_panel(rec, session)


def _discharge(rec: Records, session_id: int, override: bool) -> None:
    """Discharge, or keep the reasons it was refused so the nurse can see them and override."""
    reason = st.session_state.get("discharge_override", "").strip() if override else None
    if override and not reason:
        st.session_state["discharge_problem"] = "say why the patient is discharged anyway"
        return
    try:
        rec.discharge(session_id, override_reason=reason)
    except DischargeRefused as refused:
        st.session_state["discharge_refused"] = (session_id, refused.reasons)
        return
    except StoreError as error:
        st.session_state["flash_error"] = str(error)
        return
    st.session_state.pop("discharge_refused", None)
    st.session_state.pop("discharge_override", None)
    st.session_state["flash"] = "Discharged" + (" (override recorded)." if override else ".")


def _discharge_panel(rec: Records, session: Session) -> None:
    """Why a discharge was refused, with an override; after discharge, what the entry form still takes."""
    if session.discharged_at is not None:
        at = _local(session.discharged_at, rec.tz)
        st.info(f"Discharged at {at}. Readings measured after {at} are refused; the entry form takes only "
                f"late entries measured before {at}, kept with the time they were entered.",
                icon=":material/logout:")
        current = rec.readings(session.id)
        late = current[current["entered_at"] > pd.Timestamp(session.discharged_at)]
        if len(late):
            st.caption(md_escape("Late entries after discharge: " + ", ".join(
                f"#{int(r.id)} measured {r.measured_at.tz_convert(rec.tz):%H:%M}, entered "
                f"{r.entered_at.tz_convert(rec.tz):%H:%M} by {r.entered_by}" for r in late.itertuples())))
        return
    refused = st.session_state.get("discharge_refused")
    if not refused or refused[0] != session.id:
        return
    st.error("\n\n".join(md_escape(line) for line in ["Discharge refused:", *(f"• {r}" for r in refused[1])]),
             icon=":material/block:")
    left, right = st.columns([3, 1])
    left.text_input("Reason to discharge anyway (recorded in the audit log)", key="discharge_override",
                    max_chars=300)
    right.button("Discharge anyway", on_click=_discharge, args=(rec, session.id, True))
    if problem := st.session_state.pop("discharge_problem", None):
        st.error(md_escape(problem), icon=":material/error:")


def _entry_form(rec: Records, session: Session) -> None:
    st.session_state.setdefault("entry_time", _now_clock(rec.tz))
    problems = st.session_state.get("entry_problems", {})
    with st.form("entry"):
        st.markdown("**New reading**")
        left, right = st.columns(2)
        left.time_input("Measured at", key="entry_time", step=60,
                        help="Now by default; set it back for a late entry (the entry time is kept too).")
        right.selectbox("BP method", BP_METHODS, key="entry_method")
        if "measured_at" in problems:
            st.error(md_escape(problems["measured_at"]), icon=":material/error:")
        vitals_inputs("entry", problems)
        st.text_input("Note", key="entry_note", max_chars=500)
        if "" in problems:
            st.error(md_escape(problems[""]), icon=":material/error:")
        st.form_submit_button("Save reading", type="primary", on_click=_save_entry, args=(rec, session))


def _event_forms(rec: Records, session: Session) -> None:
    def record(kind: str, label: str | None, score_key: str | None, severity_key: str | None, time_key: str):
        label = label or st.session_state["se_label"]
        try:
            rec.add_event(session.id, kind, label, occurred_at=_at(session, st.session_state[time_key], rec.tz),
                          score=int(st.session_state[score_key]) if score_key else None,
                          severity=st.session_state[severity_key] if severity_key else None)
            st.session_state["flash"] = f"{label} recorded."
        except StoreError as error:
            st.session_state["flash_error"] = str(error)

    side, sedation, dissociation = st.tabs(["Side effect", "Sedation (MOAA/S)", "Dissociation (CADSS)"])
    with side.form("side_effect"):
        st.selectbox("Effect", SIDE_EFFECTS, key="se_label")
        st.selectbox("Severity", SEVERITIES, key="se_severity")
        st.time_input("At", value=_now_clock(rec.tz), key="se_time", step=60)
        st.form_submit_button("Record side effect", on_click=record,
                              args=("side_effect", None, None, "se_severity", "se_time"))
    with sedation.form("moaa_s"):
        st.selectbox("Score", [5, 4, 3, 2, 1, 0], key="moaa_score",
                     help="5 responds readily to name … 0 no response to painful stimulus")
        st.time_input("At", value=_now_clock(rec.tz), key="moaa_time", step=60)
        st.form_submit_button("Record MOAA/S", on_click=record,
                              args=("moaa_s", "MOAA/S", "moaa_score", None, "moaa_time"))
    with dissociation.form("cadss"):
        st.number_input("Score", min_value=0, max_value=92, value=0, key="cadss_score")
        st.time_input("At", value=_now_clock(rec.tz), key="cadss_time", step=60)
        st.form_submit_button("Record CADSS", on_click=record, args=("cadss", "CADSS", "cadss_score", None, "cadss_time"))


def _reading_label(row, tz: str) -> str:
    def num(value) -> str:
        return "–" if pd.isna(value) else f"{value:g}"
    return (f"#{int(row.id)} at {row.measured_at.tz_convert(tz):%H:%M}: BP {num(row.sbp)}/{num(row.dbp)}, "
            f"HR {num(row.hr)}, SpO2 {num(row.spo2)}")


def _correction_form(rec: Records, session: Session, current: pd.DataFrame) -> None:
    problems = st.session_state.get("corr_problems", {})
    with st.expander("Correct a reading", expanded=bool(problems)):
        if current.empty:
            st.caption("No readings to correct yet.")
            return
        labels = {int(r.id): _reading_label(r, rec.tz) for r in current.itertuples()}
        st.selectbox("Reading", list(labels), index=None, format_func=labels.get, key="corr_reading",
                     placeholder="Choose the reading to correct…", on_change=_prefill_correction,
                     args=(current, rec.tz))
        st.session_state.setdefault("corr_time", _now_clock(rec.tz))
        st.time_input("Measured at", key="corr_time", step=60)
        vitals_inputs("corr", problems)
        st.text_input("Reason for the correction (required)", key="corr_reason", max_chars=300)
        for key in ("reason", "", "measured_at"):
            if key in problems:
                st.error(md_escape(problems[key]), icon=":material/error:")
        save, void = st.columns(2)
        save.button("Save correction", on_click=_save_correction, args=(rec, session, False))
        void.button("Mark as entered in error", on_click=_save_correction, args=(rec, session, True))
        st.caption("The original stays in the record, struck through, with who corrected it, when and why.")


def _news2(current: pd.DataFrame) -> None:
    scores = news2(current).dropna(subset=["news2"]) if len(current) else pd.DataFrame()
    if scores.empty:
        st.caption("NEWS2: no complete set yet (RR, SpO2, systolic BP and HR together).")
        return
    last = scores.iloc[-1]
    st.metric("NEWS2, last complete set", f"{last['news2']:g}",
              help="Royal College of Physicians score, room air, alert patient assumed")
    st.caption(f"Response: {RESPONSE_TEXT[last['news2_response']]}.")


def _flash() -> None:
    if message := st.session_state.pop("flash", None):
        st.success(md_escape(message))
    if message := st.session_state.pop("flash_error", None):
        st.error(md_escape(message))


def render() -> None:
    require("reading.write")
    rec = records()
    st.title("Record vitals")
    session = pick_session(rec)
    if session is None:
        st.info("Choose a session above, or create one.")
        return
    alerting = Alerting(rec.engine, rec.actor)
    protocol, _, source = resolve(rec.engine, session)
    st.subheader(md_escape(session.label))
    dose = f" · planned dose {session.planned_dose_mg:g} mg" if session.planned_dose_mg else ""
    st.caption(md_escape(f"Protocol: {protocol.name} v{protocol.version} ({source}){dose}"))
    banner(alerting, session.id, rec.tz)
    toast_new(st.session_state.pop("raised", pd.DataFrame()))
    _flash()
    _infusion_controls(rec, session)
    entry, chart = st.columns([2, 3], gap="large")
    with entry:
        _entry_form(rec, session)
        _event_forms(rec, session)
    current = rec.readings(session.id)
    with chart:
        draw_chart(current, chart_events(rec.events(session.id)), started_at=session.infusion_started_at,
                   stopped_at=session.infusion_stopped_at, key=f"chart_{session.id}", protocol=protocol)
        _news2(current)
    alert_list(alerting, session.id, rec.tz)
    st.markdown("**Readings** (all versions; replaced ones struck through)")
    st.dataframe(readings_display(rec.readings(session.id, history=True), rec.tz), hide_index=True, width="stretch")
    _correction_form(rec, session, current)


render()
