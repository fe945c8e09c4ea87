"""AppTest fixtures: the app on a fresh SQLite database, with one session dated today."""

from __future__ import annotations

import pytest
from streamlit import config

from dashboard.core.clock import today_in
from dashboard.store.db import get_engine
from tests.clinic import patient_with_sessions
from tests.ui.helpers import TZ


@pytest.fixture(autouse=True)
def show_errors_in_tests():
    """Users see a short message; a failing test should show the whole error."""
    config.set_option("client.showErrorDetails", "full")
    yield
    config.set_option("client.showErrorDetails", "none")


@pytest.fixture
def app_database(sqlite_url):
    """The database the app under test uses: SQLite; a page module that overrides this with `database_url`
    runs on PostgreSQL as well."""
    return sqlite_url


@pytest.fixture
def app_env(app_database, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", app_database)
    monkeypatch.setenv("CLINIC_TZ", TZ)
    return get_engine(app_database)


@pytest.fixture
def today_session(app_env):
    return patient_with_sessions(app_env, today_in(TZ), patient="P-2001", protocol="IV ketamine clinic default",
                                 infusion_number=1)["S-0001"]
