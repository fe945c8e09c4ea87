"""Supervisors' signatures of sessions: append one, read a session's (oldest first) or the latest per session."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func, insert, select

from dashboard.core.signoff import MEANINGS, Signoff
from dashboard.store.db import Bind, begin, connect
from dashboard.store.errors import Conflict
from dashboard.store.schema import session_signoffs as signoffs_table


def add_signoff(bind: Bind, session_id: int, *, signed_at: datetime, signed_by: str, signer_name: str,
                meaning: str, warnings: list[str] | tuple[str, ...] = ()) -> int:
    if meaning not in MEANINGS:
        raise Conflict(f"a signature means one of {', '.join(MEANINGS)}, not {meaning!r}")
    with begin(bind) as conn:
        return conn.execute(insert(signoffs_table).values(
            session_id=session_id, signed_at=signed_at, signed_by=signed_by, signer_name=signer_name,
            meaning=meaning, warnings=json.dumps(list(warnings)),
        ).returning(signoffs_table.c.id)).scalar_one()


def _as_signoff(row) -> Signoff:
    m = row._mapping
    return Signoff(id=m["id"], session_id=m["session_id"], signed_at=m["signed_at"], signed_by=m["signed_by"],
                   signer_name=m["signer_name"], meaning=m["meaning"], warnings=tuple(json.loads(m["warnings"])))


def session_signoffs(bind: Bind, session_id: int) -> list[Signoff]:
    """Every signature of the session, oldest first (the first one locks the session)."""
    query = (select(signoffs_table).where(signoffs_table.c.session_id == session_id)
             .order_by(signoffs_table.c.signed_at, signoffs_table.c.id))
    with connect(bind) as conn:
        return [_as_signoff(row) for row in conn.execute(query)]


def first_signed_at(bind: Bind, session_ids: list[int] | None = None) -> dict[int, datetime]:
    """session id -> when it was first signed (its lock time), for the given sessions or all."""
    query = select(signoffs_table.c.session_id, func.min(signoffs_table.c.signed_at)).group_by(
        signoffs_table.c.session_id)
    if session_ids is not None:
        query = query.where(signoffs_table.c.session_id.in_(session_ids))
    with connect(bind) as conn:
        return dict(conn.execute(query).all())  # min() keeps the column's type: aware UTC times
