"""The nurse's Record page under AppTest: save a reading, be told what is wrong, correct a reading."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dashboard.core.clock import today_in, utcnow
from dashboard.core.tables import STRIKE
from dashboard.store import alerts as store_alerts
from dashboard.store import readings as store_readings
from dashboard.store import sessions as store_sessions
from tests.ui.helpers import TZ, button, chart_spec, decode, errors, open_app, plotted


def local(moment) -> datetime:
    return moment.astimezone(ZoneInfo(TZ))


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
    fill(at, sbp="128", dbp="82", hr="74", spo2="98%", rr="14")  # '98%' as a monitor export writes it
    at.text_input(key="entry_note").input("after a walk")
    button(at, "Save reading").click().run()
    assert not at.exception and not errors(at)
    assert any("saved" in s.value for s in at.success)
    assert at.dataframe[-1].value.iloc[0]["SpO2"] == "98"
    table = at.dataframe[-1].value
    assert table.iloc[0]["BP"] == "128/82" and table.iloc[0]["Status"] == "current"
    assert plotted(at)["SBP"] == [128] and plotted(at)["HR"] == [74]
    assert at.text_input(key="entry_sbp").value == ""  # ready for the next set
    assert at.text_input(key="entry_note").value == "" and at.text_input(key="entry_time").value == ""
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
    fill(at, **values)
    button(at, "Save reading").click().run()
    assert not at.exception
    assert any(words in e.replace("\\", "") for e in errors(at)), errors(at)
    assert store_readings.session_readings(app_env, today_session, history=True).empty
    for key, value in values.items():  # what the nurse typed is still there to fix
        assert at.text_input(key=f"entry_{key}").value == value


def test_future_time_is_refused(app_env, today_session):
    at = open_app(today_session)
    now = datetime.now(ZoneInfo(TZ))
    if now.hour == 23 and now.minute >= 50:
        pytest.skip("too close to midnight at the clinic to make a future time of today")
    at.text_input(key="entry_time").input("23:59")
    fill(at, hr="70")
    button(at, "Save reading").click().run()
    # named in clinic time, as the page shows times (not UTC)
    assert any("23:59:00 is in the future (now " in e.replace("\\", "") for e in errors(at)), errors(at)
    assert store_readings.session_readings(app_env, today_session, history=True).empty


def test_correction_keeps_the_original_struck_through(app_env, today_session):
    at = open_app(today_session)
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
    fill(at, hr="72")
    at.text_input(key="entry_note").input("=HYPERLINK(\"http://evil\") <script>alert(1)</script>")
    button(at, "Save reading").click().run()
    assert at.dataframe[-1].value.iloc[0]["Note"] == "=HYPERLINK(\"http://evil\") <script>alert(1)</script>"
    assert not any("<script>" in m.value for m in at.markdown)


def test_an_entry_is_filed_at_the_moment_it_is_saved_not_when_the_form_was_drawn(app_env, today_session, clock):
    at = open_app(today_session)
    drawn = utcnow()
    fill(at, sbp="128", dbp="82")
    clock.advance(90)  # the nurse measured and typed for a minute and a half
    button(at, "Save reading").click().run()
    stored = store_readings.session_readings(app_env, today_session).iloc[0]
    assert stored["measured_at"] - drawn >= timedelta(seconds=90)
    assert abs(stored["measured_at"] - stored["entered_at"]) < timedelta(seconds=1)
    assert any(f"Reading at {local(stored['measured_at']):%H:%M:%S} saved" in s.value for s in at.success)
    assert "late" not in at.dataframe[-1].value.iloc[0]["Time"]


def test_a_late_entry_keeps_the_time_set_and_is_marked_in_the_table(app_env, today_session, clock):
    measured = local(utcnow() - timedelta(minutes=10))
    if measured.date() != today_in(TZ):
        pytest.skip("too close to midnight at the clinic")
    at = open_app(today_session)
    at.text_input(key="entry_time").input(f"{measured:%H:%M:%S}")
    fill(at, hr="70")
    button(at, "Save reading").click().run()
    assert not errors(at)
    assert any(f"Late entry for {measured:%H:%M:%S} saved" in s.value for s in at.success)
    stored = store_readings.session_readings(app_env, today_session).iloc[0]
    assert f"{local(stored['measured_at']):%H:%M:%S}" == f"{measured:%H:%M:%S}"
    assert at.dataframe[-1].value.iloc[0]["Time"] == f"{measured:%H:%M} (late entry)"
    assert at.text_input(key="entry_time").value == ""  # the next reading is 'now' again


def test_a_high_bp_seconds_after_start_is_no_pre_infusion_reading(app_env, today_session, clock):
    at = open_app(today_session)
    button(at, "▶ Start infusion").click().run()
    clock.advance(5)
    fill(at, sbp="185", dbp="112")
    button(at, "Save reading").click().run()
    assert not at.exception
    assert not any("pre-infusion" in text for text in errors(at) + [w.value for w in at.warning])
    started = store_sessions.get_session(app_env, today_session).infusion_started_at
    stored = store_readings.session_readings(app_env, today_session).iloc[0]
    assert stored["measured_at"] > started
    assert "pre_dose_caution" not in store_alerts.session_alerts(app_env, today_session)["rule"].tolist()
    sbp = next(t for t in chart_spec(at)["data"] if t.get("name") == "SBP")
    assert all(x > 0 for x in decode(sbp["x"]))  # drawn right of the start line


def test_a_second_session_the_same_day_needs_confirming(app_env, today_session):
    store_sessions.start_infusion(app_env, today_session, utcnow())
    at = open_app()
    at.selectbox(key="new_patient_existing").set_value("P-2001")
    button(at, "Create session").click().run()
    assert not at.exception
    warning = " ".join(w.value for w in at.warning).replace("\\", "")
    assert "S-0001, infusion 1, infusing since" in warning
    assert len(store_sessions.list_sessions(app_env)) == 1 and at.selectbox(key="session_id").value is None
    button(at, "Open a second session").click().run()
    assert not at.exception and not at.warning
    sessions = store_sessions.list_sessions(app_env)
    assert len(sessions) == 2 and sessions[0].infusion_number == 2
    assert at.selectbox(key="session_id").value == sessions[0].id


def test_side_effect_severity_is_shown_in_the_events_list(app_env, today_session):
    at = open_app(today_session)
    at.selectbox(key="se_label").set_value("Headache")
    at.selectbox(key="se_severity").set_value("severe")
    button(at, "Record side effect").click().run()
    at.selectbox(key="moaa_score").set_value(3)
    button(at, "Record MOAA/S").click().run()
    events = next(d.value for d in at.dataframe if "Severity / score" in d.value.columns)
    assert events[["What", "Severity / score"]].values.tolist() == [["Headache", "severe"], ["MOAA/S", "3"]]
    assert events["By"].str.startswith("ana ").all()


def test_a_bad_value_is_named_with_its_field_under_the_row(app_env, today_session):
    at = open_app(today_session)
    fill(at, sbp="12o", dbp="80")
    button(at, "Save reading").click().run()
    assert "Systolic (mmHg): '12o' is not a number" in [e.replace("\\", "") for e in errors(at)]


def add_monitor_readings(engine, session_id: int, n: int, *, minutes_back: int = 200):
    """n readings a few seconds apart, as a monitor file would store them (newest just before now)."""
    import numpy as np
    import pandas as pd

    from dashboard.core.clock import utcnow
    end = pd.Timestamp(utcnow()) - pd.Timedelta(minutes=1)
    frame = pd.DataFrame({"session_id": session_id,
                          "measured_at": end - pd.to_timedelta(np.arange(n)[::-1] * (minutes_back * 60 // n), unit="s"),
                          "sbp": 120.0 + np.arange(n) % 20, "dbp": 80.0, "hr": 70.0 + np.arange(n) % 10,
                          "spo2": 98.0, "rr": 14.0, "bp_method": "cuff"})
    store_readings.add_readings(engine, frame, by="monitor")
    return frame


def test_chart_on_the_record_page_takes_the_full_width_with_labels_and_severity(app_env, today_session):
    at = open_app(today_session)
    at.text_input(key="entry_time").input(f"{local(utcnow() - timedelta(minutes=3)):%H:%M:%S}")
    fill(at, sbp="186", dbp="84", hr="74", spo2="98", rr="14")
    button(at, "Save reading").click().run()
    at.selectbox(key="se_label").set_value("Vomiting")
    at.selectbox(key="se_severity").set_value("severe")
    button(at, "Record side effect").click().run()
    assert not at.exception
    assert not any(col.get("plotly_chart") for col in at.columns)  # not squeezed into a column beside the form
    layout = chart_spec(at)["layout"]
    notes = {n["text"]: n for n in layout["annotations"]}
    assert "Vomiting (severe)" in notes and "severe" in notes["Vomiting (severe)"]["hovertext"]
    labels = [n for n in layout["annotations"] if n.get("name", "").endswith(" label")]
    assert {"SBP 180", "SBP 90", "DBP 100", "DBP 110"} <= {n["text"] for n in labels}
    assert all(n["x"] == 1 and n["xanchor"] == "left" for n in labels)  # beside the plot, in its margin
    assert plotted(at)["SBP critical"] == [186]


def test_readings_stored_elsewhere_show_on_the_next_rerun(app_env, today_session):
    at = open_app(today_session)
    assert "No readings yet" in json.dumps(chart_spec(at)["layout"]["annotations"])
    add_monitor_readings(app_env, today_session, 30)
    at.run()  # nothing typed here: the page must still notice the session changed
    assert len(plotted(at)["SBP"]) == 30
    assert any(m.label == "NEWS2, last complete set" for m in at.metric)
    assert len(at.dataframe[-1].value) == 30


def test_versions_table_pages_through_a_long_session_newest_first(app_env, today_session):
    frame = add_monitor_readings(app_env, today_session, 450)
    at = open_app(today_session)
    assert not at.exception
    table = at.dataframe[-1].value
    stored = store_readings.session_readings(app_env, today_session)
    newest = stored["id"].iloc[-200:][::-1].tolist()
    assert len(table) == 200 and table["#"].tolist() == newest  # page 1: the newest 200, newest first
    assert any("Versions 1–200 of 450" in c.value for c in at.caption)
    pager = at.number_input(key=f"versions_page_{today_session}")
    pager.set_value(3).run()
    table = at.dataframe[-1].value
    assert table["#"].tolist() == stored["id"].iloc[:50][::-1].tolist()  # the oldest 50
    assert any("Versions 401–450 of 450" in c.value for c in at.caption)
    assert len(plotted(at)["SBP"]) == len(frame)  # paging the table never thins the chart


def test_after_a_correction_the_next_reading_can_be_chosen_and_corrected(app_env, today_session):
    at = open_app(today_session)
    for sbp in ("212", "131"):
        fill(at, sbp=sbp, dbp="80", hr="70")
        button(at, "Save reading").click().run()
    first, second = store_readings.session_readings(app_env, today_session)["id"].astype(int).tolist()
    at.selectbox(key="corr_reading").set_value(first).run()
    at.text_input(key="corr_sbp").input("122")
    at.text_input(key="corr_reason").input("digits transposed")
    button(at, "Save correction").click().run()
    assert not at.exception and at.selectbox(key="corr_reading").value is None  # the replaced one is gone
    at.selectbox(key="corr_reading").set_value(second).run()
    assert not at.exception
    assert at.text_input(key="corr_sbp").value == "131"  # prefilled from the second reading
    at.text_input(key="corr_sbp").input("113")
    at.text_input(key="corr_reason").input("wrong patient's value")
    button(at, "Save correction").click().run()
    assert not at.exception and not errors(at)
    assert sorted(plotted(at)["SBP"]) == [113, 122]


def test_a_long_session_lists_its_newest_readings_to_correct_and_finds_older_ones_by_time(app_env, today_session):
    add_monitor_readings(app_env, today_session, 450)
    at = open_app(today_session)
    stored = store_readings.session_readings(app_env, today_session)
    picker = at.selectbox(key="corr_reading")
    assert picker.options[0].startswith(f"#{stored['id'].iloc[-300]} ") and len(picker.options) == 300
    assert any("The newest 300 of 450 readings are listed: type a time to find an older one." in c.value
               for c in at.caption)
    oldest = stored.iloc[0]
    at.text_input(key="corr_find").input(f"{local(oldest['measured_at']):%H:%M}").run()
    offered = at.selectbox(key="corr_reading").options
    assert offered[0].startswith(f"#{oldest['id']} at {local(oldest['measured_at']):%H:%M}:")
    assert all(f" at {local(oldest['measured_at']):%H:%M}:" in label for label in offered)
    at.selectbox(key="corr_reading").set_value(int(oldest["id"])).run()
    assert not at.exception
    assert at.text_input(key="corr_sbp").value == f"{oldest['sbp']:g}"  # prefilled from the old reading
    at.text_input(key="corr_find").input("25:99").run()
    assert any("'25:99' is not a clock time" in c.value for c in at.caption)
    assert at.selectbox(key="corr_reading").value == int(oldest["id"])  # the choice survives the search
