"""Sign-in, first-time set-up, idle sign-out and password change screens."""

from __future__ import annotations

import streamlit as st

from dashboard.components.context import ACTOR_KEY, engine
from dashboard.components.text import md_escape
from dashboard.config import idle_minutes
from dashboard.core.clock import utcnow
from dashboard.services import accounts
from dashboard.core.errors import StoreError


def sign_out(reason: str | None = None) -> None:
    for key in list(st.session_state):
        del st.session_state[key]
    if oidc_configured() and st.user.is_logged_in:
        st.logout()
    if reason:
        st.session_state["signed_out_reason"] = reason


def check_idle() -> None:
    """Sign out a user whose last action is older than the idle limit; otherwise note this action."""
    now = utcnow()
    last = st.session_state.get("last_active")
    if st.session_state.get(ACTOR_KEY) and last and (now - last).total_seconds() > idle_minutes() * 60:
        sign_out(f"You were signed out after {idle_minutes():g} minutes without activity.")
    st.session_state["last_active"] = now


def signed_out_notice() -> None:
    if reason := st.session_state.pop("signed_out_reason", None):
        st.info(reason)
    if done := st.session_state.pop("setup_done", None):
        st.success(done)


def first_admin_form() -> None:
    st.title("Infusion Vitals: first-time set-up")
    st.write("No account exists yet. Create the first administrator. The set-up code is printed in the "
             "console where the server was started; alternatively run "
             "`python -m dashboard users add USERNAME --role admin` on the server.")
    with st.form("first_admin"):
        code = st.text_input("Set-up code", type="password")
        username = st.text_input("Admin username")
        full_name = st.text_input("Full name")
        password = st.text_input("Password (at least 10 characters)", type="password")
        repeat = st.text_input("Password again", type="password")
        submitted = st.form_submit_button("Create administrator", type="primary")
    if not submitted:
        return
    if password != repeat:
        st.error("The two passwords differ.")
        return
    try:
        accounts.create_first_admin(engine(), code, username, full_name, password)
    except StoreError as error:
        st.error(md_escape(error))
        return
    st.session_state["setup_done"] = f"Administrator {username.strip()} created. Sign in with it."
    st.rerun()  # the set-up code is spent: straight to sign-in


def oidc_configured() -> bool:
    """True when .streamlit/secrets.toml has an [auth] section for st.login."""
    return st.secrets.load_if_toml_exists() and "auth" in st.secrets


def _oidc_sign_in() -> None:
    if not st.user.is_logged_in:
        st.button("Sign in with your organisation account", on_click=st.login, type="primary")
        st.caption("or with a username and password:")
        return
    try:
        signed = accounts.sign_in_external(engine(), str(st.user.get("email", "")))
    except StoreError as error:
        st.error(md_escape(error))
        st.button("Use another account", on_click=st.logout)
        return
    _remember(signed)
    st.rerun()


def _remember(signed: accounts.SignedIn) -> None:
    st.session_state[ACTOR_KEY] = signed.actor
    st.session_state["full_name"] = signed.full_name
    st.session_state["must_change_password"] = signed.must_change_password


def sign_in_form() -> None:
    st.title("Infusion Vitals")
    if oidc_configured():
        _oidc_sign_in()
    with st.form("sign_in"):
        username = st.text_input("Username", key="signin_username")
        password = st.text_input("Password", type="password", key="signin_password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return
    try:
        signed = accounts.sign_in(engine(), username, password)
    except StoreError as error:
        st.error(md_escape(error))
        return
    _remember(signed)
    st.rerun()


def change_password_form(forced: bool) -> None:
    st.title("Change your password")
    if forced:
        st.info("Your password was set by an administrator: choose your own to continue.")
    with st.form("change_password", clear_on_submit=True):
        current = st.text_input("Current password", type="password")
        new = st.text_input("New password (at least 10 characters)", type="password")
        repeat = st.text_input("New password again", type="password")
        submitted = st.form_submit_button("Change password", type="primary")
    if not submitted:
        return
    if new != repeat:
        st.error("The two new passwords differ.")
        return
    try:
        accounts.change_own_password(engine(), st.session_state[ACTOR_KEY], current, new)
    except StoreError as error:
        st.error(md_escape(error))
        return
    st.session_state["must_change_password"] = False
    st.success("Password changed.")
    if forced:
        st.rerun()
