"""Sessions to find on the sessions list: two nurses, three patients, alerts acknowledged or not, signed or not."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from dashboard.core.roles import SYSTEM_ACTOR, Actor
from dashboard.services.accounts import Accounts
from dashboard.services.alerting import ACK_ACTIONS, Alerting
from dashboard.services.records import Records
from dashboard.store import sessions as store_sessions
from dashboard.store import signoffs as store_signoffs

DEFAULT, ESKETAMINE = "IV ketamine clinic default", "Esketamine nasal spray (REMS-style)"
BASE = date.today() - timedelta(days=120)
DAYS = {"A1": BASE, "A2": BASE + timedelta(days=3), "B1": BASE + timedelta(days=36), "B2": BASE + timedelta(days=55)}
ODD_PATIENT = "P-50%_x"  # a code holding LIKE's wildcards


def _start(day: date) -> datetime:
    return datetime.combine(day, time(14, 0), tzinfo=timezone.utc)


def build_review_world(engine) -> dict[str, int]:
    """Needs the shipped protocols stored (the clinic_engine fixture). Returns {name: id}.

    S-A1  P-100  ana  default     infusing   readings 118 before the start, then 120, 196 (critical, not
                                             acknowledged), 125; nausea (mild), MOAA/S 4   not signed
    S-A2  P-100  ana  default     infusing   readings 129 (corrected from 128), 197 (acknowledged); one voided;
                                             reviewed by Sam Smith
    S-B1  P-200  ben  esketamine  planned                                                    not signed
    S-B2  P-200  ben  default     recovery   one calm reading                                approved by Sam Smith
    S-C1  P-50%_x  sam  default   planned, no infusion number, on S-A2's day                 not signed
    """
    admin = Accounts(engine, SYSTEM_ACTOR)
    for username, name, role in (("ana", "Ana Lopez", "nurse"), ("ben", "Ben Okafor", "nurse"),
                                 ("sam", "Sam Smith", "supervisor")):
        admin.add(username, name, role, "correct horse battery", must_change=False)
    ana, ben = Records(engine, Actor("ana", "nurse"), "UTC"), Records(engine, Actor("ben", "nurse"), "UTC")
    ids = {}
    ids["A1"] = ana.open_session(DAYS["A1"], patient_code="P-100", new_patient=True, code="S-A1")
    ids["A2"] = ana.open_session(DAYS["A2"], patient_code="P-100", new_patient=False, code="S-A2")
    ids["B1"] = ben.open_session(DAYS["B1"], patient_code="P-200", new_patient=True, protocol=ESKETAMINE, code="S-B1")
    ids["B2"] = ben.open_session(DAYS["B2"], patient_code="P-200", new_patient=False, code="S-B2")
    odd = store_sessions.create_patient(engine, ODD_PATIENT, by="sam")
    ids["C1"] = store_sessions.create_session(engine, odd, DAYS["A2"], by="sam", protocol=DEFAULT, code="S-C1")
    for name, sbps in (("A1", (120, 196, 125)), ("A2", (128, 197, 126))):
        start = _start(DAYS[name])
        ana.start_infusion(ids[name], start)
        for minute, sbp in zip((5, 10, 15), sbps):
            ids[f"{name}@{minute}"] = ana.record_reading(ids[name], {"sbp": str(sbp), "dbp": "80", "hr": "72"},
                                                         measured_at=start + timedelta(minutes=minute))[1]
    start = _start(DAYS["A1"])  # A1's baseline, before the start: SBP 118, DBP 76
    ana.record_reading(ids["A1"], {"sbp": "118", "dbp": "76", "hr": "70"}, measured_at=start - timedelta(minutes=5))
    ana.add_event(ids["A1"], "side_effect", "Nausea", occurred_at=start + timedelta(minutes=12), severity="mild")
    ana.add_event(ids["A1"], "moaa_s", "MOAA/S", occurred_at=start + timedelta(minutes=14), score=4)
    ana.correct_reading(ids["A2@5"], {"sbp": "129", "dbp": "80", "hr": "72"}, reason="typo")
    ana.void_reading(ids["A2@15"], reason="wrong patient")
    alerting = Alerting(engine, Actor("ana", "nurse"))
    (event_id,) = alerting.events(ids["A2"])["id"].tolist()
    alerting.acknowledge_event(event_id, [ACK_ACTIONS[0]], "re-checked")
    start = _start(DAYS["B2"])
    ben.start_infusion(ids["B2"], start)
    ben.record_reading(ids["B2"], {"sbp": "122", "dbp": "78", "hr": "70"}, measured_at=start + timedelta(minutes=5))
    ben.stop_infusion(ids["B2"], start + timedelta(minutes=40))
    for name, meaning in (("A2", "reviewed"), ("B2", "approved")):
        store_signoffs.add_signoff(engine, ids[name], signed_at=_start(DAYS[name]) + timedelta(hours=3),
                                   signed_by="sam", signer_name="Sam Smith", meaning=meaning)
    return ids
