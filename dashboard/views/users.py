"""Users page (admins): accounts and roles; add, disable or enable, change role, reset a password."""

from __future__ import annotations

import secrets

import pandas as pd
import streamlit as st

from dashboard.components.context import clinic_tz, engine, require
from dashboard.components.text import md_escape
from dashboard.core.clock import utcnow
from dashboard.core.roles import ROLES
from dashboard.core.tables import users_display
from dashboard.services.accounts import Accounts
from dashboard.core.errors import StoreError

PENDING = "users_pending"  # (what, username, new role or None) waiting for confirmation


def _run(step, done: str) -> None:
    """Run a change from a button callback; its outcome is shown on the next draw."""
    try:
        step()
    except StoreError as error:
        st.session_state["users_flash"] = ("error", str(error))
        return
    st.session_state["users_flash"] = ("success", done)


def _flash() -> None:
    if outcome := st.session_state.pop("users_flash", None):
        kind, message = outcome
        (st.error if kind == "error" else st.success)(md_escape(message))


def _confirm(accounts: Accounts) -> None:
    what, username, role = st.session_state[PENDING]
    question = (f"Change the role of {username} to {role}?" if what == "role"
                else f"Disable {username}? They can no longer sign in until an admin enables the account.")
    st.warning(md_escape(question))

    def confirm() -> None:
        st.session_state.pop(PENDING, None)
        if what == "role":
            _run(lambda: accounts.set_role(username, role), f"{username} is now {role}.")
        else:
            _run(lambda: accounts.disable(username), f"{username} is disabled.")

    yes, no, _ = st.columns([1, 1, 4])
    yes.button("Yes, change it" if what == "role" else "Yes, disable", type="primary", on_click=confirm,
               key="users_confirm")
    no.button("Cancel", on_click=lambda: st.session_state.pop(PENDING, None), key="users_cancel")


def _change_account(accounts: Accounts, table: pd.DataFrame) -> None:
    st.header("Change an account")
    by_name = table.set_index("username")
    username = st.selectbox("Account", by_name.index.tolist(), key="users_pick",
                            format_func=lambda name: f"{name} · {by_name.loc[name, 'full_name']}",
                            on_change=lambda: st.session_state.pop(PENDING, None))
    account = by_name.loc[username]
    c1, c2, c3 = st.columns(3)
    # Keyed by account: the box always starts at that account's own role.
    new_role = c1.selectbox("Role", ROLES, index=ROLES.index(account["role"]), key=f"users_role_{username}")
    c1.button("Set role", disabled=new_role == account["role"],
              on_click=lambda: st.session_state.__setitem__(PENDING, ("role", username, new_role)))
    if account["disabled"]:
        c2.button("Enable", on_click=lambda: _run(lambda: accounts.enable(username), f"{username} is enabled."))
    else:
        c2.button("Disable", on_click=lambda: st.session_state.__setitem__(PENDING, ("disable", username, None)))

    def reset() -> None:
        temporary = secrets.token_urlsafe(9)
        _run(lambda: accounts.reset_password(username, temporary),
             f"Temporary password for {username}: {temporary} (shown once; they must change it at sign-in).")

    c3.button("Reset password", on_click=reset)
    if st.session_state.get(PENDING):
        _confirm(accounts)


def render() -> None:
    accounts = Accounts(engine(), require("users.manage"))
    st.title("Users")
    _flash()
    table = accounts.list()
    st.dataframe(users_display(table, clinic_tz(), pd.Timestamp(utcnow())), hide_index=True, width="stretch",
                 key="users_table")

    st.header("Add a user")
    with st.form("add_user", clear_on_submit=True):
        c1, c2, c3 = st.columns(3)
        username = c1.text_input("Username", max_chars=80)
        full_name = c2.text_input("Full name", max_chars=120)
        role = c3.selectbox("Role", ROLES)
        password = st.text_input("Temporary password (they choose their own at first sign-in)", type="password")
        if st.form_submit_button("Add user", type="primary"):
            _run(lambda: accounts.add(username, full_name, role, password), f"Added {username.strip()} ({role}).")
            st.rerun()

    if not table.empty:
        _change_account(accounts, table)


render()
