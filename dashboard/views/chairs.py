"""Chairs page (supervisors, admins): the clinic's chairs, with the session in each; add or retire one."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.components.context import engine, require
from dashboard.components.text import md_escape
from dashboard.core.errors import StoreError
from dashboard.services.chairs import Chairs


def _add(chairs: Chairs) -> None:
    name = st.session_state.get("chair_name", "")
    try:
        chairs.add(name)
        st.session_state["chair_flash"] = ("success", f"Added {' '.join(name.split())}.")
        st.session_state["chair_name"] = ""
    except StoreError as error:
        st.session_state["chair_flash"] = ("error", str(error))


def _retire(chairs: Chairs) -> None:
    name = st.session_state.get("chair_retire")
    try:
        chairs.retire(name or "")
        st.session_state["chair_flash"] = ("success", f"Retired {name}.")
    except StoreError as error:
        st.session_state["chair_flash"] = ("error", str(error))


def render() -> None:
    who = require("chair.manage")
    chairs = Chairs(engine(), who)
    st.title("Chairs")
    st.caption("A session is placed in a chair when its infusion starts (Record page) and leaves it at discharge. "
               "A retired chair is kept for the sessions that ran in it.")
    if flash := st.session_state.pop("chair_flash", None):
        (st.success if flash[0] == "success" else st.error)(md_escape(flash[1]))
    listed = chairs.list(retired=True)
    if listed:
        st.dataframe(pd.DataFrame({"Chair": [c.name for c in listed],
                                   "Now": ["retired" if c.retired_at else (c.session_code or "free") for c in listed]}),
                     hide_index=True)
    else:
        st.info("No chairs yet: add the clinic's chairs below.")
    with st.form("add_chair", clear_on_submit=False):
        st.text_input("New chair's name", key="chair_name", max_chars=40, placeholder="Chair 5")
        st.form_submit_button("Add chair", on_click=_add, args=(chairs,))
    active = [c.name for c in listed if c.retired_at is None]
    if active:
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        left.selectbox("Retire a chair", active, key="chair_retire", index=None, placeholder="Choose a chair…")
        right.button("Retire", on_click=_retire, args=(chairs,))


render()
