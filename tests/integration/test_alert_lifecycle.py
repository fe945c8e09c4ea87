"""Alerts as nurses and supervisors live with them: raised on entry, withdrawn by a correction,
acknowledged with what was done, reminding when ignored; protocols versioned and pinned per session."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from dashboard.core.roles import Actor, PermissionDenied
from dashboard.seed import load_samples
from dashboard.services.alerting import ACK_ACTIONS, Alerting, needs_attention
from dashboard.services.audit_trail import audit_entries
from dashboard.services.protocols import Protocols, bootstrap, resolve
from dashboard.services.records import Records
from dashboard.store import sessions as store_sessions
from dashboard.store.db import get_engine
from dashboard.store.errors import Conflict

NURSE, SUPERVISOR, TRAINER = Actor("ana", "nurse"), Actor("sam", "supervisor"), Actor("tia", "trainer")
NOW = datetime.now(timezone.utc).replace(second=0, microsecond=0)


@pytest.fixture
def engine(clinic_engine):
    return clinic_engine


@pytest.fixture
def session_id(engine):
    records = Records(engine, NURSE, "UTC")
    sid = records.open_session(NOW.date(), patient_code="P-9", new_patient=True, protocol="IV ketamine clinic default")
    records.start_infusion(sid, NOW - timedelta(minutes=30))
    return sid


def enter(engine, session_id, minutes_ago, **values):
    records = Records(engine, NURSE, "UTC")
    result, reading_id = records.record_reading(session_id, {k: str(v) for k, v in values.items()},
                                                measured_at=NOW - timedelta(minutes=minutes_ago))
    assert not result.problems, result.problems
    return reading_id, records.raised


def test_a_critical_reading_raises_a_stored_high_priority_alert(engine, session_id):
    _, raised = enter(engine, session_id, 20, sbp=120, dbp=80, hr=142)
    assert raised[["priority", "summary"]].values.tolist() == [["high", "High: HR 142 beyond critical"]]
    stored = Alerting(engine, NURSE).alerts(session_id)
    assert stored["priority"].tolist() == ["high"] and stored["peak_value"].tolist() == [142]
    assert "alert.raise" in audit_entries(engine, SUPERVISOR)["action"].tolist()


def test_a_second_reading_back_to_normal_clears_it(engine, session_id):
    enter(engine, session_id, 20, hr=142)
    enter(engine, session_id, 15, hr=80)
    stored = Alerting(engine, NURSE).alerts(session_id)
    assert stored["ended_at"].tolist() == [pd.Timestamp(NOW - timedelta(minutes=15))]


def test_correcting_the_reading_withdraws_the_alert(engine, session_id):
    reading_id, _ = enter(engine, session_id, 20, sbp=212, dbp=80)
    Records(engine, NURSE, "UTC").correct_reading(reading_id, {"sbp": "122", "dbp": "80"}, reason="transposed",
                                                   measured_at=NOW - timedelta(minutes=20))
    stored = Alerting(engine, NURSE).alerts(session_id)
    assert stored["withdrawn_at"].notna().all() and len(stored) >= 1
    events = Alerting(engine, NURSE).events(session_id)
    assert events["withdrawn_at"].notna().all() and needs_attention(events, 3, NOW).empty


def test_high_priority_latches_until_acknowledged_then_reminds_while_active(engine, session_id):
    enter(engine, session_id, 20, spo2=88)
    alerting = Alerting(engine, NURSE)
    assert len(needs_attention(alerting.events(session_id), 3, NOW)) == 1
    event_id = int(alerting.events(session_id)["id"].iloc[0])
    with pytest.raises(Conflict, match="say what was done"):
        alerting.acknowledge_event(event_id, [ACK_ACTIONS[-1]], "")
    with pytest.raises(Conflict, match="choose what was done"):
        alerting.acknowledge_event(event_id, [], "chin lift")
    alerting.acknowledge_event(event_id, ["Verbal stimulation / airway support"], "chin lift, SpO2 rising")
    events = alerting.events(session_id)
    assert events["acked_by"].tolist() == ["ana"] and events["ack_actions"].iloc[0][0].startswith("Verbal")
    assert needs_attention(events, 3, datetime.now(timezone.utc)).empty
    later = datetime.now(timezone.utc) + timedelta(minutes=4)
    assert len(needs_attention(events, 3, later)) == 1  # still active 4 min after: remind again
    enter(engine, session_id, 5, spo2=97)
    assert needs_attention(alerting.events(session_id), 3, later).empty  # cleared: no reminder
    entry = audit_entries(engine, SUPERVISOR, action="alert.acknowledge").iloc[0]
    assert "chin lift" in entry["after"] and entry["actor"] == "ana"


def test_trainers_cannot_acknowledge_or_edit_protocols(engine, session_id):
    enter(engine, session_id, 20, hr=145)
    event_id = int(Alerting(engine, NURSE).events(session_id)["id"].iloc[0])
    with pytest.raises(PermissionDenied):
        Alerting(engine, TRAINER).acknowledge_event(event_id, [ACK_ACTIONS[0]])
    with pytest.raises(PermissionDenied):
        Protocols(engine, NURSE).save({"name": "x", "limits": {}}, reason="try")


def test_protocol_edit_is_a_new_version_and_sessions_keep_theirs(engine, session_id):
    protocols = Protocols(engine, SUPERVISOR)
    name = "IV ketamine clinic default"
    draft = protocols.current(name).model_copy(deep=True)
    draft.limits["hr"].critical_high = 150
    saved = protocols.save(draft.model_dump(), reason="fewer HR alarms for anxious patients")
    assert saved.version == 2
    history = protocols.history(name)
    assert history["version"].tolist() == [2, 1] and history["reason"].iloc[0].startswith("fewer HR")
    session = store_sessions.get_session(engine, session_id)
    pinned, _, source = resolve(engine, session)
    assert source == "pinned at infusion start" and pinned.version == 1 and pinned.limits["hr"].critical_high == 140
    assert "protocol.version" in audit_entries(engine, SUPERVISOR)["action"].tolist()


def test_protocol_validation_messages_are_plain(engine):
    protocols = Protocols(engine, SUPERVISOR)
    bad = protocols.current("IV ketamine clinic default").model_dump()
    bad["limits"]["sbp"]["warning_high"] = 190  # above the critical limit 180
    with pytest.raises(Conflict, match="warning high .190. must be below critical high .180."):
        protocols.save(bad, reason="oops")
    bad = protocols.current("IV ketamine clinic default").model_dump()
    bad["limits"]["spo2"] = {"critical_low": 0.90, "warning_low": 0.92}  # a fraction, not a percentage
    with pytest.raises(Conflict, match="check the units"):
        protocols.save(bad, reason="oops")
    with pytest.raises(Conflict, match="not valid JSON"):
        protocols.save("{limits: }", reason="oops")


def test_overrides_resolve_session_then_patient_then_clinic(engine):
    records = Records(engine, NURSE, "UTC")
    sid = records.open_session(NOW.date(), patient_code="P-HIGH", new_patient=True, protocol="p")
    session = store_sessions.get_session(engine, sid)
    protocols = Protocols(engine, SUPERVISOR)
    assert resolve(engine, session)[2] == "clinic default"
    usual_high = protocols.current("IV ketamine clinic default").model_copy(deep=True)
    usual_high.name = "IV ketamine, usual BP 150/95"
    usual_high.pre_dose_caution.sbp = 160
    protocols.save(usual_high.model_dump(), reason="patient's usual BP is high")
    protocols.assign("patient", session.patient_id, usual_high.name, reason="usual BP 150/95")
    protocol, _, source = resolve(engine, session)
    assert source == "patient override" and protocol.pre_dose_caution.sbp == 160
    protocols.assign("session", sid, "Esketamine nasal spray (REMS-style)", reason="esketamine today")
    assert resolve(engine, session)[0].name == "Esketamine nasal spray (REMS-style)"


def test_sample_sessions_raise_what_a_clinician_expects(engine):
    load_samples(engine)
    by_code = {s.code: s.id for s in store_sessions.list_sessions(engine)}
    alerting = Alerting(engine, SUPERVISOR)

    def kinds(code):
        alerts = alerting.alerts(by_code[code])
        alerts = alerts[alerts["withdrawn_at"].isna()]
        return set(zip(alerts["rule"], alerts["vital"], alerts["level"], strict=True))

    assert kinds("S-0001") == set()
    assert {("limit", "sbp", "critical"), ("limit", "dbp", "critical"), ("baseline_change", "sbp", "baseline"),
            ("multiple_warnings", "several", "escalation")} <= kinds("S-0002")
    assert {("limit", "hr", "warning"), ("limit", "hr", "critical")} <= kinds("S-0003")
    assert {("limit", "spo2", "critical"), ("limit", "rr", "warning")} <= kinds("S-0004")
    assert ("limit", "hr", "critical") not in kinds("S-0005")  # the artifact was marked entered in error
    for code in ("S-0006", "S-0011"):
        assert kinds(code) == set()


def test_what_if_counts_and_names_the_sessions_that_differ(engine):
    load_samples(engine)
    protocols = Protocols(engine, SUPERVISOR)
    ids = [s.id for s in store_sessions.list_sessions(engine)]
    draft = protocols.current("IV ketamine clinic default").model_copy(deep=True)
    draft.limits["hr"].critical_high = 150
    result = protocols.what_if(draft, "IV ketamine clinic default", ids)
    assert result.totals.loc["high", "draft"] < result.totals.loc["high", "current"]
    s0003 = store_sessions.find_session(engine, "S-0003").id
    assert result.differing["session_id"].tolist() == [s0003]


# alert events, acknowledgement per event, guarded discharge
def enter_185_112(engine, session_id):
    """Baseline 129/81, then 172/86 and 185/112 during the infusion (MAP computed)."""
    enter(engine, session_id, 40, sbp=130, dbp=80, hr=80)
    enter(engine, session_id, 35, sbp=128, dbp=82, hr=80)
    enter(engine, session_id, 25, sbp=172, dbp=86, hr=84)
    return enter(engine, session_id, 20, sbp=185, dbp=112, hr=88)[1]


@pytest.fixture
def baseline_session(engine):
    records = Records(engine, NURSE, "UTC")
    sid = records.open_session(NOW.date(), patient_code="P-185", new_patient=True,
                               protocol="IV ketamine clinic default")
    records.start_infusion(sid, NOW - timedelta(minutes=30))
    return sid


def test_one_reading_is_one_event_and_one_ack_with_two_actions_covers_every_rule(engine, baseline_session):
    raised = enter_185_112(engine, baseline_session)
    assert len(raised) == 1 and raised["priority"].iloc[0] == "high"
    assert raised["summary"].iloc[0].startswith("High: SBP 185 beyond critical, DBP 112 beyond critical, MAP")
    alerting = Alerting(engine, NURSE)
    events = alerting.events(baseline_session)
    event_id = int(events["id"].iloc[-1])
    members = alerting.alerts(baseline_session).query("event_id == @event_id")
    assert {"sbp", "dbp", "map", "several"} <= set(members["vital"]) and len(members) >= 5
    assert len(needs_attention(events, 3, NOW)) == 1  # one banner, not four
    assert Alerting(engine, SUPERVISOR).unacknowledged_high() == {baseline_session: 1}

    alerting.acknowledge_event(event_id, ["Re-checked: reading confirmed", "Notified the prescriber"], "Dr Lee")
    events = alerting.events(baseline_session)
    assert events.set_index("id").loc[event_id, "ack_actions"] == ["Re-checked: reading confirmed",
                                                                 "Notified the prescriber"]
    assert needs_attention(events, 3, NOW).empty
    members = alerting.alerts(baseline_session).query("event_id == @event_id")
    assert (members["acked_by"] == "ana").all()  # every rule of the event carries the acknowledgement
    assert alerting.unacknowledged_high() == {}


def stored_state(engine, session_id):
    alerting = Alerting(engine, SUPERVISOR)
    return (Records(engine, SUPERVISOR, "UTC").session(session_id), len(alerting.alerts(session_id)),
            len(alerting.events(session_id)), len(audit_entries(engine, SUPERVISOR)))


def test_discharge_is_refused_with_reasons_and_stores_nothing(engine, baseline_session):
    from dashboard.services.records import DischargeRefused
    enter_185_112(engine, baseline_session)
    records = Records(engine, NURSE, "UTC")
    with pytest.raises(DischargeRefused) as refused:
        records.discharge(baseline_session)
    assert refused.value.reasons == ["high-priority alert since " + (NOW - timedelta(minutes=20)).strftime("%H:%M")
                                     + " not acknowledged (" + refused.value.reasons[0].split("(", 1)[1],
                                     "the infusion is still running: stop it first"]
    assert "SBP 185 beyond critical" in refused.value.reasons[0]
    assert str(refused.value).startswith("discharge refused: high-priority alert since")

    records.stop_infusion(baseline_session, NOW - timedelta(minutes=10))
    event_id = int(Alerting(engine, NURSE).events(baseline_session)["id"].iloc[-1])
    Alerting(engine, NURSE).acknowledge_event(event_id, ["Slowed the infusion", "Notified the prescriber"], None)
    before = stored_state(engine, baseline_session)
    with pytest.raises(DischargeRefused) as refused:
        records.discharge(baseline_session, NOW)
    stop = NOW - timedelta(minutes=10)
    assert refused.value.reasons == [
        f"the protocol observes at least 30 min after infusion stop: not before "
        f"{stop + timedelta(minutes=30):%H:%M} (20 min to go)"]
    assert stored_state(engine, baseline_session) == before  # no discharge, no alert change, no audit row
    assert before[0].discharged_at is None and before[0].status == "recovery"


def test_override_with_a_reason_discharges_and_audits_what_it_overrode(engine, baseline_session):
    enter_185_112(engine, baseline_session)
    records = Records(engine, NURSE, "UTC")
    records.stop_infusion(baseline_session, NOW - timedelta(minutes=10))
    with pytest.raises(Conflict, match="discharge refused"):
        records.discharge(baseline_session, override_reason="  ")  # a blank reason is no reason
    records.discharge(baseline_session, override_reason="escort waiting; prescriber reviewed at bedside")
    session = records.session(baseline_session)
    assert session.status == "discharged"
    entry = audit_entries(engine, SUPERVISOR, action="session.discharge").iloc[0]
    assert "escort waiting" in entry["after"] and "not acknowledged" in entry["after"]
    assert "min after infusion stop" in entry["after"]


def test_after_discharge_nothing_stays_active_and_later_measurements_are_refused(engine, baseline_session):
    records = Records(engine, NURSE, "UTC")
    enter(engine, baseline_session, 25, sbp=165, dbp=85, hr=80)
    enter(engine, baseline_session, 20, sbp=166, dbp=85, hr=80)  # a medium alert, still active
    records.stop_infusion(baseline_session, NOW - timedelta(minutes=10))
    assert Alerting(engine, NURSE).events(baseline_session)["ended_at"].isna().any()
    discharged_at = NOW - timedelta(minutes=5)
    records.discharge(baseline_session, discharged_at, override_reason="observed 30 min in the chair before")
    events = Alerting(engine, NURSE).events(baseline_session)
    assert events["ended_at"].notna().all() and events["ended_at_discharge"].any()
    assert Alerting(engine, NURSE).alerts(baseline_session)["ended_at"].notna().all()

    result, reading_id = records.record_reading(baseline_session, {"sbp": "150", "dbp": "85"},
                                                measured_at=NOW - timedelta(minutes=1))
    assert reading_id is None
    assert "after the discharge" in result.by_field()["measured_at"]
    result, reading_id = records.record_reading(baseline_session, {"sbp": "140", "dbp": "85"},
                                                measured_at=NOW - timedelta(minutes=8))
    assert reading_id is not None  # a late entry measured before discharge
    stored = records.readings(baseline_session).set_index("id").loc[reading_id]
    assert stored["entered_at"] > pd.Timestamp(discharged_at)


@pytest.mark.postgres
def test_the_app_role_acknowledges_events_but_cannot_rewrite_an_acknowledgement(pg_cluster, pg_template):
    import psycopg
    from sqlalchemy.engine import make_url

    from dashboard.store.db import dispose
    from dashboard.store.grants import grant_app_role
    owner_url = pg_cluster.create_database("acks_app_role", template=pg_template)
    owner = get_engine(owner_url)
    with owner.begin() as conn:
        conn.exec_driver_sql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'iv_app') "
                             "THEN CREATE ROLE iv_app LOGIN; END IF; END $$")
    grant_app_role(owner, "iv_app")
    app_url = make_url(owner_url).set(username="iv_app").render_as_string(hide_password=False)
    try:
        app = get_engine(app_url)
        bootstrap(app)
        records = Records(app, NURSE, "UTC")
        sid = records.open_session(NOW.date(), patient_code="P-PG", new_patient=True, protocol="p")
        records.start_infusion(sid, NOW - timedelta(minutes=30))
        enter(app, sid, 20, sbp=190, dbp=115)
        alerting = Alerting(app, NURSE)
        alerting.acknowledge_event(int(alerting.events(sid)["id"].iloc[0]), ["Notified the prescriber"])
        assert alerting.events(sid)["acked_by"].tolist() == ["ana"]
        dsn = make_url(app_url).set(drivername="postgresql").render_as_string(hide_password=False)
        for statement in ("UPDATE alert_event_acks SET note = 'x'", "DELETE FROM alert_event_acks"):
            with psycopg.connect(dsn) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    finally:
        dispose(app_url)
        dispose(owner_url)
        pg_cluster.drop_database("acks_app_role")


def test_cli_alerts_lists_the_events_the_rules_form(sqlite_url):
    import json

    from tests.integration.test_cli import cli
    assert cli("seed", url=sqlite_url).returncode == 0
    out = cli("alerts", "--session", "S-0002", "--json", url=sqlite_url)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert len(report["events"]) < len(report["alerts"])  # several rules per event
    assert sum(e["rules"] for e in report["events"]) == len(report["alerts"])
    assert any(e["summary"].startswith("High: SBP 1") and "beyond critical" in e["summary"] for e in report["events"])
    text = cli("alerts", "--session", "S-0002", url=sqlite_url).stdout
    assert f"{len(report['events'])} event(s)" in text and "High: " in text
