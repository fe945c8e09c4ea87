"""Per-app resources for the pages: the engine, the clinic time zone, the signed-in actor and services."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from dashboard.config import clinic_timezone, database_url
from dashboard.core.roles import Actor
from dashboard.services.records import Records
from dashboard.services.runtime import open_database

ACTOR_KEY = "actor"


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    return open_database(url, with_scenarios=True)


def engine() -> Engine:
    return _engine_for(database_url())


def clinic_tz() -> str:
    return clinic_timezone()


def actor() -> Actor | None:
    return st.session_state.get(ACTOR_KEY)


def records() -> Records:
    """The clinical records as the signed-in user may see and change them."""
    return Records(engine(), actor(), clinic_tz())


def require(action: str) -> Actor:
    """Stop the page unless the signed-in user's role may do this (a direct URL is checked too)."""
    who = actor()
    if who is None or not who.can(action):
        st.error("Your role does not give access to this page.")
        st.stop()
    return who
