"""AppTest fixtures: the app on a fresh SQLite database, with one session dated today."""

from __future__ import annotations

import pytest
from streamlit import config

from dashboard.core.clock import today_in
from dashboard.store import sessions as store_sessions
from dashboard.store.db import get_engine
from tests.ui.helpers import TZ


@pytest.fixture(autouse=True)
def show_errors_in_tests():
    """Users see a short message; a failing test should show the whole error."""
    config.set_option("client.showErrorDetails", "full")
    yield
    config.set_option("client.showErrorDetails", "none")


@pytest.fixture
def app_env(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("CLINIC_TZ", TZ)
    return get_engine(sqlite_url)


@pytest.fixture
def today_session(app_env):
    patient = store_sessions.create_patient(app_env, "P-2001", by="setup")
    return store_sessions.create_session(app_env, patient, today_in(TZ), by="setup",
                                         protocol="IV ketamine clinic default", infusion_number=1)
