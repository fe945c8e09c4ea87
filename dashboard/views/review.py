"""Review page: one session read back after the fact (read-only): chart with phases, alerts and what was done,
corrections, side effects and scores, the summary, signatures, and the session as CSV, FHIR and PDF files."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from dashboard.components.context import actor, clinic_tz, engine, require
from dashboard.components.memo import memo
from dashboard.components.session_chart import chart_events
from dashboard.components.signoff_panel import addenda_notice, signature_banner, signoff_panel
from dashboard.components.text import md_escape
from dashboard.core.chart import ReviewLayers, build_session_figure
from dashboard.core.chart_review import ack_text
from dashboard.core.events import events_display
from dashboard.core.review import SessionReview
from dashboard.core.review_summary import NEAR_BASELINE_PCT, ReviewSummary
from dashboard.core.tables import readings_display
from dashboard.core.versions import change_stamp, newest_page, page_count
from dashboard.core.vitals import VITAL_BY_KEY
from dashboard.services.review import Review

REVIEW_KEY = "review_session_id"  # the Sessions page sets it before switching here
VERSIONS_PER_PAGE = 200
BACK_WORDS = {"stayed_near": "stayed near baseline", "not_back": "not back by the last reading",
              "no_baseline": "no baseline", "no_readings": "not measured"}


def _clock(moment, tz: str, fmt: str = "%H:%M") -> str:
    return "" if moment is None or pd.isna(moment) else pd.Timestamp(moment).tz_convert(tz).strftime(fmt)


def _choose(review: Review):
    sessions = review.sessions()
    by_id = {s.id: s for s in sessions}
    if st.session_state.get(REVIEW_KEY) not in by_id:
        st.session_state.pop(REVIEW_KEY, None)
    st.selectbox("Session", list(by_id), key=REVIEW_KEY, index=None, format_func=lambda sid: by_id[sid].label,
                 placeholder="Choose a session to review…")
    return by_id.get(st.session_state.get(REVIEW_KEY))


def _header(data: SessionReview, tz: str) -> None:
    s = data.session
    st.subheader(md_escape(s.label))
    dose = f" · planned dose {s.planned_dose_mg:g} mg" if s.planned_dose_mg else ""
    st.caption(md_escape(f"Protocol: {data.protocol.name} v{data.protocol.version} ({data.protocol_source}){dose}. "
                         "Read-only: readings, corrections and events are entered on the Record page."))
    cols = st.columns(4)
    cols[0].metric("Status", s.status)
    for col, label, moment in ((cols[1], "Infusion start", s.infusion_started_at),
                               (cols[2], "Infusion stop", s.infusion_stopped_at),
                               (cols[3], "Discharged", s.discharged_at)):
        col.metric(label, _clock(moment, tz) or "–")


def _chart(data: SessionReview, tz: str) -> None:
    acks = data.acks
    stamp = (data.session.id, change_stamp(data.history, data.events), data.session.status,
             tuple(map(str, data.alert_events[["id", "ended_at", "withdrawn_at"]].itertuples(index=False))),
             len(acks), str(acks["at"].max()) if len(acks) else "", tz)

    def build():
        return build_session_figure(
            data.readings, data.protocol, infusion_started_at=data.session.infusion_started_at,
            infusion_stopped_at=data.session.infusion_stopped_at, events=chart_events(data.events), tz=tz,
            review=ReviewLayers(discharged_at=data.session.discharged_at, alert_events=data.alert_events,
                                acks=acks, history=data.history))
    st.plotly_chart(memo("review_figure", stamp, build), width="stretch", key=f"review_chart_{data.session.id}")
    st.caption("Shaded: baseline, infusion, recovery, discharge. Bars at the top of the blood-pressure panel: alert "
               "events by number (red high, amber medium, grey withdrawn), ✓ where one was acknowledged; a grey cross "
               "is a value replaced or entered in error, a ring the correction in force. Hover for details.")


def _events(data: SessionReview, tz: str) -> None:
    st.markdown("**Side effects and scores**")
    if data.events.empty:
        st.caption("No side effects or scores recorded.")
        return
    st.dataframe(events_display(data.events, tz)[["Time", "What", "Severity / score"]], hide_index=True,
                 width="stretch")


def _vital(key: str) -> str:
    return VITAL_BY_KEY[key].short


def _summary(summary: ReviewSummary, tz: str) -> None:
    st.markdown("**Summary**")
    metrics = st.columns(5)
    for col, key in zip(metrics, ("sbp", "dbp", "hr")):
        peak = summary.peaks.get(key)
        col.metric(f"Peak {_vital(key)}", "–" if peak is None else f"{peak.value:g}")
        if peak is not None:
            col.caption(f"at {_clock(peak.at, tz)}")
    low = summary.lowest_spo2
    metrics[3].metric("Lowest SpO2", "–" if low is None else f"{low.value:g} %")
    if low is not None:
        metrics[3].caption(f"at {_clock(low.at, tz)}")
    monitored = "–" if summary.monitored_minutes is None else f"{summary.monitored_minutes:.0f} min"
    metrics[4].metric("Minutes monitored", monitored)
    metrics[4].caption("infusion start to discharge" if summary.monitored_until == "discharge"
                       else "start to last reading, not discharged" if summary.monitored_until else "not started")
    ready = summary.readiness
    if ready.ok:
        st.success(f"Discharge readiness: ready at {_clock(ready.at, tz)} (vitals back near baseline, no alert active, "
                   "minimum observation met).", icon=":material/check_circle:")
    else:
        st.warning("\n\n".join(md_escape(line) for line in
                               [f"Discharge readiness at {_clock(ready.at, tz)}: not ready", *(f"• {r}" for r in
                                                                                            ready.reasons)]),
                   icon=":material/warning:")
    left, right = st.columns([3, 2])
    left.markdown(f"Baseline and return (within {NEAR_BASELINE_PCT:g} % of the pre-infusion median)")
    left.dataframe(pd.DataFrame({
        "Vital": [_vital(r.vital) for r in summary.returns],
        "Baseline": ["–" if r.baseline is None else f"{r.baseline:g}" for r in summary.returns],
        "Peak": ["–" if r.peak is None else f"{r.peak.value:g} at {_clock(r.peak.at, tz)}" for r in summary.returns],
        "Back near baseline": [f"{_clock(r.back_at, tz)} ({r.minutes_after_peak:.0f} min after peak)"
                               if r.state == "back" else BACK_WORDS[r.state] for r in summary.returns],
    }), hide_index=True, width="stretch")
    right.markdown("REMS blood pressures")
    right.dataframe(pd.DataFrame({
        "When": [p.label for p in summary.rems], "BP": [p.text for p in summary.rems],
        "Time": [_clock(p.at, tz) for p in summary.rems],
    }), hide_index=True, width="stretch")
    for gap in summary.rems_missing:
        right.caption(md_escape(gap))
    beyond = [t for t in summary.beyond if t.minutes > 0]
    left.markdown("Time beyond the protocol's limits (each reading counts until the next)")
    if beyond:
        left.dataframe(pd.DataFrame({"Limit": [t.label for t in beyond],
                                     "Minutes": [round(t.minutes, 1) for t in beyond]}), hide_index=True, width="stretch")
    else:
        left.caption("No time beyond any limit.")


def _alerts(data: SessionReview, tz: str) -> None:
    events = data.alert_events
    live = events[events["withdrawn_at"].isna()]
    st.markdown(f"**Alerts and what was done** ({len(live)})")
    if events.empty:
        st.caption("No alerts in this session.")
        return
    acks = data.acks
    starts = dict(zip(events["id"].astype(int), events["started_at"]))
    done = {int(i): "\n".join(ack_text(a, tz, starts.get(int(i))) for a in g.itertuples())
            for i, g in acks.groupby("event_id")} if len(acks) else {}
    st.dataframe(pd.DataFrame({
        "#": events["id"].astype(int),
        "Priority": events["priority"],
        "Alert": [str(s).split(": ", 1)[-1] for s in events["summary"]],
        "From": [_clock(t, tz) for t in events["started_at"]],
        "Until": ["active" if pd.isna(r.ended_at) else _clock(r.ended_at, tz) + (" (at discharge)" if r.ended_at_discharge
                                                                                 else "") for r in events.itertuples()],
        "Acknowledged (who, when, what was done, note)": [done.get(int(i), "not acknowledged") for i in events["id"]],
        "Status": ["withdrawn (readings corrected)" if pd.notna(w) else "" for w in events["withdrawn_at"]],
    }), hide_index=True, width="stretch")


def _readings(data: SessionReview, tz: str) -> None:
    history = data.history
    corrected = int(history["supersedes_id"].notna().sum()) if len(history) else 0
    with st.expander(f"Readings, every version ({len(data.readings):,} in force, {corrected} corrections or voids)"):
        pages = page_count(len(history), VERSIONS_PER_PAGE)
        page = 1
        if pages > 1:
            page = st.number_input(f"Page (1 = newest, {pages} pages)", min_value=1, max_value=pages, value=1, step=1,
                                   key=f"review_versions_page_{data.session.id}")
        shown = newest_page(history, page, VERSIONS_PER_PAGE)
        st.dataframe(readings_display(shown, tz).iloc[::-1], hide_index=True, width="stretch")


def _downloads(review: Review, data: SessionReview) -> None:
    code, sid = data.session.code, data.session.id
    st.markdown("**Files**")
    csv, fhir, pdf = st.columns(3)
    csv.download_button("Download CSV", data=lambda: review.csv(sid), file_name=f"{code}.csv", mime="text/csv",
                        on_click="ignore", key="download_csv", icon=":material/table:",
                        help="The readings in force in the import template's columns.")
    fhir.download_button("Download FHIR (JSON)", data=lambda: json.dumps(review.fhir(sid), ensure_ascii=False),
                         file_name=f"{code}.fhir.json", mime="application/fhir+json", on_click="ignore",
                         key="download_fhir", icon=":material/data_object:",
                         help="A FHIR R4 Bundle of vital-sign Observations (LOINC, UCUM); the patient by clinic code.")
    pdf.download_button("Download report (PDF)", data=lambda: review.report(sid), file_name=f"{code}-report.pdf",
                        mime="application/pdf", on_click="ignore", key="download_pdf", icon=":material/picture_as_pdf:",
                        help="One printable page: chart, summary, alerts with what was done, side effects, signatures.")


def _signatures(data: SessionReview, tz: str) -> None:
    st.markdown("**Signatures**")
    if not data.signoffs:
        st.caption("Not signed yet.")
        return
    signature_banner(data.signoffs, tz)
    addenda_notice(data.history, data.events, data.signoffs, tz)


def render() -> None:
    require("session.read")
    tz = clinic_tz()
    review = Review(engine(), actor(), tz)
    st.title("Session review")
    session = _choose(review)
    if session is None:
        st.info("Choose a session to review.")
        return
    data = review.load(session.id)
    _header(data, tz)
    chart, side = st.columns([5, 2], gap="medium")
    with chart:
        _chart(data, tz)
    with side:
        _events(data, tz)
    _summary(data.summary, tz)
    _alerts(data, tz)
    _readings(data, tz)
    _downloads(review, data)
    _signatures(data, tz)
    with st.container(key="review_signoff"):  # Sign-off, under the signatures: the signing form, supervisors only
        if review.actor.can("session.sign_off"):
            st.markdown("**Sign-off**")
            signoff_panel(review.engine, review.actor, tz, data.session, show_signatures=False, history=data.history,
                          events=data.events)


render()
