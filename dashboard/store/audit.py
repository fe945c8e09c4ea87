"""The audit log: append an entry in the caller's transaction; read entries back with filters."""

from __future__ import annotations

import json
from datetime import date, datetime

import pandas as pd
from sqlalchemy import Connection, insert, select

from dashboard.core.clock import utcnow
from dashboard.core.roles import Actor
from dashboard.store.db import Bind, connect
from dashboard.store.schema import audit_log

AUDIT_COLUMNS = ("id", "at", "actor", "role", "action", "entity", "entity_id", "session_id", "before", "after")


def _json(value) -> str | None:
    if value is None:
        return None
    return json.dumps(value, default=lambda v: v.isoformat() if isinstance(v, (date, datetime)) else str(v),
                      sort_keys=True)


def record(conn: Connection, actor: Actor, action: str, entity: str, entity_id: object = None, *,
           session_id: int | None = None, before: dict | None = None, after: dict | None = None) -> None:
    conn.execute(insert(audit_log).values(
        at=utcnow(), actor=actor.username, role=actor.role, action=action, entity=entity,
        entity_id=None if entity_id is None else str(entity_id), session_id=session_id,
        before=_json(before), after=_json(after),
    ))


def entries(bind: Bind, *, user: str | None = None, action: str | None = None, session_id: int | None = None,
            since: datetime | None = None, until: datetime | None = None, limit: int = 1000) -> pd.DataFrame:
    """Newest first; every filter is a bound parameter, never text pasted into SQL."""
    query = select(*[audit_log.c[c] for c in AUDIT_COLUMNS]).order_by(audit_log.c.id.desc()).limit(limit)
    if user:
        query = query.where(audit_log.c.actor == user)
    if action:
        query = query.where(audit_log.c.action == action)
    if session_id is not None:
        query = query.where(audit_log.c.session_id == session_id)
    if since is not None:
        query = query.where(audit_log.c.at >= since)
    if until is not None:
        query = query.where(audit_log.c.at < until)
    with connect(bind) as conn:
        frame = pd.DataFrame(conn.execute(query).all(), columns=list(AUDIT_COLUMNS))
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame
