"""Streamlit entry point: page setup, sign-in, and the pages each role may reach (st.navigation)."""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run dashboard/app.py` puts dashboard/ (not the project root) on sys.path.
ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import streamlit as st  # noqa: E402

from dashboard import DISCLAIMER, oplog  # noqa: E402
from dashboard.components import auth  # noqa: E402
from dashboard.components.context import actor, engine  # noqa: E402
from dashboard.components.text import md_escape  # noqa: E402
from dashboard.services.accounts import announce_setup_code  # noqa: E402

VIEWS = Path(__file__).resolve().parent / "views"

# page file, title, icon, the action that opens it
PAGES = (
    ("record.py", "Record", ":material/edit_note:", "reading.write"),
    ("board.py", "Board", ":material/dashboard:", "session.read"),
    ("import_vitals.py", "Import", ":material/upload_file:", "reading.write"),
    ("sessions.py", "Sessions", ":material/list_alt:", "session.read"),
    ("review.py", "Review", ":material/fact_check:", "session.read"),
    ("patient_series.py", "Patient series", ":material/timeline:", "session.read"),
    ("protocols.py", "Protocols", ":material/tune:", "protocol.edit"),
    ("training.py", "Training", ":material/school:", "scenario.train"),
    ("scenarios.py", "Scenarios", ":material/video_library:", "scenario.run"),
    ("audit.py", "Audit log", ":material/history:", "audit.read"),
    ("users.py", "Users", ":material/group:", "users.manage"),
    ("chairs.py", "Chairs", ":material/chair:", "chair.manage"),
)

oplog.configure(server=True)  # sign-ins, imports and alerts raised as JSON lines on the server console
st.set_page_config(page_title="Infusion Vitals", page_icon=":material/monitor_heart:", layout="wide")
auth.check_idle()
who = actor()


def _refused() -> None:
    st.title("Not available")
    st.error("Your role does not give access to this page.")


def _known_addresses(page_for, besides: set[str] = frozenset()) -> list:
    """Every page's address but those besides, hidden from the sidebar and drawn by page_for: a bookmark or a
    typed address lands on a page of ours, never on Streamlit's 'page not found' over the sign-in form."""
    return [st.Page(page_for, title=title, url_path=Path(file).stem, visibility="hidden")
            for file, title, _icon, _action in PAGES if Path(file).stem not in besides]


if who is None:
    st.navigation([st.Page(lambda: None, title="Sign in", url_path="sign-in"),
                   *_known_addresses(lambda: None),
                   st.Page(lambda: None, title="Password", url_path="password", visibility="hidden")],
                  position="hidden")
    auth.signed_out_notice()
    if announce_setup_code(engine()):  # printed on the server console once per process
        auth.first_admin_form()
    else:
        auth.sign_in_form()
    st.caption(DISCLAIMER)
    st.stop()

with st.sidebar:
    st.markdown(f"Signed in as **{md_escape(st.session_state.get('full_name', who.username))}** ({who.role})")
    st.button("Sign out", on_click=auth.sign_out)
    st.caption(DISCLAIMER)

if st.session_state.get("must_change_password"):
    st.navigation([st.Page(lambda: None, title="Change password", url_path="change-password"),
                   *_known_addresses(lambda: None)], position="hidden")
    auth.change_password_form(True)
    st.stop()

pages = [st.Page(VIEWS / file, title=title, icon=icon) for file, title, icon, action in PAGES if who.can(action)]
pages.append(st.Page(lambda: auth.change_password_form(False), title="Password", icon=":material/key:", url_path="password"))
# Another role's page opened by its address says so (each page checks the role again in the services).
pages += _known_addresses(_refused, besides={Path(file).stem for file, _title, _icon, action in PAGES
                                             if who.can(action)})
st.navigation(pages).run()
