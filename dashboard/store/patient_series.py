"""One patient's course read in four queries: the sessions, their readings in force, events and alert counts."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select

from dashboard.store.db import Bind, connect, read_frame
from dashboard.store.errors import NotFound
from dashboard.store.readings import in_force_filter
from dashboard.store.schema import alert_events, patients, readings, session_events, sessions

SESSION_COLUMNS = ("session_id", "code", "session_date", "infusion_number", "status", "planned_dose_mg", "weight_kg",
                   "infusion_started_at", "infusion_stopped_at", "discharged_at")
READING_COLUMNS = ("session_id", "measured_at", "sbp", "dbp", "hr")
EVENT_COLUMNS = ("session_id", "kind", "label", "score", "severity", "occurred_at")


def patient_course(bind: Bind, patient_code: str) -> dict[str, pd.DataFrame]:
    """{'sessions', 'readings', 'events', 'alert_counts'} of the patient with this code (NotFound if none)."""
    with connect(bind) as conn:
        patient_id = conn.execute(select(patients.c.id).where(patients.c.code == patient_code.strip())).scalar()
        if patient_id is None:
            raise NotFound(f"no patient with code {patient_code.strip()!r}")
        mine = sessions.c.patient_id == int(patient_id)
        found = conn.execute(select(sessions.c.id.label("session_id"), *[sessions.c[c] for c in SESSION_COLUMNS[1:]])
                             .where(mine).order_by(sessions.c.session_date, sessions.c.id)).all()
        vitals = read_frame(conn, select(*[readings.c[c] for c in READING_COLUMNS])
                            .join(sessions, sessions.c.id == readings.c.session_id).where(mine)
                            .where(in_force_filter()).order_by(readings.c.session_id, readings.c.measured_at),
                            READING_COLUMNS)
        events = conn.execute(select(*[session_events.c[c] for c in EVENT_COLUMNS])
                              .join(sessions, sessions.c.id == session_events.c.session_id).where(mine)).all()
        counts = conn.execute(select(alert_events.c.session_id, alert_events.c.priority, func.count().label("events"))
                              .join(sessions, sessions.c.id == alert_events.c.session_id)
                              .where(mine, alert_events.c.withdrawn_at.is_(None))
                              .group_by(alert_events.c.session_id, alert_events.c.priority)).all()
    course = pd.DataFrame(found, columns=list(SESSION_COLUMNS))
    for key in ("infusion_started_at", "infusion_stopped_at", "discharged_at"):
        course[key] = pd.to_datetime(course[key], utc=True)
    vitals["session_id"] = vitals["session_id"].astype("int64")
    vitals["measured_at"] = pd.to_datetime(vitals["measured_at"], utc=True, format="ISO8601")
    for key in ("sbp", "dbp", "hr"):
        vitals[key] = vitals[key].astype("float64")
    events = pd.DataFrame(events, columns=list(EVENT_COLUMNS))
    events["occurred_at"] = pd.to_datetime(events["occurred_at"], utc=True)
    events["score"] = events["score"].astype("Float64")
    return {"sessions": course, "readings": vitals, "events": events,
            "alert_counts": pd.DataFrame(counts, columns=["session_id", "priority", "events"])}
