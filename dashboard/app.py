"""Streamlit entry point: page setup, who is recording, and the pages routed with st.navigation."""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run dashboard/app.py` puts dashboard/ (not the project root) on sys.path.
ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import streamlit as st  # noqa: E402

from dashboard import DISCLAIMER  # noqa: E402

VIEWS = Path(__file__).resolve().parent / "views"

st.set_page_config(page_title="Infusion Vitals", page_icon="🩺", layout="wide")

pages = {
    "record": st.Page(VIEWS / "record.py", title="Record", icon="✍️", default=True),
    "sessions": st.Page(VIEWS / "sessions.py", title="Sessions", icon="📋"),
}

with st.sidebar:
    st.text_input("Your name or initials", key="user_name", max_chars=80,
                  help="Stored with every reading and correction you enter.")
    st.caption(DISCLAIMER)

navigation = st.navigation(list(pages.values()))
if not st.session_state.get("user_name", "").strip():
    st.title("Infusion Vitals")
    st.warning("Enter your name or initials in the sidebar to start recording.")
    st.info(DISCLAIMER)
    st.stop()
navigation.run()
