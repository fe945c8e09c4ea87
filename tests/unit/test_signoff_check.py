"""What a supervisor is told before signing: refusals that stop the signature, and gaps to read first."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pandas as pd

from dashboard.core.sessions import Session
from dashboard.core.signoff import Signoff, signoff_check

T0 = datetime(2026, 11, 2, 14, 0, tzinfo=timezone.utc)  # 09:00 in New York
TZ = "America/New_York"


def session(started: float | None = 0, stopped: float | None = 40, discharged: float | None = 100) -> Session:
    def moment(minutes):
        return None if minutes is None else T0 + timedelta(minutes=minutes)
    status = "discharged" if discharged is not None else "recovery" if stopped is not None else \
        "infusing" if started is not None else "planned"
    return Session(1, "S-0001", 1, "P-1", date(2026, 11, 2), 1, "IV ketamine clinic default", None, None,
                   moment(started), moment(stopped), moment(discharged), status)


def readings(*rows) -> pd.DataFrame:
    """rows: (minutes from start, sbp, dbp)."""
    return pd.DataFrame({"id": range(1, len(rows) + 1),
                         "measured_at": pd.to_datetime([T0 + timedelta(minutes=m) for m, _, _ in rows], utc=True),
                         "sbp": [float(s) for _, s, _ in rows], "dbp": [float(d) for _, _, d in rows]})


WHOLE = readings((-5, 122, 80), (40, 150, 92), (95, 126, 81))
NO_ALERTS = pd.DataFrame({"started_at": pd.Series(dtype="datetime64[ns, UTC]"), "summary": pd.Series(dtype=str)})


def check(s: Session = None, *, alerts=NO_ALERTS, rows=WHOLE, overrides=(), addenda=0, first=None):
    return signoff_check(s or session(), unacknowledged_high=alerts, readings=rows,
                         discharge_overrides=list(overrides), addenda=addenda, first_signature=first, tz=TZ)


def test_a_complete_session_signs_without_a_word():
    found = check()
    assert (found.refusals, found.warnings) == ([], [])


def test_each_unacknowledged_high_alert_refuses_in_the_words_of_the_discharge_check():
    alerts = pd.DataFrame({"started_at": pd.to_datetime([T0 + timedelta(minutes=10), T0 + timedelta(minutes=20)],
                                                        utc=True),
                           "summary": ["High: SBP 186 beyond critical", "High: SpO2 88 beyond critical"]})
    assert check(alerts=alerts).refusals == ["high-priority alert since 09:10 not acknowledged (SBP 186 beyond critical)",
                                             "high-priority alert since 09:20 not acknowledged (SpO2 88 beyond critical)"]


def test_a_session_not_over_is_refused_but_a_missing_discharge_is_a_warning():
    assert check(session(None, None, None), rows=WHOLE.iloc[:0]).refusals == [
        "the infusion has not started: there is nothing to sign yet"]
    assert check(session(0, None, None)).refusals == [
        "the infusion is still running (since 09:00): sign once it has stopped"]
    in_recovery = check(session(0, 40, None))
    assert in_recovery.refusals == []
    assert in_recovery.warnings == ["no discharge time: the session is still in recovery (since 09:40)",
                                    "no REMS blood pressure before discharge"]


def test_each_missing_rems_pressure_and_no_readings_are_warnings():
    assert check(rows=readings((35, 150, 92))).warnings == ["no REMS blood pressure before dosing",
                                                          "no REMS blood pressure before discharge"]
    assert check(rows=WHOLE.iloc[:0]).warnings == ["no vital signs recorded"]


def test_an_overridden_discharge_is_a_warning_with_its_reason():
    override = {"reason": "ride arrived, BP rechecked by hand",
                "overridden": ["the protocol observes at least 30 min after infusion stop: not before 09:50"]}
    assert check(overrides=[override]).warnings == [
        "discharged although the checks refused it (the protocol observes at least 30 min after infusion stop: "
        "not before 09:50); reason given: ride arrived, BP rechecked by hand"]


def test_entries_after_the_first_signature_are_named_for_the_next_signer():
    first = Signoff(1, 1, T0 + timedelta(hours=3), "sam", "Sam Smith", "reviewed")
    assert check(first=first, addenda=2).warnings == [
        "2 entries added after the first signature (reviewed by Sam Smith at 2026-11-02 12:00): addenda"]
    assert check(first=first).warnings == []
    assert first.stamp(TZ) == "Signed (reviewed) by Sam Smith at 2026-11-02 12:00"
