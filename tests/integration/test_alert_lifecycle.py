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
def engine(database_url):
    engine = get_engine(database_url)
    bootstrap(engine)
    return engine


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
    assert raised[["rule", "vital", "priority"]].values.tolist() == [["limit", "hr", "high"]]
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
    assert needs_attention(stored, 3, NOW).empty


def test_high_priority_latches_until_acknowledged_then_reminds_while_active(engine, session_id):
    enter(engine, session_id, 20, spo2=88)
    alerting = Alerting(engine, NURSE)
    assert len(needs_attention(alerting.alerts(session_id), 3, NOW)) == 1
    alert_id = int(alerting.alerts(session_id)["id"].iloc[0])
    with pytest.raises(Conflict, match="say what was done"):
        alerting.acknowledge(alert_id, ACK_ACTIONS[-1], "")
    alerting.acknowledge(alert_id, "Verbal stimulation / airway support", "chin lift, SpO2 rising")
    alerts = alerting.alerts(session_id)
    assert alerts["acked_by"].tolist() == ["ana"] and alerts["ack_action"].iloc[0].startswith("Verbal")
    assert needs_attention(alerts, 3, datetime.now(timezone.utc)).empty
    later = datetime.now(timezone.utc) + timedelta(minutes=4)
    assert len(needs_attention(alerts, 3, later)) == 1  # still active 4 min after: remind again
    enter(engine, session_id, 5, spo2=97)
    assert needs_attention(alerting.alerts(session_id), 3, later).empty  # cleared: no reminder
    entry = audit_entries(engine, SUPERVISOR, action="alert.acknowledge").iloc[0]
    assert "chin lift" in entry["after"] and entry["actor"] == "ana"


def test_trainers_cannot_acknowledge_or_edit_protocols(engine, session_id):
    enter(engine, session_id, 20, hr=145)
    alert_id = int(Alerting(engine, NURSE).alerts(session_id)["id"].iloc[0])
    with pytest.raises(PermissionDenied):
        Alerting(engine, TRAINER).acknowledge(alert_id, ACK_ACTIONS[0])
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
