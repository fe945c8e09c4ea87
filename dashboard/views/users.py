"""Users page (admins): accounts and roles; add, disable or enable, change role, reset a password."""

from __future__ import annotations

import secrets

import streamlit as st

from dashboard.components.context import engine, require
from dashboard.components.text import md_escape
from dashboard.core.roles import ROLES
from dashboard.services.accounts import Accounts
from dashboard.core.errors import StoreError


def _run(step, done: str) -> None:
    try:
        step()
    except StoreError as error:
        st.error(md_escape(error))
        return
    st.success(md_escape(done))


def render() -> None:
    accounts = Accounts(engine(), require("users.manage"))
    st.title("Users")
    table = accounts.list()
    st.dataframe(table, hide_index=True, width="stretch")

    st.subheader("Add a user")
    with st.form("add_user", clear_on_submit=True):
        c1, c2, c3 = st.columns(3)
        username = c1.text_input("Username", max_chars=80)
        full_name = c2.text_input("Full name", max_chars=120)
        role = c3.selectbox("Role", ROLES)
        password = st.text_input("Temporary password (they choose their own at first sign-in)", type="password")
        if st.form_submit_button("Add user", type="primary"):
            _run(lambda: accounts.add(username, full_name, role, password), f"Added {username.strip()} ({role}).")

    if table.empty:
        return
    st.subheader("Change an account")
    username = st.selectbox("Account", table["username"].tolist(), key="users_pick")
    c1, c2, c3 = st.columns(3)
    new_role = c1.selectbox("Role", ROLES, key="users_role")
    if c1.button("Set role"):
        _run(lambda: accounts.set_role(username, new_role), f"{username} is now {new_role}.")
    if c2.button("Disable"):
        _run(lambda: accounts.disable(username), f"{username} is disabled.")
    if c2.button("Enable"):
        _run(lambda: accounts.enable(username), f"{username} is enabled.")
    if c3.button("Reset password"):
        temporary = secrets.token_urlsafe(9)
        _run(lambda: accounts.reset_password(username, temporary),
             f"Temporary password for {username}: {temporary} (shown once; they must change it at sign-in).")


render()
