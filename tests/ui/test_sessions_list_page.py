"""The Sessions page as nurses and supervisors find sessions on it: filters narrow the count, a row opens its
review, a nurse goes on to record an open session; trainers and admins have no way to it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.core.roles import Actor
from dashboard.services.protocols import bootstrap
from dashboard.store import sessions as store_sessions
from tests.review_world import DAYS, build_review_world
from tests.ui.helpers import VIEWS, button, errors, open_app


@pytest.fixture
def world(app_env):
    bootstrap(app_env)
    return build_review_world(app_env)


def sessions_page(role: str = "supervisor", user: str = "sam") -> AppTest:
    at = open_app(role=role, user=user)
    at.switch_page(str(VIEWS / "sessions.py")).run()
    assert not at.exception
    return at


def count(at: AppTest) -> str:
    """The bold count line over the table, e.g. '5 sessions · not signed'."""
    return next(m.value for m in at.markdown if m.value.startswith("**")).replace("\\", "")


def listed(at: AppTest) -> list[str]:
    return at.dataframe[0].value["Session"].tolist() if at.dataframe else []


@pytest.mark.parametrize("role, user", [("nurse", "ana"), ("supervisor", "sam")])
def test_nurses_and_supervisors_see_every_session_with_the_review_columns(world, role, user):
    at = sessions_page(role, user)
    assert count(at) == "**5 sessions**"
    table = at.dataframe[0].value.set_index("Session")
    assert table.index.tolist() == ["S-B2", "S-B1", "S-C1", "S-A2", "S-A1"]
    assert table.loc["S-A1", ["Patient", "Status", "Nurse", "Readings", "High alerts", "Alerts to acknowledge",
                              "Signed"]].tolist() == ["P-100", "infusing", "Ana Lopez (ana)", 4, 1, 1, "not signed"]
    assert table.loc["S-A2", "Signed"] == "reviewed by Sam Smith"


def test_filters_narrow_the_count_and_the_list(world):
    at = sessions_page()
    at.checkbox(key="sessions_not_signed").check().run()
    assert count(at) == "**3 sessions** · not signed" and listed(at) == ["S-B1", "S-C1", "S-A1"]
    at.checkbox(key="sessions_critical").check().run()
    assert count(at) == "**1 session** · critical alert, not signed" and listed(at) == ["S-A1"]
    at.checkbox(key="sessions_critical").uncheck()
    at.checkbox(key="sessions_not_signed").uncheck().run()
    at.text_input(key="sessions_patient").input("p-2").run()
    assert listed(at) == ["S-B2", "S-B1"]
    at.selectbox(key="sessions_nurse").select("ben")
    at.multiselect(key="sessions_status").select("planned").run()
    assert listed(at) == ["S-B1"]
    at.text_input(key="sessions_patient").input("' OR 1=1 --").run()
    assert count(at).startswith("**No sessions**") and not at.dataframe
    assert "No session matches these filters." in [i.value for i in at.info]


def test_dates_and_sorting(world):
    at = sessions_page()
    at.date_input(key="sessions_from").set_value(DAYS["A2"])
    at.date_input(key="sessions_to").set_value(DAYS["B1"]).run()
    assert listed(at) == ["S-B1", "S-C1", "S-A2"]
    at.selectbox(key="sessions_sort").select("patient")
    at.toggle(key="sessions_descending").set_value(False).run()
    assert listed(at) == ["S-A2", "S-B1", "S-C1"]
    at.date_input(key="sessions_from").set_value(DAYS["B2"]).run()
    assert any("is after the last day" in e for e in errors(at)) and not at.dataframe


def test_a_selected_row_opens_the_sessions_review_for_a_nurse_too(world):
    at = sessions_page("nurse", "ana")
    at.checkbox(key="sessions_unacknowledged").check().run()
    at.session_state["sessions_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Session review"] and at.session_state["review_session_id"] == world["A1"]
    assert "S-A1" in at.subheader[0].value


def test_a_nurse_opens_an_open_session_on_the_record_page(world):
    at = sessions_page("nurse", "ana")
    at.selectbox(key="sessions_record_choice").select(world["A2"]).run()
    button(at, "Open on the Record page").click().run()
    assert not at.exception
    assert "Record vitals" in [t.value for t in at.title] and at.session_state["session_id"] == world["A2"]


def test_a_long_list_is_shown_a_page_at_a_time(app_env):
    patient = store_sessions.create_patient(app_env, "P-9", by="ana")
    for i in range(30):
        store_sessions.create_session(app_env, patient, date(2026, 1, 1) + timedelta(days=i), by="ana",
                                      protocol="IV ketamine clinic default", code=f"S-{i + 1:03d}")
    at = sessions_page()
    at.selectbox(key="sessions_page_size").select(25).run()
    assert count(at) == "**30 sessions** · showing 1–25" and listed(at)[0] == "S-030"
    at.session_state["sessions_page"] = 2
    at.run()
    assert count(at) == "**30 sessions** · showing 26–30" and listed(at) == ["S-005", "S-004", "S-003", "S-002",
                                                                            "S-001"]
    at.text_input(key="sessions_patient").input("P-9").run()  # another filter: back to the first page
    assert listed(at)[0] == "S-030"


@pytest.mark.parametrize("role", ["trainer", "admin"])
def test_trainers_and_admins_have_no_way_to_the_list_or_a_review(world, role):
    at = open_app(role=role, user=f"{role}1")
    for page in ("sessions.py", "review.py", "patient_series.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(str(VIEWS / page))
        direct = AppTest.from_file(str(VIEWS / page), default_timeout=60)
        direct.session_state["actor"] = Actor(f"{role}1", role)
        direct.session_state["review_session_id"] = world["A1"]
        direct.run()
        assert any("does not give access" in e for e in errors(direct)), page
        assert not direct.dataframe and not direct.subheader
