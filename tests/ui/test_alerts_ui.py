"""Alerts on the Record page and the supervisors' Protocols page, under AppTest."""

from __future__ import annotations

from datetime import timedelta

from dashboard.core.clock import utcnow
from dashboard.core.roles import Actor
from dashboard.services.protocols import Protocols, bootstrap
from dashboard.services.records import Records
from dashboard.store import sessions as store_sessions
from tests.ui.helpers import VIEWS, button, errors, minutes_ago, open_app


def started(app_env, today_session, minutes_ago: int = 10):
    bootstrap(app_env)
    Records(app_env, Actor("setup", "nurse"), "America/New_York").start_infusion(
        today_session, utcnow() - timedelta(minutes=minutes_ago))


def enter_reading(at, minutes, **values):
    at.text_input(key="entry_time").input(f"{minutes_ago(minutes):%H:%M:%S}")
    for key, value in values.items():
        at.text_input(key=f"entry_{key}").input(value)
    button(at, "Save reading").click().run()
    assert not at.exception


def banners(at) -> list[str]:
    return [e.value for e in at.error if "Acknowledge it below" in e.value]


def test_one_185_112_reading_is_one_banner_one_toast_and_one_acknowledgement(app_env, today_session):
    started(app_env, today_session)
    at = open_app(today_session)
    enter_reading(at, 2, sbp="185", dbp="112", hr="90", spo2="97", rr="16")
    toasts = [t.value for t in at.toast]
    assert len(toasts) == 1 and toasts[0].startswith("New high-priority alert: SBP 185 beyond critical")
    assert len(banners(at)) == 1
    assert all(rule in banners(at)[0] for rule in ("SBP 185", "DBP 112", "MAP 136", "2 or more vitals"))
    events = at.dataframe[0].value
    assert len(events) == 1 and events["Priority"].tolist() == ["high"]
    assert len(at.dataframe[1].value) == 4  # the rule-level detail is kept: SBP, DBP, MAP, escalation

    at.multiselect(key="ack_actions").set_value(["Re-checked: reading confirmed", "Notified the prescriber"])
    at.text_input(key="ack_note").input("Dr Lee: slow the rate")
    button(at, "Acknowledge").click().run()
    assert not at.exception
    assert banners(at) == []
    acked = at.dataframe[0].value["Acknowledged"].iloc[0]
    assert "Re-checked: reading confirmed; Notified the prescriber (Dr Lee: slow the rate)" in acked


def test_acknowledging_without_an_action_says_what_is_missing(app_env, today_session):
    started(app_env, today_session)
    at = open_app(today_session)
    enter_reading(at, 2, sbp="185", dbp="112")
    button(at, "Acknowledge").click().run()
    assert any("choose what was done" in e for e in errors(at))
    assert len(banners(at)) == 1


def test_discharge_refused_shows_the_reasons_and_an_override_discharges(app_env, today_session):
    started(app_env, today_session)
    at = open_app(today_session)
    enter_reading(at, 2, sbp="185", dbp="112")
    button(at, "■ Stop infusion").click().run()
    button(at, "Discharge").click().run()
    refusal = next(e.value for e in at.error if "Discharge refused" in e.value)
    assert "high-priority alert since" in refusal and "not acknowledged" in refusal
    assert "at least 30 min after infusion stop" in refusal
    assert at.metric[0].value == "recovery"

    button(at, "Discharge anyway").click().run()
    assert any("say why the patient is discharged anyway" in e for e in errors(at))
    at.text_input(key="discharge_override").input("prescriber reviewed; escort waiting")
    button(at, "Discharge anyway").click().run()
    assert not at.exception
    assert at.metric[0].value == "discharged"
    assert any("Discharged at" in i.value and "late entries" in i.value for i in at.info)
    assert all("active" != u for u in at.dataframe[0].value["Until"])  # ended at discharge
    assert "(at discharge)" in at.dataframe[0].value["Until"].iloc[0]


def test_chart_bands_follow_the_sessions_protocol(app_env, today_session):
    bootstrap(app_env)
    supervisor = Protocols(app_env, Actor("sam", "supervisor"))
    protocol = supervisor.current("IV ketamine clinic default").model_copy(deep=True)
    protocol.name, protocol.limits["sbp"].critical_high = "High usual BP", 195
    supervisor.save(protocol.model_dump(), reason="usual BP 160/95")
    session = store_sessions.get_session(app_env, today_session)
    supervisor.assign("patient", session.patient_id, "High usual BP", reason="usual BP 160/95")
    at = open_app(today_session)
    from tests.ui.helpers import chart_spec
    lines = {s["y0"] for s in chart_spec(at)["layout"]["shapes"] if s.get("yref") == "y" and s["type"] == "line"}
    assert 195 in lines and 180 not in lines
    assert "High usual BP v1 (patient override)" in at.caption[0].value.replace("\\", "")


def test_sessions_list_shows_alerts_waiting_for_acknowledgement(app_env):
    from dashboard.seed import load_samples
    load_samples(app_env)
    at = open_app(role="nurse", user="ana")
    at.switch_page(str(VIEWS / "sessions.py")).run()
    table = at.dataframe[0].value.set_index("Session")
    assert table.loc["S-0001", "Alerts to acknowledge"] == 0
    assert table.loc["S-0002", "Alerts to acknowledge"] >= 3  # SBP, DBP critical and the escalation
