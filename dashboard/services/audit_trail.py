"""Reading the audit log, for the roles allowed to (supervisors and admins), with sessions named by code."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine

from dashboard.core.roles import Actor
from dashboard.store import audit
from dashboard.store.errors import NotFound
from dashboard.store.sessions import find_session, list_sessions


def audit_entries(engine: Engine, actor: Actor, *, session_code: str | None = None, **filters) -> pd.DataFrame:
    """Newest first; session_code narrows to one session (an unknown code is a NotFound, not 'no entries')."""
    actor.require("audit.read")
    if session_code:
        code = session_code.strip()
        session = find_session(engine, code) or find_session(engine, code.upper())
        if session is None:
            raise NotFound(f"no session {code!r}: session codes look like S-0001")
        filters["session_id"] = session.id
    return audit.entries(engine, **filters)


def session_codes(engine: Engine, actor: Actor) -> dict[int, str]:
    """Session id -> code, so the log names sessions as people know them."""
    actor.require("audit.read")
    return {s.id: s.code for s in list_sessions(engine)}
