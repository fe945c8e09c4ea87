"""Signing a session off: the signatures and the lock they put on it, and, for a supervisor, what refuses a
signature, the warnings to read, the password typed again and the meaning."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from dashboard.components.text import md_escape
from dashboard.core.addenda import addenda_lines, locked_at
from dashboard.core.errors import StoreError
from dashboard.core.roles import SYSTEM, Actor, PermissionDenied
from dashboard.core.sessions import Session
from dashboard.core.signoff import MEANINGS, Signoff
from dashboard.services.signoffs import Signoffs, SignoffRefused, WarningsNotSeen

MEANING_TEXT = {"reviewed": "Reviewed: I have read this session's record",
                "approved": "Approved: I approve the care this record shows"}


def _bullets(lead: str, lines: list[str]) -> str:
    return "\n\n".join(md_escape(line) for line in [lead, *(f"• {line}" for line in lines)])


def signature_banner(signoffs: list[Signoff], tz: str) -> None:
    """'Signed (reviewed) by NAME at TIME — entries after this are addenda', then any later signature, each with
    the warnings its signer read; nothing for an unsigned session."""
    for number, signoff in enumerate(signoffs):
        lock = " — entries after this are addenda" if number == 0 else ""
        st.success(md_escape(signoff.stamp(tz) + lock), icon=":material/verified:")
        if signoff.warnings:
            st.caption(md_escape("Warnings read when signing: " + "; ".join(signoff.warnings)))


def addenda_notice(history: pd.DataFrame, events: pd.DataFrame, signoffs: list[Signoff], tz: str) -> None:
    """The entries made after the first signature, listed after it in the order entered."""
    lines = addenda_lines(history, events, locked_at(signoffs), tz)
    if lines:
        st.info(_bullets(f"Addenda after the signature ({len(lines)}):", lines), icon=":material/post_add:")


def _keys(session_id: int) -> dict[str, str]:
    return {name: f"signoff_{session_id}_{name}" for name in ("seen", "meaning", "password", "result", "problem")}


def has_problem(session_id: int) -> bool:
    """A refused signature waits to be shown: a page holding the panel in an expander opens it."""
    return _keys(session_id)["problem"] in st.session_state


def _sign(service: Signoffs, session_id: int, shown_warnings: list[str]) -> None:
    keys = _keys(session_id)
    password = st.session_state.get(keys["password"], "")
    st.session_state[keys["password"]] = ""  # never kept on the page, whatever the outcome
    if not password:
        st.session_state[keys["problem"]] = ["type your password to sign"]
        return
    try:
        signed = service.sign(session_id, password=password, meaning=st.session_state.get(keys["meaning"], MEANINGS[0]),
                              acknowledge_warnings=shown_warnings)
    except SignoffRefused as refused:
        st.session_state[keys["problem"]] = ["Signing refused:", *refused.reasons]
        return
    except WarningsNotSeen as unseen:
        st.session_state[keys["seen"]] = False
        st.session_state[keys["problem"]] = ["The warnings changed since they were shown: read them again.",
                                             *unseen.warnings]
        return
    except (StoreError, PermissionDenied) as error:
        st.session_state[keys["problem"]] = [str(error)]
        return
    st.session_state[keys["seen"]] = False
    st.session_state[keys["result"]] = f"{signed.stamp(service.tz)}."


def signoff_panel(engine: Engine, actor: Actor, tz: str, session: Session, *, show_signatures: bool = True,
                  history: pd.DataFrame | None = None, events: pd.DataFrame | None = None) -> None:
    """The session's signatures (unless show_signatures is False, for a page that shows them already) and, for
    a supervisor only, the signing form: refusals listed (signing disabled), warnings to confirm reading,
    meaning, password typed again. A nurse sees the signatures alone; a role that may not read sessions, nothing.

    history, events: the session's reading versions (Records.readings(..., history=True)) and events, when the
    page has read them already, so a long session's readings are not read a second time."""
    if not actor.can("session.read"):
        return
    service = Signoffs(engine, actor, tz)
    if show_signatures:
        signed = service.signoffs(session.id)
        if signed:
            signature_banner(signed, tz)
        else:
            st.caption("Not signed yet.")
    if not actor.can("session.sign_off") or actor.role == SYSTEM:
        return
    keys = _keys(session.id)
    if result := st.session_state.pop(keys["result"], None):
        st.success(md_escape(result), icon=":material/verified:")
    found = service.check(session.id, history=history, events=events)
    if found.refusals:
        st.error(_bullets("Signing is refused until:", found.refusals), icon=":material/block:")
    if found.warnings:
        st.warning(_bullets("Read these before signing; they are kept with the signature:", found.warnings),
                   icon=":material/warning:")
        st.checkbox("I have read these warnings", key=keys["seen"], disabled=bool(found.refusals))
    ready = not found.refusals and (not found.warnings or st.session_state.get(keys["seen"], False))
    with st.form(f"signoff_form_{session.id}", border=False):
        st.radio("Meaning of the signature", MEANINGS, format_func=MEANING_TEXT.get, key=keys["meaning"])
        st.text_input("Your password, typed again to sign", type="password", key=keys["password"], max_chars=200,
                      help="An electronic signature: your name, the time and the meaning are kept with the "
                           "session. A wrong password counts as a failed sign-in.")
        st.form_submit_button("Sign the session", type="primary", disabled=not ready, on_click=_sign,
                              args=(service, session.id, found.warnings))
    if problem := st.session_state.pop(keys["problem"], None):
        lead, *reasons = problem
        st.error(_bullets(lead, reasons) if reasons else md_escape(lead), icon=":material/error:")
