"""Session events: side effects and sedation or dissociation scores, in time order."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import insert, select

from dashboard.core.clock import utcnow
from dashboard.store.db import Bind, begin, connect
from dashboard.core.events import EVENT_KINDS, check_event
from dashboard.store.errors import Conflict
from dashboard.store.schema import session_events

EVENT_COLUMNS = ("id", "kind", "label", "score", "severity", "note", "occurred_at", "entered_at", "entered_by")


def add_event(bind: Bind, session_id: int, kind: str, label: str, *, occurred_at: datetime, by: str,
              score: int | None = None, severity: str | None = None, note: str | None = None,
              entered_at: datetime | None = None) -> int:
    """entered_at: when it was entered, the moment of storing unless given (a sample recorded as it happened)."""
    problem = check_event(kind, label, score, severity)
    if problem:
        raise Conflict(problem)
    with begin(bind) as conn:
        return conn.execute(insert(session_events).values(
            session_id=session_id, kind=kind, label=label, score=score, severity=severity, note=note or None,
            occurred_at=occurred_at, entered_at=entered_at or utcnow(), entered_by=by,
        ).returning(session_events.c.id)).scalar_one()


def session_events_frame(bind: Bind, session_id: int) -> pd.DataFrame:
    query = (select(*[session_events.c[c] for c in EVENT_COLUMNS])
             .where(session_events.c.session_id == session_id)
             .order_by(session_events.c.occurred_at, session_events.c.id))
    with connect(bind) as conn:
        frame = pd.DataFrame(conn.execute(query).all(), columns=list(EVENT_COLUMNS))
    for key in ("occurred_at", "entered_at"):
        frame[key] = pd.to_datetime(frame[key], utc=True)
    frame["score"] = frame["score"].astype("Int64")
    return frame


__all__ = ["EVENT_KINDS", "add_event", "session_events_frame"]
