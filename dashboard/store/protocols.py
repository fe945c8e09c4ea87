"""Protocol versions and assignments (clinic, patient, session): append new rows, read the latest."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, insert, select, update

from dashboard.core.clock import utcnow
from dashboard.store.db import Bind, begin, connect
from dashboard.store.errors import NotFound
from dashboard.store.schema import protocol_assignments, protocol_versions, sessions

SCOPES = ("clinic", "patient", "session")


@dataclass(frozen=True)
class StoredProtocol:
    id: int
    name: str
    version: int
    definition: str  # JSON


def add_version(bind: Bind, name: str, definition: str, *, reason: str, by: str) -> StoredProtocol:
    with begin(bind) as conn:
        latest = conn.execute(select(func.max(protocol_versions.c.version))
                              .where(protocol_versions.c.name == name)).scalar_one() or 0
        new_id = conn.execute(insert(protocol_versions).values(
            name=name, version=latest + 1, definition=definition, reason=reason, created_at=utcnow(), created_by=by,
        ).returning(protocol_versions.c.id)).scalar_one()
    return StoredProtocol(new_id, name, latest + 1, definition)


def latest(bind: Bind, name: str) -> StoredProtocol | None:
    with connect(bind) as conn:
        row = conn.execute(select(protocol_versions).where(protocol_versions.c.name == name)
                           .order_by(protocol_versions.c.version.desc()).limit(1)).first()
    return None if row is None else StoredProtocol(row.id, row.name, row.version, row.definition)


def by_id(bind: Bind, version_id: int) -> StoredProtocol:
    with connect(bind) as conn:
        row = conn.execute(select(protocol_versions).where(protocol_versions.c.id == version_id)).first()
    if row is None:
        raise NotFound(f"protocol version {version_id} does not exist")
    return StoredProtocol(row.id, row.name, row.version, row.definition)


def names(bind: Bind) -> list[str]:
    with connect(bind) as conn:
        return list(conn.execute(select(protocol_versions.c.name).distinct().order_by(protocol_versions.c.name))
                    .scalars())


def history(bind: Bind, name: str) -> pd.DataFrame:
    with connect(bind) as conn:
        rows = conn.execute(select(protocol_versions.c.id, protocol_versions.c.version, protocol_versions.c.created_at,
                                   protocol_versions.c.created_by, protocol_versions.c.reason,
                                   protocol_versions.c.definition)
                            .where(protocol_versions.c.name == name)
                            .order_by(protocol_versions.c.version.desc())).all()
    frame = pd.DataFrame(rows, columns=["id", "version", "created_at", "created_by", "reason", "definition"])
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    return frame


def assign(bind: Bind, scope: str, scope_id: int | None, protocol_name: str, *, reason: str, by: str) -> None:
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}")
    with begin(bind) as conn:
        conn.execute(insert(protocol_assignments).values(
            scope=scope, scope_id=scope_id, protocol_name=protocol_name, reason=reason, created_at=utcnow(),
            created_by=by))


def assigned(bind: Bind, scope: str, scope_id: int | None) -> str | None:
    """The protocol name most recently assigned to this scope, if any."""
    query = (select(protocol_assignments.c.protocol_name).where(protocol_assignments.c.scope == scope)
             .order_by(protocol_assignments.c.id.desc()).limit(1))
    query = query.where(protocol_assignments.c.scope_id.is_(None) if scope_id is None
                        else protocol_assignments.c.scope_id == scope_id)
    with connect(bind) as conn:
        return conn.execute(query).scalar_one_or_none()


def pin_to_session(bind: Bind, session_id: int, version_id: int) -> None:
    with begin(bind) as conn:
        conn.execute(update(sessions).where(sessions.c.id == session_id).values(protocol_version_id=version_id))


def pinned(bind: Bind, session_id: int) -> int | None:
    with connect(bind) as conn:
        return conn.execute(select(sessions.c.protocol_version_id).where(sessions.c.id == session_id)).scalar()
