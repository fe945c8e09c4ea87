"""Per-app resources for the pages: the database engine, the clinic time zone, the current user."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from dashboard.config import clinic_timezone, database_url
from dashboard.store.db import get_engine, migrate


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    migrate(url)
    return get_engine(url)


def engine() -> Engine:
    return _engine_for(database_url())


def clinic_tz() -> str:
    return clinic_timezone()


def current_user() -> str:
    return st.session_state.get("user_name", "")
