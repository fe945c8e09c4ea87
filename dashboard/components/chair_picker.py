"""The chair a session starts in: chosen beside the Start infusion button, among the chairs free now."""

from __future__ import annotations

import streamlit as st

from dashboard.services.chairs import Chairs
from dashboard.services.records import Records

CHAIR_KEY = "start_chair"
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
