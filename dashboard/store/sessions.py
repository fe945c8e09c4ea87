"""Patients and infusion sessions: create, find, list, and record infusion start, stop and discharge."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from dashboard.core.clock import utcnow
from dashboard.core.sessions import STATUSES, Session  # noqa: F401  (also imported from here by older code)
from dashboard.store.db import Bind, begin, connect, hold
from dashboard.store.errors import Conflict, NotFound
from dashboard.store.schema import chairs, patients, sessions


def create_patient(bind: Bind, code: str, *, by: str, year_of_birth: int | None = None,
                   notes: str | None = None) -> int:
    code = code.strip()
    if not code:
        raise Conflict("a patient needs a clinic code")
    try:
        with begin(bind) as conn:
            return conn.execute(insert(patients).values(
                code=code, year_of_birth=year_of_birth, notes=notes, created_at=utcnow(), created_by=by,
            ).returning(patients.c.id)).scalar_one()
    except IntegrityError:
        raise Conflict(f"a patient with code {code!r} already exists") from None


def find_patient(bind: Bind, code: str) -> int | None:
    with connect(bind) as conn:
        return conn.execute(select(patients.c.id).where(patients.c.code == code.strip())).scalar_one_or_none()


def list_patients(bind: Bind) -> pd.DataFrame:
    with connect(bind) as conn:
        rows = conn.execute(select(patients.c.id, patients.c.code, patients.c.year_of_birth)
                            .order_by(patients.c.code)).all()
    return pd.DataFrame(rows, columns=["id", "code", "year_of_birth"])


def create_session(bind: Bind, patient_id: int, session_date: date, *, by: str, protocol: str,
                   infusion_number: int | None = None, planned_dose_mg: float | None = None,
                   weight_kg: float | None = None, code: str | None = None) -> int:
    """A new planned session; its code (S-0001...) is given when none is passed."""
    try:
        with begin(bind) as conn:
            if code is None:
                hold(conn, "session code")  # two sessions opened at once must not be given the same code
                last = conn.execute(select(func.max(sessions.c.id))).scalar_one() or 0
                code = f"S-{last + 1:04d}"
            return conn.execute(insert(sessions).values(
                code=code, patient_id=patient_id, session_date=session_date, infusion_number=infusion_number,
                protocol=protocol, planned_dose_mg=planned_dose_mg, weight_kg=weight_kg, status="planned",
                created_at=utcnow(), created_by=by,
            ).returning(sessions.c.id)).scalar_one()
    except IntegrityError:
        raise Conflict(f"a session with code {code!r} already exists") from None


def _session_select():
    return (select(sessions, patients.c.code.label("patient_code"), chairs.c.name.label("chair")).join(patients)
            .outerjoin(chairs, sessions.c.chair_id == chairs.c.id))


def _as_session(row) -> Session:
    m = row._mapping
    return Session(**{field: m[field] for field in Session.__dataclass_fields__})


def get_session(bind: Bind, session_id: int) -> Session:
    with connect(bind) as conn:
        row = conn.execute(_session_select().where(sessions.c.id == session_id)).first()
    if row is None:
        raise NotFound(f"session {session_id} does not exist")
    return _as_session(row)


def find_session(bind: Bind, code: str) -> Session | None:
    with connect(bind) as conn:
        row = conn.execute(_session_select().where(sessions.c.code == code)).first()
    return None if row is None else _as_session(row)


def list_sessions(bind: Bind, patient_id: int | None = None) -> list[Session]:
    query = _session_select().order_by(sessions.c.session_date.desc(), sessions.c.id.desc())
    if patient_id is not None:
        query = query.where(sessions.c.patient_id == patient_id)
    with connect(bind) as conn:
        return [_as_session(row) for row in conn.execute(query)]


def _set(bind: Bind, session_id: int, **values) -> None:
    with begin(bind) as conn:
        done = conn.execute(update(sessions).where(sessions.c.id == session_id).values(**values)).rowcount
    if not done:
        raise NotFound(f"session {session_id} does not exist")


def start_infusion(bind: Bind, session_id: int, at: datetime) -> None:
    session = get_session(bind, session_id)
    if session.infusion_started_at is not None:
        raise Conflict(f"the infusion already started at {session.infusion_started_at:%H:%M} UTC")
    _set(bind, session_id, infusion_started_at=at, status="infusing")


def stop_infusion(bind: Bind, session_id: int, at: datetime) -> None:
    session = get_session(bind, session_id)
    if session.infusion_started_at is None:
        raise Conflict("the infusion has not started yet")
    if session.infusion_stopped_at is not None:
        raise Conflict(f"the infusion already stopped at {session.infusion_stopped_at:%H:%M} UTC")
    if at < session.infusion_started_at:
        raise Conflict("the stop time is before the infusion start")
    _set(bind, session_id, infusion_stopped_at=at, status="recovery")


def discharge(bind: Bind, session_id: int, at: datetime) -> None:
    session = get_session(bind, session_id)
    if session.discharged_at is not None:
        raise Conflict("the patient is already discharged")
    _set(bind, session_id, discharged_at=at, status="discharged")


_HELD = "iv_sessions_held"  # conn.info: (the transaction, the session ids it holds)


def lock(conn, session_ids: list[int]) -> None:
    """Hold these sessions until the caller's transaction ends: two writes to one session (an entry and its
    alert refresh, an import) take turns, so each sees the other's readings; other sessions are not held.
    PostgreSQL locks the rows (in id order, so two writers never wait on each other), once per transaction:
    sessions it holds already are not asked for again (the service locks, then the store's upkeep of the
    board's state locks too). SQLite's writer holds the whole database already: nothing to do."""
    if conn.dialect.name != "postgresql":
        return
    transaction = conn.get_nested_transaction() or conn.get_transaction()  # a savepoint rolled back frees its locks
    held = conn.info.get(_HELD)
    if held is None or held[0] is not transaction:
        held = conn.info[_HELD] = (transaction, set())
    ids = sorted({int(i) for i in session_ids} - held[1])
    if ids:
        conn.execute(select(sessions.c.id).where(sessions.c.id.in_(ids)).order_by(sessions.c.id)
                     .with_for_update()).all()
        held[1].update(ids)
