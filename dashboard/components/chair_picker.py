"""The chair a session runs in: chosen beside the Start infusion button, or changed while it runs (the patient
moved), among the chairs free now."""

from __future__ import annotations

import streamlit as st

from dashboard.core.errors import StoreError
from dashboard.core.sessions import Session
from dashboard.services.chairs import Chairs
from dashboard.services.records import Records

CHAIR_KEY = "start_chair"
MOVE_KEY = "move_chair"
NO_CHAIR = "No chair"


def chair_select(rec: Records, where) -> None:
    """A choice of the free chairs (nothing when the clinic has none)."""
    chairs = Chairs(rec.engine, rec.actor).list()
    if not chairs:
        return
    free = [c.name for c in chairs if c.session_code is None]
    if st.session_state.get(CHAIR_KEY) not in [*free, NO_CHAIR]:
        st.session_state.pop(CHAIR_KEY, None)
    # nothing chosen for the nurse: a wrong chair taken by default would misplace the patient on the board
    where.selectbox("Chair", [*free, NO_CHAIR], key=CHAIR_KEY, index=None, placeholder="Choose the chair…",
                    help="Where the patient sits; the chair is free again at discharge. Taken chairs are not listed.")


def start_in_chosen_chair(rec: Records):
    """Records.start_infusion with the chair chosen in chair_select (a step for the page's buttons)."""
    def start(session_id: int) -> None:
        chosen = st.session_state.get(CHAIR_KEY)
        rec.start_infusion(session_id, chair=None if chosen in (None, NO_CHAIR) else chosen)
    return start


def chair_move(rec: Records, session: Session) -> None:
    """While the session has not left: move it to a free chair (or to none), audited; the board follows."""
    if not rec.actor.can("session.infusion"):
        return
    chairs = Chairs(rec.engine, rec.actor).list()
    options = [c.name for c in chairs if c.session_code is None]
    if session.chair:
        options.append(NO_CHAIR)
    if not options:  # no chairs, or all taken and the session in none
        return
    if st.session_state.get(MOVE_KEY) not in options:
        st.session_state.pop(MOVE_KEY, None)

    def move() -> None:
        chosen = st.session_state.get(MOVE_KEY)
        if chosen is None:
            st.session_state["flash_error"] = "Choose the chair the patient moved to."
            return
        try:
            rec.place_in_chair(session.id, None if chosen == NO_CHAIR else chosen)
        except StoreError as error:
            st.session_state["flash_error"] = str(error)
        else:
            st.session_state.pop(MOVE_KEY, None)
            st.session_state["flash"] = f"{session.code} is now in {'no chair' if chosen == NO_CHAIR else chosen}."

    with st.expander(f"Move to another chair (now: {session.chair or 'no chair'})"):
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        left.selectbox("Move to", options, key=MOVE_KEY, index=None, placeholder="Choose the chair…",
                       help="Free chairs only; the one it leaves is free at once.")
        right.button("Move", on_click=move)
