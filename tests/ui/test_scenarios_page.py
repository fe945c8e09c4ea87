"""The Scenarios page: the library with each scenario's decision points and good responses, the class summary,
a new version, and (supervisors) a de-identified scenario made from a discharged session."""

from __future__ import annotations

import pytest

from dashboard.core.roles import Actor
from dashboard.core.trainee import TraineeRun
from dashboard.seed import load_samples
from dashboard.services.training import Training
from tests.ui.helpers import VIEWS, button, open_app


def scenarios_page(role: str = "trainer", user: str = "tia"):
    at = open_app(role=role, user=user)
    at.switch_page(str(VIEWS / "scenarios.py")).run()
    assert not at.exception
    return at


def table(at, index: int):
    return at.dataframe[index].value


def test_the_library_lists_every_scenario_and_the_chosen_ones_decision_points(app_env):
    at = scenarios_page()
    library = table(at, 0)
    assert library["Code"].tolist()[:4] == ["TR-001", "TR-002", "TR-003", "TR-004"]
    at.selectbox(key="lib_scenario").set_value("TR-004").run()
    points = table(at, 1)
    assert points["Minute"].tolist() == ["15", "25", "85"]
    assert points["Good responses"].tolist()[1] == "Rouse the patient and support the airway or Give oxygen"
    assert points["Due within (min)"].tolist() == ["—", "0", "—"]
    assert any("Nobody has run this scenario" in c.value for c in at.caption)
    assert [h.value for h in at.header] == ["Class summary", "New scenario"]


def test_the_class_summary_shows_who_ran_it_and_the_most_missed_decision(app_env):
    at = scenarios_page()  # the app's start stores the shipped scenarios
    scenario = Training(app_env, Actor("tim", "trainee")).scenario("TR-004")
    run = TraineeRun.start(scenario.decisions, [15.0, 20.0, 25.0, 30.0, 85.0])
    for who, finished in (("tim", run.answer("Keep watching", 15).end(20)),
                          ("una", run.answer("Give oxygen", 15).end(20))):
        Training(app_env, Actor(who, "trainee")).record_result("TR-004", 1, finished.answers, finished.ended_at_min)
    at.selectbox(key="lib_scenario").set_value("TR-004").run()
    summary = table(at, 2)
    assert summary["Trainee"].tolist() == ["tim", "una"] and summary["Best score (%)"].tolist() == [33, 0]
    said = [m.value.replace("\\", "") for m in at.markdown]
    assert any("Most missed: **minute 25: SpO2 beyond critical" in m and "(missed in 2 of 2 runs)" in m for m in said)


def test_a_new_version_keeps_the_old_one(app_env):
    at = scenarios_page()
    at.selectbox(key="lib_scenario").set_value("TR-001").run()
    at.text_input(key="rev_title_TR-001").input("What normal looks like")
    at.text_input(key="rev_reason_TR-001").input("a clearer title")
    button(at, "Save as a new version").click().run()
    assert [s.value for s in at.success] == ["Saved a new version of TR-001."]
    assert table(at, 0).set_index("Code").loc["TR-001", ["Version", "Title"]].tolist() == [2, "What normal looks like"]
    assert Training(app_env, Actor("tia", "trainer")).history("TR-001")["version"].tolist() == [2, 1]


@pytest.mark.parametrize("role, user", [("trainer", "tia"), ("supervisor", "sam")])
def test_a_trainer_or_supervisor_turns_a_discharged_session_into_a_scenario(app_env, role, user):
    load_samples(app_env)
    at = scenarios_page(role=role, user=user)
    assert at.selectbox(key="new_session").value == "S-0011"
    at.selectbox(key="new_session").set_value("S-0004")
    at.text_input(key="new_s_title").input("Sedation again")
    at.text_area(key="new_s_goal").input("Rouse and support the airway")
    button(at, "Create the scenario").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Added scenario TR-101."]
    assert at.selectbox(key="lib_scenario").value == "TR-101"
    made = Training(app_env, Actor(user, role)).scenario("TR-101")
    assert made.title == "Sedation again" and "de-identified" in made.source and len(made.readings) == 15


def test_a_refused_scenario_says_why_and_stores_nothing(app_env):
    load_samples(app_env)
    at = scenarios_page(role="supervisor", user="sam")
    before = len(table(at, 0))
    at.selectbox(key="new_session").set_value("S-0004")
    at.text_input(key="new_s_title").input("P-1004's sedation")
    at.text_area(key="new_s_goal").input("g")
    button(at, "Create the scenario").click().run()
    assert [e.value.replace("\\", "") for e in at.error] == [
        "the title and goal may not name the patient or the session: a scenario keeps no link to them"]
    assert len(table(at, 0)) == before
