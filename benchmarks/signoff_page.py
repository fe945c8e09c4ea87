"""Signed-session figure: the Record page a supervisor reruns on a signed 4-hour 1 Hz session with addenda (the
signature banner, the addenda listed, the marks in the tables, the sign-off panel's checks) against the nurse's
page on an identical session never signed."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from benchmarks.harness import Case, benchmark, size
from benchmarks.record_page import BIG, NURSE, _add_session, app_database, record_page
from dashboard.core.clock import utcnow
from dashboard.core.roles import Actor
from dashboard.store import readings as store_readings
from dashboard.store import sessions as store_sessions
from dashboard.store import signoffs as store_signoffs
from dashboard.store.db import get_engine, migrate

SUPERVISOR = Actor("bench-sup", "supervisor")
ADDENDA = 10


def build(url: str, n: int) -> tuple[int, int]:
    """Two identical sessions of n readings (ids of the one to sign and of the one left unsigned)."""
    migrate(url)
    engine = get_engine(url)
    patient = store_sessions.create_patient(engine, "P-BENCH", by="bench")
    day = date.today() - timedelta(days=2)
    signed = _add_session(engine, patient, day, n, 1.0, "BENCH-SIGNED")
    unsigned = _add_session(engine, patient, day - timedelta(days=1), n, 1.0, "BENCH-UNSIGNED")
    store_signoffs.add_signoff(engine, signed, signed_at=utcnow(), signed_by=SUPERVISOR.username,
                               signer_name="Bench Supervisor", meaning="reviewed", warnings=["no discharge time"])
    last = store_readings.session_readings(engine, signed)["measured_at"].iloc[-1]
    for i in range(ADDENDA):  # late entries after the signature: listed, marked, kept out of the signed view
        store_readings.add_reading(engine, signed, {"sbp": 131, "dbp": 84, "hr": 77, "spo2": 97, "rr": 14},
                                   measured_at=(last - pd.Timedelta(minutes=i + 1, seconds=30)).to_pydatetime(),
                                   by="bench")
    return signed, unsigned


@benchmark("record_page_signed", "the nurse's page, same session unsigned",
           "One AppTest rerun of the Record page as a supervisor on a signed 4-hour session at 1 Hz (14,400 "
           "readings, quick 3,600) with 10 addenda: signature banner, addenda list, table marks and the sign-off "
           "panel's checks. Baseline: the nurse's rerun of an identical session never signed (no banner, no panel).")
def signed_page_case(quick: bool) -> Case:
    url, cleanup = app_database("bench-signed-")
    n = size(3_600 if quick else BIG, floor=100)
    signed_id, unsigned_id = build(url, n)
    signed, unsigned = record_page(signed_id, SUPERVISOR), record_page(unsigned_id, NURSE)
    return Case(project=signed.run, baseline=unsigned.run, cleanup=cleanup,
                notes=[f"{n:,} readings per session, {ADDENDA} addenda after the signature"])
