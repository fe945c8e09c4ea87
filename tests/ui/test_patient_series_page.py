"""The Patient series page: a patient's infusions side by side with their trend, a row opening its review."""

from __future__ import annotations

import pytest

from dashboard.services.protocols import bootstrap
from tests.review_world import build_review_world
from tests.ui.helpers import VIEWS, chart_spec, decode, open_app


@pytest.fixture
def world(app_env):
    bootstrap(app_env)
    return build_review_world(app_env)


@pytest.mark.parametrize("role, user", [("nurse", "ana"), ("supervisor", "sam")])
def test_a_patients_infusions_side_by_side_with_their_trend(world, role, user):
    at = open_app(role=role, user=user)
    at.switch_page(str(VIEWS / "patient_series.py")).run()
    assert not at.exception and "Patient series" in [t.value for t in at.title]
    assert not at.dataframe  # nothing until a patient is chosen
    at.selectbox(key="series_patient").select("P-100").run()
    assert not at.exception
    table = at.dataframe[0].value.set_index("Session")
    assert table.index.tolist() == ["S-A1", "S-A2"]
    assert table.loc["S-A1", ["Infusion", "Phase", "Peak BP mmHg", "Baseline BP", "Rise SBP / DBP",
                              "High alerts", "Side effects", "Deepest MOAA/S"]].tolist() == \
        [1, "induction", "196/80", "118/76", "+78 / +4", 1, "Nausea (mild)", "4"]
    assert table.loc["S-A2", ["Peak BP mmHg", "Rise SBP / DBP"]].tolist() == ["197/80", ""]
    traces = {trace["name"]: decode(trace["y"]) for trace in chart_spec(at)["data"]}
    assert traces["Peak SBP"] == [196, 197] and traces["SBP rise"][0] == 78


def test_a_row_opens_that_sessions_review(world):
    at = open_app(role="supervisor", user="sam")
    at.switch_page(str(VIEWS / "patient_series.py")).run()
    at.selectbox(key="series_patient").select("P-100").run()
    at.session_state["series_table"] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    at.run()
    assert not at.exception and [t.value for t in at.title] == ["Session review"]
    assert at.session_state["review_session_id"] == world["A2"] and "S-A2" in at.subheader[0].value


def test_a_patient_with_no_session_yet(app_env):
    from dashboard.store import sessions as store_sessions
    store_sessions.create_patient(app_env, "P-NEW", by="ana")
    at = open_app(role="supervisor", user="sam")
    at.switch_page(str(VIEWS / "patient_series.py")).run()
    at.selectbox(key="series_patient").select("P-NEW").run()
    assert not at.exception and "P-NEW has no sessions yet." in [i.value.replace("\\", "") for i in at.info]
