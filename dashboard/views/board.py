"""Board page: every session in progress on one screen, most urgent first, refreshing by itself."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import streamlit as st

from dashboard.components.context import records, require
from dashboard.components.session_picker import SESSION_KEY
from dashboard.components.text import md_escape
from dashboard.core import board as words
from dashboard.core.board import Tile
from dashboard.core.clock import utcnow
from dashboard.services.board import Board
from dashboard.services.chairs import Chairs

REFRESH_S = 5  # the tiles are read again this often, without rerunning the page
PER_ROW = 4
OPEN_KEY = "board_open"


def _open(session_id: int) -> None:
    st.session_state[SESSION_KEY] = session_id
    st.session_state[OPEN_KEY] = True


def _tile(t: Tile, can_open: bool) -> None:
    with st.container(border=True, key=f"tile_{t.session_id}"):
        st.markdown(f"**{md_escape(t.chair or 'No chair')}** · {md_escape(t.session)} · {md_escape(t.patient)}")
        if t.planned:
            st.badge("Planned", color="gray", icon=":material/event:")
            st.caption("Not started yet")
        else:
            st.badge(words.ALERT_WORDS[t.highest_alert], color=words.ALERT_COLOURS[t.highest_alert],
                     icon=":material/warning:" if t.highest_alert else ":material/check_circle:")
            st.markdown(md_escape(words.phase_text(t)))
            st.markdown(md_escape(words.vitals_text(t)))
            if t.overdue:
                st.markdown(f":orange-badge[BP overdue] {md_escape(words.overdue_detail(t))}")
            else:
                st.markdown(md_escape(words.bp_text(t)))
            if t.unacknowledged:
                colour = "red" if t.unacknowledged_high else "orange"
                st.markdown(f":{colour}-badge[To acknowledge] {md_escape(words.acknowledgement_text(t))}")
        if can_open:
            st.button(f"Open {t.session}", key=f"open_{t.session_id}", on_click=_open, args=(t.session_id,),
                      width="stretch")


@st.fragment(run_every=REFRESH_S)
def _tiles() -> None:
    rec = records()
    if st.session_state.pop(OPEN_KEY, False):
        st.switch_page("views/record.py")
    tiles = Board(rec.engine, rec.actor, rec.tz).tiles()
    running = [t for t in tiles if not t.planned]
    st.caption(f"{len(running)} in progress, {len(tiles) - len(running)} planned today · updated "
               f"{utcnow().astimezone(ZoneInfo(rec.tz)):%H:%M:%S}")
    if not tiles:
        st.info("No session in progress and none planned today. Start an infusion on the Record page and choose "
                "its chair: it appears here.")
    can_open = rec.actor.can("reading.write")
    for first in range(0, len(tiles), PER_ROW):
        for column, t in zip(st.columns(PER_ROW), tiles[first:first + PER_ROW]):
            with column:
                _tile(t, can_open)
    free = [c.name for c in Chairs(rec.engine, rec.actor).list() if c.session_code is None]
    if free:
        st.caption(md_escape("Free chairs: " + ", ".join(free)))


def render() -> None:
    require("session.read")
    st.title("Board")
    st.caption(f"Every session in progress and today's planned ones, the most urgent first: high-priority alerts "
               f"waiting for acknowledgement, then medium, then blood pressure overdue, then by chair. It refreshes "
               f"every {REFRESH_S} s by itself.")
    _tiles()


render()
