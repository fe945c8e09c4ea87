"""Stored alerts: raise, clear or withdraw them to match an evaluation; acknowledgements appended."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, insert, select, update

from dashboard.core.clock import utcnow
from dashboard.store.db import Bind, begin, connect
from dashboard.store.errors import NotFound
from dashboard.store.schema import alert_acks, alerts

KEY = ["rule", "vital", "level", "started_at"]
ALERT_COLUMNS = ("id", "session_id", "rule", "vital", "level", "priority", "started_at", "ended_at", "peak_value",
                 "message", "protocol_version_id", "raised_at", "withdrawn_at")


@dataclass(frozen=True)
class Changes:
    raised: pd.DataFrame
    cleared: int
    withdrawn: int


def _stored(conn, session_id: int) -> pd.DataFrame:
    rows = conn.execute(select(*[alerts.c[c] for c in ALERT_COLUMNS]).where(alerts.c.session_id == session_id)).all()
    frame = pd.DataFrame(rows, columns=list(ALERT_COLUMNS))
    for key in ("started_at", "ended_at", "raised_at", "withdrawn_at"):
        frame[key] = _utc(frame[key])
    return frame


def _utc(times: pd.Series) -> pd.Series:
    """One dtype for comparing times from the engine and from the database (units differ otherwise)."""
    return pd.to_datetime(times, utc=True).dt.as_unit("us")


def _py(value):
    return None if pd.isna(value) else (value.to_pydatetime() if isinstance(value, pd.Timestamp) else value)


def sync(bind: Bind, session_id: int, episodes: pd.DataFrame, protocol_version_id: int | None) -> Changes:
    """Make the stored alerts of a session match `episodes` (from dashboard.core.alerts.evaluate)."""
    now = utcnow()
    episodes = episodes.copy()
    for key in ("started_at", "ended_at"):
        episodes[key] = _utc(episodes[key])
    with begin(bind) as conn:
        stored = _stored(conn, session_id)
        live = stored[stored["withdrawn_at"].isna()]
        merged = episodes.merge(live, on=KEY, how="outer", suffixes=("", "_stored"), indicator=True)
        new = merged[merged["_merge"] == "left_only"]
        for row in new.itertuples():
            conn.execute(insert(alerts).values(
                session_id=session_id, rule=row.rule, vital=row.vital, level=row.level, priority=row.priority,
                started_at=_py(row.started_at), ended_at=_py(row.ended_at), peak_value=_py(row.peak_value),
                message=row.message, protocol_version_id=protocol_version_id, raised_at=now))
        both = merged[merged["_merge"] == "both"]
        changed = both[(both["ended_at"].isna() != both["ended_at_stored"].isna()) |
                       ((both["ended_at"] != both["ended_at_stored"]) & both["ended_at"].notna()) |
                       (both["peak_value"] != both["peak_value_stored"])]
        for row in changed.itertuples():
            conn.execute(update(alerts).where(alerts.c.id == int(row.id)).values(
                ended_at=_py(row.ended_at), peak_value=_py(row.peak_value)))
        gone = merged[merged["_merge"] == "right_only"]
        for row in gone.itertuples():
            conn.execute(update(alerts).where(alerts.c.id == int(row.id)).values(withdrawn_at=now))
    return Changes(new[list(episodes.columns)].reset_index(drop=True), int(changed["ended_at"].notna().sum()),
                   len(gone))


def session_alerts(bind: Bind, session_id: int) -> pd.DataFrame:
    """Alerts of a session (withdrawn ones included, flagged) with their latest acknowledgement."""
    with connect(bind) as conn:
        frame = _stored(conn, session_id)
        last_ack = (select(alert_acks.c.alert_id, func.max(alert_acks.c.id).label("ack_id"))
                    .group_by(alert_acks.c.alert_id).subquery())
        acks = conn.execute(select(alert_acks.c.alert_id, alert_acks.c.at, alert_acks.c.by, alert_acks.c.action,
                                   alert_acks.c.note)
                            .join(last_ack, alert_acks.c.id == last_ack.c.ack_id)
                            .where(alert_acks.c.alert_id.in_(frame["id"].tolist() or [-1]))).all()
    ack = pd.DataFrame(acks, columns=["id", "acked_at", "acked_by", "ack_action", "ack_note"])
    ack["acked_at"] = pd.to_datetime(ack["acked_at"], utc=True)
    return frame.merge(ack, on="id", how="left").sort_values(["started_at", "id"]).reset_index(drop=True)


def acknowledge(bind: Bind, alert_id: int, *, action: str, note: str | None, by: str) -> int:
    with begin(bind) as conn:
        if conn.execute(select(alerts.c.id).where(alerts.c.id == alert_id)).first() is None:
            raise NotFound(f"alert {alert_id} does not exist")
        return conn.execute(insert(alert_acks).values(alert_id=alert_id, at=utcnow(), by=by, action=action,
                                                      note=note or None).returning(alert_acks.c.id)).scalar_one()


def alert_session(bind: Bind, alert_id: int) -> int:
    with connect(bind) as conn:
        session_id = conn.execute(select(alerts.c.session_id).where(alerts.c.id == alert_id)).scalar()
    if session_id is None:
        raise NotFound(f"alert {alert_id} does not exist")
    return session_id


def unacknowledged_high(bind: Bind) -> dict[int, int]:
    """High-priority alerts never acknowledged (and not withdrawn), per session."""
    acked = select(alert_acks.c.alert_id)
    with connect(bind) as conn:
        rows = conn.execute(select(alerts.c.session_id, func.count())
                            .where(alerts.c.priority == "high", alerts.c.withdrawn_at.is_(None),
                                   alerts.c.id.not_in(acked))
                            .group_by(alerts.c.session_id)).all()
    return dict(rows)
