"""Signing a session off, on SQLite and PostgreSQL: refused with reasons while a high alert waits, warnings kept
with the signature, the password checked like a sign-in, supervisors only, and the lock: later entries are
addenda while the signed version stays as it was."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from dashboard.core.addenda import addenda_lines, events_as_signed, locked_at, readings_as_signed
from dashboard.core.roles import SYSTEM_ACTOR, Actor, PermissionDenied
from dashboard.services import accounts
from dashboard.services.accounts import Accounts, PasswordRefused, SignInFailed
from dashboard.services.alerting import Alerting
from dashboard.services.audit_trail import audit_entries
from dashboard.services.records import Records
from dashboard.services.signoffs import Signoffs, SignoffRefused, WarningsNotSeen
from dashboard.store.errors import Conflict
from tests.signoff_clinic import OVERRIDE, PASSWORD, STAFF, TZ, at, build_clinic, snapshot

SAM, SUE = STAFF["supervisor"], STAFF["second"]


@pytest.fixture
def clinic(clinic_engine, monkeypatch):
    monkeypatch.setenv("SIGNIN_FAILURE_DELAY_S", "0")
    return build_clinic(clinic_engine)


def signer(clinic, who: Actor = SAM) -> Signoffs:
    return Signoffs(clinic.engine, who, TZ)


def sign(clinic, who: Actor = SAM, meaning: str = "reviewed", password: str = PASSWORD):
    service = signer(clinic, who)
    return service.sign(clinic.session_id, password=password, meaning=meaning,
                        acknowledge_warnings=service.check(clinic.session_id).warnings)


def versions(history) -> list[list]:
    """What a reader sees of each reading version: which, when, the values, and whether it was in force."""
    return history.assign(replaced_by=history["replaced_by"].fillna(0))[
        ["id", "measured_at", "sbp", "dbp", "hr", "entered_by", "replaced_by", "is_current"]].values.tolist()


def failed_attempts(engine, username: str) -> int:
    return int(accounts.store_users.get_user(engine, username).failed_attempts)


def test_signing_is_refused_with_each_reason_while_a_high_alert_is_unacknowledged(clinic):
    before = snapshot(clinic.engine)
    found = signer(clinic).check(clinic.session_id)
    assert len(found.refusals) == 1 and found.refusals[0].startswith("high-priority alert since ")
    assert "not acknowledged (SBP 196 beyond critical, " in found.refusals[0]
    with pytest.raises(SignoffRefused, match="signing refused: high-priority alert") as refused:
        sign(clinic)
    assert refused.value.reasons == found.refusals
    assert snapshot(clinic.engine) == before  # no signature, no audit entry, the password not even tried
    assert signer(clinic).signoffs(clinic.session_id) == []


def test_warnings_must_be_read_and_are_kept_with_the_signature(clinic):
    clinic.acknowledge()
    service = signer(clinic)
    warnings = service.check(clinic.session_id).warnings
    assert len(warnings) == 1 and warnings[0].startswith("discharged although the checks refused it")
    assert "not acknowledged (SBP 196 beyond critical" in warnings[0]
    assert warnings[0].endswith(f"reason given: {OVERRIDE}")
    before = snapshot(clinic.engine)
    with pytest.raises(WarningsNotSeen, match="read these warnings") as unseen:
        service.sign(clinic.session_id, password=PASSWORD, meaning="reviewed")
    assert unseen.value.warnings == warnings and snapshot(clinic.engine) == before

    signed = service.sign(clinic.session_id, password=PASSWORD, meaning="reviewed", acknowledge_warnings=warnings)
    stored, = service.signoffs(clinic.session_id)
    assert stored == signed
    assert (stored.signer_name, stored.signed_by, stored.meaning, stored.warnings) == (
        "Sam Smith", "sam", "reviewed", tuple(warnings))
    assert stored.stamp(TZ).startswith("Signed (reviewed) by Sam Smith at ")
    entry = audit_entries(clinic.engine, SAM, action="session.sign_off").iloc[0]
    assert (entry["actor"], entry["role"], int(entry["session_id"])) == ("sam", "supervisor", clinic.session_id)
    assert "Sam Smith" in entry["after"] and OVERRIDE.split(";")[0] in entry["after"]


def test_gaps_of_a_session_without_its_discharge_are_warnings_not_refusals(clinic):
    clinic.acknowledge()
    nurse = Records(clinic.engine, STAFF["nurse"], TZ)
    sid = nurse.open_session(at(0).astimezone(ZoneInfo(TZ)).date(), patient_code="P-7002", new_patient=True, code="S-0002",
                             protocol="IV ketamine clinic default", infusion_number=1)
    nurse.start_infusion(sid, at(0))
    assert signer(clinic).check(sid).refusals == [
        f"the infusion is still running (since {at(0).astimezone(ZoneInfo(TZ)):%H:%M}): sign once it has stopped"]
    nurse.record_reading(sid, {"sbp": "140", "dbp": "88", "hr": "80"}, measured_at=at(38))
    nurse.stop_infusion(sid, at(45))
    found = signer(clinic).check(sid)
    assert found.refusals == []
    assert [w.split(":")[0] for w in found.warnings] == ["no discharge time", "no REMS blood pressure before dosing",
                                                         "no REMS blood pressure before discharge"]
    signed = signer(clinic).sign(sid, password=PASSWORD, meaning="reviewed", acknowledge_warnings=found.warnings)
    assert list(signed.warnings) == found.warnings


def test_a_wrong_password_is_refused_logged_and_counted_as_a_failed_sign_in(clinic):
    clinic.acknowledge()
    with pytest.raises(PasswordRefused, match="password is not right"):
        sign(clinic, password="not my password")
    assert signer(clinic).signoffs(clinic.session_id) == []
    assert failed_attempts(clinic.engine, "sam") == 1
    logged = audit_entries(clinic.engine, SAM, action="sign_off.refused_password")
    assert logged[["actor", "session_id"]].values.tolist() == [["sam", clinic.session_id]]
    for _ in range(accounts.LOCK_AFTER - 2):  # failed sign-ins and wrong signing passwords count together
        with pytest.raises(SignInFailed):
            accounts.sign_in(clinic.engine, "sam", "still not it")
    with pytest.raises(PasswordRefused, match="not right"):
        sign(clinic, password="nor this")
    with pytest.raises(PasswordRefused, match="Too many wrong passwords"):
        sign(clinic)  # locked: even the right password waits
    with pytest.raises(SignInFailed, match="Too many failed sign-ins"):
        accounts.sign_in(clinic.engine, "sam", PASSWORD)
    assert signer(clinic).signoffs(clinic.session_id) == []


def test_a_right_password_clears_the_failed_count(clinic):
    clinic.acknowledge()
    with pytest.raises(PasswordRefused):
        sign(clinic, password="typo typo typo")
    sign(clinic)
    assert failed_attempts(clinic.engine, "sam") == 0


@pytest.mark.parametrize("who", [STAFF["nurse"], STAFF["trainer"], STAFF["admin"], SYSTEM_ACTOR],
                         ids=["nurse", "trainer", "admin", "system"])
def test_only_a_supervisor_signs(clinic, who):
    clinic.acknowledge()
    before = snapshot(clinic.engine)
    with pytest.raises(PermissionDenied, match="sign off|needs a person"):
        signer(clinic, who).sign(clinic.session_id, password=PASSWORD, meaning="approved",
                                 acknowledge_warnings=signer(clinic).check(clinic.session_id).warnings)
    assert snapshot(clinic.engine) == before


def test_an_account_demoted_since_it_signed_in_cannot_sign(clinic):
    clinic.acknowledge()
    Accounts(clinic.engine, SYSTEM_ACTOR).set_role("sam", "nurse")
    with pytest.raises(PermissionDenied, match="no longer a supervisor"):
        sign(clinic)  # the page still holds sam's supervisor sign-in
    assert signer(clinic, SUE).signoffs(clinic.session_id) == []


def test_a_signature_means_reviewed_or_approved(clinic):
    clinic.acknowledge()
    before = snapshot(clinic.engine)
    with pytest.raises(Conflict, match="reviewed, approved"):
        sign(clinic, meaning="seen")
    assert snapshot(clinic.engine) == before


def test_after_signing_new_entries_are_kept_as_addenda_and_the_signed_version_stays(clinic):
    clinic.acknowledge()
    nurse = Records(clinic.engine, STAFF["nurse"], TZ)
    history_signed = nurse.readings(clinic.session_id, history=True)
    events_signed = nurse.events(clinic.session_id)
    signed = sign(clinic)

    _, late = nurse.record_reading(clinic.session_id, {"sbp": "204", "dbp": "96", "hr": "88"}, measured_at=at(95))
    assert late is not None  # nothing is lost: accepted after the signature
    assert not nurse.raised.empty  # a critical value in an addendum still raises its alert
    result, corrected = nurse.correct_reading(clinic.readings["forty"], {"sbp": "150", "dbp": "90", "hr": "80"},
                                              reason="diastolic misread")
    assert not result.problems
    nurse.add_event(clinic.session_id, "moaa_s", "MOAA/S", score=4, occurred_at=at(60))

    history = nurse.readings(clinic.session_id, history=True)
    events = nurse.events(clinic.session_id)
    locked = locked_at(signer(clinic).signoffs(clinic.session_id))
    assert locked == signed.signed_at
    lines = addenda_lines(history, events, locked, TZ)
    assert [line.split(",")[0] for line in lines] == [
        f"Reading #{late}", f"Correction #{corrected} of reading #{clinic.readings['forty']} (diastolic misread)",
        "Event MOAA/S 4 at " + lines[2].split(" at ")[1].split(",")[0]]
    assert all(" by ana" in line for line in lines)
    assert versions(readings_as_signed(history, locked)) == versions(history_signed)
    assert events_as_signed(events, locked)["id"].tolist() == events_signed["id"].tolist()

    # the alert the addendum raised waits for acknowledgement: no further signature until it is handled
    refusals = signer(clinic, SUE).check(clinic.session_id).refusals
    assert len(refusals) == 1 and "SBP 204" in refusals[0]
    assert Alerting(clinic.engine, SAM).unacknowledged_high().get(clinic.session_id) == 1


def test_a_reviewer_and_an_approver_both_sign_and_every_signature_is_kept(clinic):
    clinic.acknowledge()
    sign(clinic, SAM, "reviewed")
    with pytest.raises(SignoffRefused, match="already signed this session as reviewed"):
        sign(clinic, SAM, "reviewed")  # nothing new to say
    sign(clinic, SUE, "approved")
    Records(clinic.engine, STAFF["nurse"], TZ).add_event(clinic.session_id, "note", "Called patient: well",
                                                         occurred_at=at(110))
    warnings = signer(clinic).check(clinic.session_id).warnings
    assert warnings[-1].startswith("1 entry added after the first signature (reviewed by Sam Smith at ")
    sign(clinic, SAM, "reviewed")  # a new review covering the addendum
    assert [(s.signed_by, s.meaning) for s in signer(clinic, STAFF["nurse"]).signoffs(clinic.session_id)] == [
        ("sam", "reviewed"), ("sue", "approved"), ("sam", "reviewed")]
    assert len(audit_entries(clinic.engine, SAM, action="session.sign_off")) == 3
