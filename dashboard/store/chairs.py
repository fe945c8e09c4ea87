"""The clinic's chairs: add, list with the session in each, retire; place a session in a chair."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from dashboard.core.board import chair_key
from dashboard.core.clock import utcnow
from dashboard.store.db import Bind, begin, connect
from dashboard.store.errors import Conflict, NotFound
from dashboard.store.schema import chairs, sessions

NAME_LENGTH = 40


@dataclass(frozen=True)
class Chair:
    id: int
    name: str
    retired_at: datetime | None
    session_code: str | None  # the session in it now (started, not discharged), if any


def check_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise Conflict("a chair needs a name, e.g. Chair 3")
    if len(name) > NAME_LENGTH:
        raise Conflict(f"a chair's name has at most {NAME_LENGTH} characters")
    if not name.isprintable():
        raise Conflict("a chair's name holds letters, digits and punctuation only")
    return name


def add_chair(bind: Bind, name: str, *, by: str) -> int:
    name = check_name(name)
    try:
        with begin(bind) as conn:
            return conn.execute(insert(chairs).values(name=name, created_at=utcnow(), created_by=by)
                                .returning(chairs.c.id)).scalar_one()
    except IntegrityError:
        raise Conflict(f"there is already a chair called {name!r}") from None


def list_chairs(bind: Bind, *, retired: bool = False) -> list[Chair]:
    """Chairs in name order (retired ones only when asked), each with the session in it now."""
    occupant = (select(sessions.c.chair_id, sessions.c.code)
                .where(sessions.c.chair_id.isnot(None), sessions.c.discharged_at.is_(None)).subquery())
    query = (select(chairs.c.id, chairs.c.name, chairs.c.retired_at, occupant.c.code)
             .outerjoin(occupant, occupant.c.chair_id == chairs.c.id))
    if not retired:
        query = query.where(chairs.c.retired_at.is_(None))
    with connect(bind) as conn:
        rows = conn.execute(query).all()
    return sorted((Chair(*row) for row in rows), key=lambda c: chair_key(c.name))


def find_chair(bind: Bind, name: str) -> Chair:
    """An active chair by name (case and spacing as typed do not matter)."""
    wanted = " ".join((name or "").split()).lower()
    found = [c for c in list_chairs(bind, retired=True) if c.name.lower() == wanted]
    if not found:
        raise NotFound(f"no chair called {name!r}")
    if found[0].retired_at is not None:
        raise Conflict(f"{found[0].name} is retired")
    return found[0]


def retire_chair(bind: Bind, chair_id: int) -> None:
    with begin(bind) as conn:
        done = conn.execute(update(chairs).where(chairs.c.id == chair_id, chairs.c.retired_at.is_(None))
                            .values(retired_at=utcnow())).rowcount
    if not done:
        raise NotFound(f"chair {chair_id} does not exist or is retired already")


def occupant(bind: Bind, chair_id: int) -> str | None:
    """The code of the session in this chair now (started, not discharged), if any."""
    with connect(bind) as conn:
        return conn.execute(select(sessions.c.code).where(sessions.c.chair_id == chair_id,
                                                          sessions.c.discharged_at.is_(None))).scalar()


def place(bind: Bind, session_id: int, chair: Chair | None) -> None:
    """Put a session in a chair (None: in none); refused when another session is in that chair now."""
    with begin(bind) as conn:
        if chair is not None:
            taken = occupant(conn, chair.id)
            if taken is not None and taken != _code(conn, session_id):
                raise Conflict(f"{chair.name} is taken by {taken}: discharge that session, or move it to another "
                               "chair, first")
        try:
            with conn.begin_nested():  # the unique index decides a race the check above could not see
                conn.execute(update(sessions).where(sessions.c.id == session_id)
                             .values(chair_id=None if chair is None else chair.id))
        except IntegrityError:
            raise Conflict(f"{chair.name} was taken by another session a moment ago: choose another chair") from None


def _code(conn, session_id: int) -> str | None:
    return conn.execute(select(sessions.c.code).where(sessions.c.id == session_id)).scalar()
