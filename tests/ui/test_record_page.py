"""The nurse's Record page under AppTest: save a reading, be told what is wrong, correct a reading."""

from __future__ import annotations

import json
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from dashboard.core.clock import today_in
from dashboard.core.tables import STRIKE
from dashboard.store import readings as store_readings
from tests.ui.helpers import TZ, button, chart_spec, errors, minutes_ago, open_app, plotted


@pytest.fixture
def app_database(database_url):
    """This page's tests run on SQLite and on PostgreSQL."""
    return database_url


def fill(at, **values):
    for key, value in values.items():
        at.text_input(key=f"entry_{key}").input(value)
    return at


def test_valid_entry_is_saved_and_shown_in_table_and_chart(app_env, today_session):
    at = open_app(today_session)
    at.time_input(key="entry_time").set_value(minutes_ago(2))
    fill(at, sbp="128", dbp="82", hr="74", spo2="98", rr="14")
    button(at, "Save reading").click().run()
    assert not at.exception and not errors(at)
    assert any("saved" in s.value for s in at.success)
    table = at.dataframe[-1].value
    assert table.iloc[0]["BP"] == "128/82" and table.iloc[0]["Status"] == "current"
    assert plotted(at)["SBP"] == [128] and plotted(at)["HR"] == [74]
    assert at.text_input(key="entry_sbp").value == ""  # ready for the next set
    stored = store_readings.session_readings(app_env, today_session)
    assert stored["entered_by"].tolist() == ["ana"] and stored["map_computed"].tolist() == [True]


@pytest.mark.parametrize("values, field, words", [
    (dict(sbp="12o", dbp="80"), "sbp", "'12o' is not a number"),
    (dict(hr="400"), "hr", "outside the possible range"),
    (dict(sbp="120", dbp="150"), "dbp", "diastolic 150 is not below systolic 120"),
    (dict(sbp="120", dbp="112"), "dbp", "too narrow"),
    (dict(spo2="20"), "spo2", "outside the possible range"),
    (dict(temp_c="98.6"), "temp_c", "looks like Fahrenheit"),
    (dict(), "", "no vital sign entered"),
])
def test_invalid_entry_names_the_problem_and_stores_nothing(app_env, today_session, values, field, words):
    at = open_app(today_session)
    at.time_input(key="entry_time").set_value(minutes_ago(2))
    fill(at, **values)
    button(at, "Save reading").click().run()
    assert not at.exception
    assert any(words in e.replace("\\", "") for e in errors(at)), errors(at)
    assert store_readings.session_readings(app_env, today_session, history=True).empty
    for key, value in values.items():  # what the nurse typed is still there to fix
        assert at.text_input(key=f"entry_{key}").value == value


def test_future_time_is_refused(app_env, today_session):
    at = open_app(today_session)
    at.time_input(key="entry_time").set_value(time(23, 59))
    now = datetime.now(ZoneInfo(TZ))
    if now.hour == 23 and now.minute >= 50:
        pytest.skip("too close to midnight at the clinic to make a future time of today")
    fill(at, hr="70")
    button(at, "Save reading").click().run()
    assert any("in the future" in e for e in errors(at))
    assert store_readings.session_readings(app_env, today_session, history=True).empty


def test_correction_keeps_the_original_struck_through(app_env, today_session):
    at = open_app(today_session)
    at.time_input(key="entry_time").set_value(minutes_ago(3))
    fill(at, sbp="212", dbp="80", hr="70")
    button(at, "Save reading").click().run()
    original = int(store_readings.session_readings(app_env, today_session)["id"].iloc[0])

    at.selectbox(key="corr_reading").set_value(original).run()
    assert at.text_input(key="corr_sbp").value == "212"  # prefilled from the reading
    at.text_input(key="corr_sbp").input("122")
    button(at, "Save correction").click().run()
    assert any("say why" in e for e in errors(at))  # no reason, no correction
    at.text_input(key="corr_reason").input("digits transposed")
    button(at, "Save correction").click().run()
    assert not at.exception and not errors(at)

    table = at.dataframe[-1].value.set_index("#")
    assert table.loc[original, "BP"] == "".join(c + STRIKE for c in "212/80")
    assert table.loc[original, "Status"].startswith("replaced by #")
    new = [i for i in table.index if i != original][0]
    assert table.loc[new, "BP"] == "122/80" and "digits transposed" in table.loc[new, "Status"]
    assert plotted(at)["SBP"] == [122]  # the chart shows the correction, not the original


def test_infusion_start_and_side_effect_are_recorded(app_env, today_session):
    at = open_app(today_session)
    button(at, "▶ Start infusion").click().run()
    assert not at.exception
    assert any(m.label == "Infusion start" for m in at.metric)
    at.selectbox(key="se_label").set_value("Nausea")
    button(at, "Record side effect").click().run()
    assert any("Nausea recorded" in s.value for s in at.success)
    spec = chart_spec(at)
    texts = json.dumps(spec["layout"].get("annotations", []))
    assert "Infusion start" in texts and "Nausea" in texts


def test_new_patient_and_session_from_the_page(app_env):
    at = open_app()
    at.text_input(key="new_patient_code").input("P-3001")
    button(at, "Create session").click().run()
    assert not at.exception
    assert at.selectbox(key="session_id").value is not None
    assert "P-3001" in at.subheader[0].value.replace("\\", "")
    assert today_in(TZ).isoformat() in at.subheader[0].value


def test_hostile_text_is_shown_as_typed_never_run(app_env):
    at = open_app()
    code = "<img src=x> **x** [a](js:y)"  # 40 characters at most
    at.text_input(key="new_patient_code").input(code)
    button(at, "Create session").click().run()
    assert not at.exception
    heading = at.subheader[0].value
    assert "\\<img" in heading and "\\*\\*x\\*\\*" in heading and "\\[a\\]" in heading  # escaped: shown as typed
    at.time_input(key="entry_time").set_value(minutes_ago(2))
    fill(at, hr="72")
    at.text_input(key="entry_note").input("=HYPERLINK(\"http://evil\") <script>alert(1)</script>")
    button(at, "Save reading").click().run()
    assert at.dataframe[-1].value.iloc[0]["Note"] == "=HYPERLINK(\"http://evil\") <script>alert(1)</script>"
    assert not any("<script>" in m.value for m in at.markdown)
