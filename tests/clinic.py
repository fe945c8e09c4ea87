"""A patient and their sessions in a fresh database: the starting point of many store, import and page tests."""

from __future__ import annotations

from datetime import date

from dashboard.store import sessions as store_sessions


def patient_with_sessions(engine, day: date, *codes: str, patient: str = "P-1", protocol: str = "test",
                          **session_fields) -> dict[str, int]:
    """Registers `patient` and opens one planned session per code on `day`; returns {code: session id}.

    No codes: one session with the next free code (S-0001 in a fresh database)."""
    patient_id = store_sessions.create_patient(engine, patient, by="setup")
    ids = {}
    for code in codes or (None,):
        sid = store_sessions.create_session(engine, patient_id, day, by="setup", protocol=protocol, code=code,
                                            **session_fields)
        ids[code or store_sessions.get_session(engine, sid).code] = sid
    return ids
