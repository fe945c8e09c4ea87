"""Record page: vitals typed at the chair, infusion start/stop, side effects, chart and corrections."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from dashboard.components.chair_picker import chair_move, chair_select, start_in_chosen_chair
from dashboard.components.alert_panel import alert_list, banner, toast_new
from dashboard.components.context import records, require
from dashboard.components.memo import memo
from dashboard.components.session_chart import chart_events, draw_chart
from dashboard.components.session_picker import pick_session
from dashboard.components.signoff_panel import addenda_notice, has_problem, signature_banner, signoff_panel
from dashboard.components.text import md_escape
from dashboard.components.vitals_form import clear_inputs, read_inputs, vitals_inputs
from dashboard.core.addenda import events_as_signed, locked_at, readings_as_signed
from dashboard.core.entry_time import clock_text, typed_after
from dashboard.core.events import SCALE_HELP, SEVERITIES, SIDE_EFFECTS, events_display, score_range
from dashboard.core.news2 import RESPONSE_TEXT, last_complete
from dashboard.core.picker import PICKER_LIMIT, picker_choices
from dashboard.core.tables import readings_display
from dashboard.core.versions import change_stamp, in_force, newest_page, page_count
from dashboard.core.vitals import BP_METHODS
from dashboard.services.alerting import Alerting
from dashboard.services.protocols import resolve
from dashboard.services.records import DischargeRefused, Records
from dashboard.services.signoffs import Signoffs
from dashboard.core.errors import StoreError
from dashboard.core.sessions import Session

VERSIONS_PER_PAGE = 200
LATE_LISTED = 10  # late entries named under the discharge note; the readings table marks them all


TIME_HELP = ("Empty: the moment you save, to the second. For a late entry type the clock time it was "
             "measured, HH:MM or HH:MM:SS; the time it was entered is kept too.")
NOW_PLACEHOLDER = "now, when saved"


def _local(moment: datetime, tz: str) -> str:
    return f"{moment.astimezone(ZoneInfo(tz)):%H:%M}"


def _save_entry(rec: Records, session: Session) -> None:
    set_time = st.session_state.get("entry_time", "").strip()
    result, _ = rec.record_reading(session.id, read_inputs("entry"), measured_at=set_time or None,
                                   bp_method=st.session_state["entry_method"],
                                   note=st.session_state.get("entry_note") or None)
    st.session_state["entry_problems"] = result.by_field()
    st.session_state["raised"] = rec.raised
    if not result.problems:
        at = clock_text(result.measured_at, rec.tz)
        st.session_state["flash"] = f"Late entry for {at} saved." if set_time else f"Reading at {at} saved."
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
                                                 measured_at=st.session_state.get("corr_time") or None)
            if result.problems:
                st.session_state["corr_problems"] = result.by_field()
                return
            st.session_state["flash"] = f"Reading #{reading_id} corrected; the correction is #{new_id}."
    except StoreError as error:
        st.session_state["corr_problems"] = {"": str(error)}
        return
    st.session_state["corr_problems"] = {}
    clear_inputs("corr", extra=("corr_reason", "corr_time"))
    st.session_state["corr_reading"] = None


def _chosen_reading(current: pd.DataFrame) -> int | None:
    """The reading chosen for correction, if it is still in force (a saved correction replaces it)."""
    chosen = st.session_state.get("corr_reading")
    if isinstance(chosen, str):  # a widget whose options changed can hand back its label, '#12 at ...'
        found = re.match(r"#(\d+) ", chosen)
        chosen = int(found.group(1)) if found else None
    ids = set(current["id"].tolist()) if len(current) else set()
    return int(chosen) if chosen is not None and int(chosen) in ids else None


def _prefill_correction(current: pd.DataFrame, tz: str) -> None:
    reading_id = _chosen_reading(current)
    if reading_id is None:
        return
    row = current.set_index("id").loc[reading_id]
    for key in ("sbp", "dbp", "hr", "spo2", "rr", "map", "temp_c"):
        computed = key == "map" and row["map_computed"]
        st.session_state[f"corr_{key}"] = "" if pd.isna(row[key]) or computed else f"{row[key]:g}"
    st.session_state["corr_time"] = f"{row['measured_at'].tz_convert(tz):%H:%M:%S}"
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
        chair_select(rec, cols[1])
        cols[1].button("▶ Start infusion", on_click=stamp, args=(start_in_chosen_chair(rec),), type="primary")
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
    if session.infusion_started_at is not None and session.discharged_at is None:
        chair_move(rec, session)
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
        late = typed_after(rec.readings(session.id), session.discharged_at)
        if len(late):
            shown = late.head(LATE_LISTED)
            more = f"; and {len(late) - len(shown)} more (see the readings table)" if len(late) > len(shown) else ""
            st.caption(md_escape("Late entries typed after discharge: " + ", ".join(
                f"#{int(r.id)} measured {r.measured_at.tz_convert(rec.tz):%H:%M}, entered "
                f"{r.entered_at.tz_convert(rec.tz):%H:%M} by {r.entered_by}" for r in shown.itertuples()) + more))
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


def _entry_form(rec: Records, session: Session, signed: bool) -> None:
    problems = st.session_state.get("entry_problems", {})
    with st.form("entry"):  # Enter in any field saves; Tab goes time, method, the vitals, note, Save
        st.markdown("**New reading**")
        if signed:
            st.caption("The session is signed: a reading saved now is kept as an addendum.")
        left, right = st.columns(2)
        left.text_input("Measured at", key="entry_time", placeholder=NOW_PLACEHOLDER, max_chars=8, help=TIME_HELP)
        right.selectbox("BP method", BP_METHODS, key="entry_method")
        if "measured_at" in problems:
            st.error(md_escape(f"Measured at: {problems['measured_at']}"), icon=":material/error:")
        vitals_inputs("entry", problems)
        st.text_input("Note", key="entry_note", max_chars=500)
        if "" in problems:
            st.error(md_escape(problems[""]), icon=":material/error:")
        st.form_submit_button("Save reading", type="primary", on_click=_save_entry, args=(rec, session))


def _event_forms(rec: Records, session: Session, events: pd.DataFrame, locked: datetime | None) -> None:
    """The side effect and score forms, and the events list (events: as shown; locked: marks the addenda)."""
    def record(kind: str, label: str | None, score_key: str | None, severity_key: str | None, time_key: str):
        label = label or st.session_state["se_label"]
        try:
            rec.add_event(session.id, kind, label, occurred_at=st.session_state.get(time_key) or None,
                          score=int(st.session_state[score_key]) if score_key else None,
                          severity=st.session_state[severity_key] if severity_key else None)
            st.session_state["flash"] = f"{label} recorded."
            st.session_state[time_key] = ""
        except StoreError as error:
            st.session_state["flash_error"] = str(error)

    def at_input(key: str) -> None:
        st.text_input("At", key=key, placeholder=NOW_PLACEHOLDER, max_chars=8, help=TIME_HELP)

    side, sedation, dissociation = st.tabs(["Side effect", "Sedation (MOAA/S)", "Dissociation (CADSS)"])
    with side.form("side_effect"):
        st.selectbox("Effect", SIDE_EFFECTS, key="se_label")
        st.selectbox("Severity", SEVERITIES, key="se_severity")
        at_input("se_time")
        st.form_submit_button("Record side effect", on_click=record,
                              args=("side_effect", None, None, "se_severity", "se_time"))
    with sedation.form("moaa_s"):
        low, high = score_range("moaa_s")
        st.selectbox("Score", list(range(high, low - 1, -1)), key="moaa_score", help=SCALE_HELP["moaa_s"])
        at_input("moaa_time")
        st.form_submit_button("Record MOAA/S", on_click=record,
                              args=("moaa_s", "MOAA/S", "moaa_score", None, "moaa_time"))
    with dissociation.form("cadss"):
        low, high = score_range("cadss")
        st.number_input("Score", min_value=low, max_value=high, value=low, key="cadss_score", help=SCALE_HELP["cadss"])
        at_input("cadss_time")
        st.form_submit_button("Record CADSS", on_click=record, args=("cadss", "CADSS", "cadss_score", None, "cadss_time"))
    st.markdown("**Events**")
    if events.empty:
        st.caption("No side effects or scores recorded yet.")
    else:
        st.dataframe(events_display(events, rec.tz, locked), hide_index=True, width="stretch")


def _reading_labels(current: pd.DataFrame, tz: str) -> dict[int, str]:
    """'#12 at 14:05: BP 128/82, HR 74, SpO2 98' per reading, kept until the readings change (a session at
    1 Hz has 14,400 of them: built from plain lists, not row by row through pandas)."""
    def build() -> dict[int, str]:
        def num(value: float) -> str:
            return "–" if value != value else f"{value:g}"
        local = current["measured_at"].dt.tz_convert(tz)
        columns = (current["id"].tolist(), local.dt.hour.tolist(), local.dt.minute.tolist(),
                   *(current[key].tolist() for key in ("sbp", "dbp", "hr", "spo2")))
        return {int(i): f"#{i} at {h:02d}:{m:02d}: BP {num(sbp)}/{num(dbp)}, HR {num(hr)}, SpO2 {num(spo2)}"
                for i, h, m, sbp, dbp, hr, spo2 in zip(*columns)}
    stamp = (len(current), int(current["id"].max()), int(current["session_id"].iloc[0]), tz)
    return memo("reading_labels", stamp, build)


def _correction_form(rec: Records, session: Session, current: pd.DataFrame) -> None:
    problems = st.session_state.get("corr_problems", {})
    chosen = _chosen_reading(current)
    if st.session_state.get("corr_reading") is not None and chosen is None:
        st.session_state["corr_reading"] = None  # replaced by a correction since it was chosen
    with st.expander("Correct a reading", expanded=bool(problems) or chosen is not None):
        if current.empty:
            st.caption("No readings to correct yet.")
            return
        labels = _reading_labels(current, rec.tz)
        if len(labels) > PICKER_LIMIT or st.session_state.get("corr_find"):
            st.text_input("Find a reading by its clock time (HH:MM)", key="corr_find", max_chars=5,
                          placeholder="e.g. 09:45")
        offered, left_out = picker_choices(labels, st.session_state.get("corr_find") or "", chosen)
        if left_out:
            st.caption(left_out[0].upper() + left_out[1:] + ".")
        st.selectbox("Reading", offered, index=None, format_func=labels.get, key="corr_reading",
                     placeholder="Choose the reading to correct…", on_change=_prefill_correction,
                     args=(current, rec.tz))
        st.text_input("Measured at", key="corr_time", max_chars=8, placeholder="as the original",
                      help="The original's time, to the second; change it if the time itself was wrong.")
        vitals_inputs("corr", problems)
        st.text_input("Reason for the correction (required)", key="corr_reason", max_chars=300)
        for key in ("reason", "", "measured_at"):
            if key in problems:
                st.error(md_escape(problems[key]), icon=":material/error:")
        save, void = st.columns(2)
        save.button("Save correction", on_click=_save_correction, args=(rec, session, False))
        void.button("Mark as entered in error", on_click=_save_correction, args=(rec, session, True))
        st.caption("The original stays in the record, struck through, with who corrected it, when and why.")


def _news2(current: pd.DataFrame, changed) -> None:
    last = memo("news2", changed, lambda: last_complete(current))
    if last is None:
        st.caption("NEWS2: no complete set yet (RR, SpO2, systolic BP and HR together).")
        return
    st.metric("NEWS2, last complete set", f"{last['news2']:g}",
              help="Royal College of Physicians score, room air, alert patient assumed")
    st.caption(f"Response: {RESPONSE_TEXT[last['news2_response']]}.")


@st.fragment  # paging through the versions reruns this table only
def _versions_table(history: pd.DataFrame, tz: str, session_id: int, locked: datetime | None = None) -> None:
    pages = page_count(len(history), VERSIONS_PER_PAGE)
    st.markdown("**Readings** (all versions, newest first; replaced ones struck through)")
    page = 1
    if pages > 1:
        page = st.number_input(f"Page (1 = newest, {pages} pages)", min_value=1, max_value=pages, value=1, step=1,
                               key=f"versions_page_{session_id}")
    shown = newest_page(history, page, VERSIONS_PER_PAGE)
    st.dataframe(readings_display(shown, tz, locked).iloc[::-1], hide_index=True, width="stretch")
    if pages > 1:
        newest = (page - 1) * VERSIONS_PER_PAGE + 1
        st.caption(f"Versions {newest:,}–{newest + len(shown) - 1:,} of {len(history):,}, newest first.")


def _signed_view(history: pd.DataFrame, events: pd.DataFrame, signed: list, tz: str
                 ) -> tuple[pd.DataFrame, pd.DataFrame, bool]:
    """The signatures, the addenda after them, and a switch to the record as it was signed; returns the
    readings' versions and the events to show, and whether they are the signed version."""
    if not signed:
        return history, events, False
    signature_banner(signed, tz)
    addenda_notice(history, events, signed, tz)
    locked = locked_at(signed)
    as_signed = st.toggle(f"Show the record as signed ({signed[0].at_text(tz)})",
                          key=f"show_as_signed_{signed[0].session_id}",
                          help="The readings, events and chart as they stood at the first signature; "
                               "the addenda after it hidden.")
    if not as_signed:
        return history, events, False
    st.caption("Showing the record as signed: entries made after the signature are hidden.")
    return readings_as_signed(history, locked), events_as_signed(events, locked), True


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
    chair = f" · {session.chair}" if session.chair else ""
    st.caption(md_escape(f"Protocol: {protocol.name} v{protocol.version} ({source}){dose}{chair}"))
    history = rec.readings(session.id, history=True)  # the one read of the readings per rerun
    current = in_force(history)
    banner(alerting, session.id, rec.tz, readings=current)
    toast_new(st.session_state.pop("raised", pd.DataFrame()))
    _flash()
    _infusion_controls(rec, session)
    events = rec.events(session.id)
    changed = (session.id, change_stamp(history, events))
    signed = Signoffs(rec.engine, rec.actor, rec.tz).signoffs(session.id)
    locked = locked_at(signed)
    shown_history, shown_events, as_signed = _signed_view(history, events, signed, rec.tz)
    if rec.actor.can("session.sign_off"):
        with st.expander("Sign off this session", expanded=has_problem(session.id)):
            signoff_panel(rec.engine, rec.actor, rec.tz, session, show_signatures=False, history=history,
                          events=events)
    entry, side = st.columns([3, 2], gap="large")
    with entry:
        _entry_form(rec, session, locked is not None)
    with side:
        _event_forms(rec, session, shown_events, None if as_signed else locked)
        _news2(current, changed)
    # Full width: the four panels need it to be read at a glance (the form is beside, not over, the chart).
    draw_chart(in_force(shown_history) if as_signed else current, chart_events(shown_events),
               started_at=session.infusion_started_at, stopped_at=session.infusion_stopped_at,
               key=f"chart_{session.id}", protocol=protocol, changed=(*changed, as_signed))
    alert_list(alerting, session.id, rec.tz)
    _versions_table(shown_history, rec.tz, session.id, None if as_signed else locked)
    _correction_form(rec, session, current)


render()
