"""Sessions page: find any session to review (filters, sort, a page at a time); a row opens its review."""

from __future__ import annotations

import streamlit as st

from dashboard.components.context import engine, require
from dashboard.components.session_picker import SESSION_KEY
from dashboard.components.text import md_escape
from dashboard.config import database_url
from dashboard.core.session_filter import LIST_COLUMNS, PAGE_SIZES, SORTS, SessionFilter
from dashboard.core.session_list import session_list_display
from dashboard.core.sessions import STATUSES
from dashboard.services.session_search import SessionSearch

REVIEW_KEY = "review_session_id"
PAGE_KEY = "sessions_page"
KEEP = "session"  # filters, sort and page stay as they were when the user comes back from a review


def _filters(choices: dict) -> dict:
    """The filter widgets; their values as SessionFilter arguments."""
    names = dict(choices["nurses"])
    c1, c2, c3, c4, c5 = st.columns(5)
    date_from = c1.date_input("From", value=None, key="sessions_from", persist_state=KEEP, format="YYYY-MM-DD")
    date_to = c2.date_input("To", value=None, key="sessions_to", persist_state=KEEP, format="YYYY-MM-DD")
    nurse = c3.selectbox("Nurse (opened the session)", list(names), index=None, key="sessions_nurse", persist_state=KEEP,
                         placeholder="Any nurse",
                         format_func=lambda u: f"{names[u]} ({u})" if names[u] and names[u] != u else u)
    patient = c4.text_input("Patient code contains", key="sessions_patient", persist_state=KEEP, max_chars=40)
    protocol = c5.selectbox("Protocol", choices["protocols"], index=None, key="sessions_protocol", persist_state=KEEP,
                            placeholder="Any protocol")
    c1, c2, c3 = st.columns([3, 1.5, 1], vertical_alignment="bottom")
    statuses = c1.multiselect("Status", STATUSES, key="sessions_status", placeholder="Any status",
                              persist_state=KEEP)
    sort = c2.selectbox("Sort by", list(SORTS), format_func=SORTS.get, key="sessions_sort", persist_state=KEEP)
    descending = c3.toggle("Descending", value=True, key="sessions_descending", help="Newest, highest or Z first",
                           persist_state=KEEP)
    c1, c2, c3, _ = st.columns([1, 1, 1, 1.5])
    unacknowledged = c1.checkbox("Alerts not acknowledged", key="sessions_unacknowledged", persist_state=KEEP,
                                 help="A high-priority alert event nobody has acknowledged")
    critical = c2.checkbox("Critical alert", key="sessions_critical", help="Any high-priority alert event",
                           persist_state=KEEP)
    not_signed = c3.checkbox("Not signed", key="sessions_not_signed", help="No supervisor signature yet",
                             persist_state=KEEP)
    return dict(date_from=date_from, date_to=date_to, nurse=nurse, patient=patient, protocol=protocol,
                statuses=tuple(statuses), unacknowledged=unacknowledged, critical=critical, not_signed=not_signed,
                sort=sort, descending=descending)


def _record_button(records) -> None:
    """For those who record: the Record page for one of the page's sessions still open."""
    rows = [dict(zip(LIST_COLUMNS, record)) for record in records]
    labels = {r["id"]: f"{r['code']} · {r['patient_code']} · {r['status']}" for r in rows if r["status"] != "discharged"}
    if not labels:
        return
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    chosen = left.selectbox("Record vitals for an open session of this page", list(labels), format_func=labels.get,
                            key="sessions_record_choice")
    if right.button("Open on the Record page", disabled=chosen is None):
        st.session_state[SESSION_KEY] = int(chosen)
        st.switch_page("views/record.py")


def _set_page(number: int) -> None:
    if st.session_state.get(PAGE_KEY, 1) != number:  # only a real change: the widget keeps its own value
        st.session_state[PAGE_KEY] = number


@st.cache_data(ttl=60, show_spinner=False)
def _choices(_search: SessionSearch, database: str, role: str) -> dict:
    """The nurses and protocols in use, read at most once a minute per database (two scans of the sessions
    table); the role is part of the key, so each role's read went through its own check."""
    return _search.choices()


def render() -> None:
    who = require("session.read")
    search = SessionSearch(engine(), who)
    st.title("Sessions")
    st.caption("Find any session: filter, sort, then select a row to open its review.")
    asked = _filters(_choices(search, database_url(), who.role))
    size = st.session_state.get("sessions_page_size", PAGE_SIZES[1])
    if st.session_state.get("sessions_asked") != asked:  # other filters or sort: back to the first page
        st.session_state["sessions_asked"] = asked
        _set_page(1)
    try:
        filters = SessionFilter(**asked, page=int(st.session_state.get(PAGE_KEY, 1)), page_size=size)
    except ValueError as error:
        st.error(md_escape(error))
        return
    page = search.page(filters)
    described = filters.describe()
    st.markdown(f"**{page.count_text()}**" + (md_escape(f" · {described}") if described else "")
                + (f" · showing {page.first:,}–{page.last:,}" if page.total > len(page.records) else ""))
    if page.total == 0:
        st.info("No session matches these filters." if described else
                "No sessions yet. Open one on the Record page, or load the samples: python -m dashboard seed")
        return
    small = st.column_config.Column(width="small")
    event = st.dataframe(session_list_display(page.records), hide_index=True, width="stretch", on_select="rerun",
                         selection_mode="single-row", key="sessions_table",
                         column_config={"Infusion #": small, "Readings": small})
    rows = event.selection.rows if event else []
    if rows and rows[0] < len(page.ids):
        st.session_state[REVIEW_KEY] = page.ids[rows[0]]
        st.switch_page("views/review.py")
    _set_page(page.page)  # the store moves a page past the end back to the last one
    left, right = st.columns([4, 1], vertical_alignment="center")
    with left:
        st.pagination(page.pages, key=PAGE_KEY, persist_state=KEEP)
    right.selectbox("Rows per page", PAGE_SIZES, index=1, key="sessions_page_size", persist_state=KEEP)
    if who.can("reading.write"):
        _record_button(page.records)


render()
