"""What the records service files, on both databases: times to the second, late entries, one session a day."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dashboard.core.clock import today_in, utcnow
from dashboard.core.roles import Actor
from dashboard.services.alerting import Alerting
from dashboard.services.protocols import Protocols
from dashboard.services.records import Records, SecondSession
from dashboard.store.errors import Conflict

TZ = "America/New_York"
NURSE, SUPERVISOR = Actor("ana", "nurse"), Actor("sam", "supervisor")


@pytest.fixture
def engine(clinic_engine):
    return clinic_engine


@pytest.fixture
def records(engine):
    return Records(engine, NURSE, TZ)


@pytest.fixture
def session_id(records):
    return records.open_session(today_in(TZ), patient_code="P-7001", new_patient=True)


def _local(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(TZ))


def test_a_reading_without_a_set_time_is_filed_at_the_moment_of_saving(records, session_id, clock):
    before = utcnow()
    clock.advance(75)  # the form was drawn, the nurse typed for 75 s
    result, reading_id = records.record_reading(session_id, {"hr": "72"})
    stored = records.readings(session_id).iloc[0]
    assert stored["measured_at"] - before >= timedelta(seconds=75)
    assert abs(stored["measured_at"] - stored["entered_at"]) < timedelta(seconds=1)
    assert stored["measured_at"] == result.measured_at  # what the page says is what was stored


def test_a_bp_seconds_after_the_start_is_an_infusion_reading_not_a_pre_dose_one(records, session_id, clock):
    records.start_infusion(session_id)
    started = records.session(session_id).infusion_started_at
    clock.advance(5)
    result, _ = records.record_reading(session_id, {"sbp": "185", "dbp": "112"})
    assert not result.problems
    assert started != started.replace(second=0, microsecond=0)  # the start keeps its seconds
    assert started < result.measured_at <= started + timedelta(seconds=6)  # filed after it, not at hh:mm:00
    alerts = Alerting(records.engine, NURSE).alerts(session_id)
    assert "pre_dose_caution" not in alerts["rule"].tolist()
    assert "pre-infusion" not in " ".join(alerts["message"])


def test_a_late_entry_keeps_its_clinic_clock_time_and_the_entry_time(records, session_id, clock):
    clock.advance(0)
    measured = _local(utcnow() - timedelta(minutes=12))
    if measured.date() != today_in(TZ):
        pytest.skip("too close to midnight at the clinic")
    result, _ = records.record_reading(session_id, {"hr": "70"}, measured_at=f"{measured:%H:%M:%S}")
    stored = records.readings(session_id).iloc[0]
    assert f"{_local(stored['measured_at']):%H:%M:%S}" == f"{measured:%H:%M:%S}"
    assert stored["entered_at"] - stored["measured_at"] > timedelta(minutes=11)


def test_an_unreadable_time_is_named_with_the_vitals_problems_and_nothing_is_stored(records, session_id):
    result, reading_id = records.record_reading(session_id, {"hr": "400"}, measured_at="9.5")
    assert reading_id is None and records.readings(session_id, history=True).empty
    assert "'9.5' is not a clock time" in result.by_field()["measured_at"] and "hr" in result.by_field()


def test_a_future_time_is_refused_in_clinic_time(records, session_id):
    now = _local(utcnow())
    if now.hour >= 23:
        pytest.skip("too close to midnight at the clinic")
    result, _ = records.record_reading(session_id, {"hr": "70"}, measured_at="23:59:30")
    assert result.by_field()["measured_at"].startswith("23:59:30 is in the future (now ")


def test_a_correction_with_the_time_unchanged_keeps_the_original_moment(records, session_id, clock):
    _, original = records.record_reading(session_id, {"hr": "77"})
    first = records.readings(session_id).iloc[0]["measured_at"]
    clock.advance(120)
    shown = f"{_local(first):%H:%M:%S}"  # the time the correction form shows, to the second
    result, corrected = records.correct_reading(original, {"hr": "71"}, reason="typo", measured_at=shown)
    assert not result.problems
    assert records.readings(session_id).iloc[0]["measured_at"] == first


def test_events_are_filed_at_the_moment_of_saving_or_the_set_time(records, session_id, clock):
    clock.advance(40)
    records.add_event(session_id, "side_effect", "Nausea", severity="severe")
    events = records.events(session_id)
    assert abs(events["occurred_at"].iloc[0] - events["entered_at"].iloc[0]) < timedelta(seconds=1)
    with pytest.raises(Conflict, match="'7 pm' is not a clock time"):
        records.add_event(session_id, "moaa_s", "MOAA/S", score=4, occurred_at="7 pm")
    if _local(utcnow()).hour < 23:
        with pytest.raises(Conflict, match=r"23:59:00 is in the future"):
            records.add_event(session_id, "moaa_s", "MOAA/S", score=4, occurred_at="23:59")
    assert len(records.events(session_id)) == 1


def test_a_second_session_the_same_day_is_refused_unless_confirmed(records, session_id, clock):
    records.start_infusion(session_id)
    started = f"{_local(records.session(session_id).infusion_started_at):%H:%M}"
    with pytest.raises(SecondSession) as refused:
        records.open_session(today_in(TZ), patient_code="P-7001", new_patient=False)
    assert f"S-0001, infusion 1, infusing since {started}" in str(refused.value)
    assert isinstance(refused.value, Conflict) and len(records.sessions()) == 1
    second = records.open_session(today_in(TZ), patient_code="P-7001", new_patient=False, confirm_second=True)
    assert records.session(second).infusion_number == 2 and len(records.sessions()) == 2


def test_another_day_needs_no_confirmation_and_continues_the_series(records, session_id):
    tomorrow = today_in(TZ) + timedelta(days=1)
    nxt = records.open_session(tomorrow, patient_code="P-7001", new_patient=False, weight_kg=81.3)
    created = records.session(nxt)
    assert created.infusion_number == 2 and created.planned_dose_mg == 40.6


def test_a_new_session_runs_under_the_patients_protocol_else_the_clinics(engine, records, session_id):
    clinic = records.session(session_id).protocol
    assert clinic == "IV ketamine clinic default"
    protocols = Protocols(engine, SUPERVISOR)
    other = next(name for name in protocols.names() if name != clinic)
    patient_id = records.session(session_id).patient_id
    protocols.assign("patient", patient_id, other, reason="high usual BP")
    later = records.open_session(today_in(TZ) + timedelta(days=2), patient_code="P-7001", new_patient=False)
    assert records.session(later).protocol == other
