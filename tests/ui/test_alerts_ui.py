"""Alerts on the Record page and the supervisors' Protocols page, under AppTest."""

from __future__ import annotations

from datetime import timedelta

from dashboard.core.clock import utcnow
from dashboard.core.roles import Actor
from dashboard.services.protocols import Protocols, bootstrap
from dashboard.services.records import Records
from dashboard.store import sessions as store_sessions
from tests.ui.helpers import VIEWS, button, minutes_ago, open_app


def started(app_env, today_session):
    bootstrap(app_env)
    Records(app_env, Actor("setup", "nurse"), "America/New_York").start_infusion(
        today_session, utcnow() - timedelta(minutes=20))


def test_critical_reading_raises_a_banner_a_toast_and_an_alert_to_acknowledge(app_env, today_session):
    started(app_env, today_session)
    at = open_app(today_session)
    at.text_input(key="entry_time").input(f"{minutes_ago(2):%H:%M}")
    for key, value in dict(sbp="186", dbp="104", hr="90", spo2="97", rr="16").items():
        at.text_input(key=f"entry_{key}").input(value)
    button(at, "Save reading").click().run()
    assert not at.exception
    assert any("New high-priority alert" in t.value for t in at.toast)
    assert any("SBP critical" in e.value for e in at.error)  # the banner
    alerts = at.dataframe[0].value
    assert "SBP critical (peak 186)" in alerts["Alert"].tolist()

    alert_id = int(alerts[alerts["Alert"] == "SBP critical (peak 186)"]["#"].iloc[0])
    at.selectbox(key="ack_alert").set_value(alert_id)
    at.selectbox(key="ack_action").set_value("Notified the prescriber")
    at.text_input(key="ack_note").input("Dr Lee: slow the rate")
    button(at, "Acknowledge").click().run()
    at.run()
    assert not any("SBP critical" in e.value for e in at.error)
    row = at.dataframe[0].value.set_index("#").loc[alert_id]
    assert "Notified the prescriber (Dr Lee: slow the rate)" in row["Acknowledged"]


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
