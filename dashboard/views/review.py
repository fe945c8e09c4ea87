"""Review page (placeholder until the full review): the session chosen on the Sessions list."""

import streamlit as st

from dashboard.components.context import records, require
from dashboard.components.text import md_escape

require("session.read")
st.title("Review")
chosen = st.session_state.get("review_session_id")
if chosen is None:
    st.info("Choose a session on the Sessions page.")
else:
    st.subheader(md_escape(records().session(int(chosen)).label))
