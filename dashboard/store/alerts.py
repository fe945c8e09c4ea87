"""Stored alerts and their events: raise, clear or withdraw them to match an evaluation; acks appended."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

import pandas as pd
from sqlalchemy import func, insert, select, update

from dashboard.core.alert_events import summarise, summaries
from dashboard.core.clock import utcnow
from dashboard.store.board import keep_alerts
from dashboard.store.db import Bind, begin, connect
from dashboard.store.errors import NotFound
from dashboard.store.schema import alert_event_acks, alert_events, alerts

KEY = ["rule", "vital", "level", "started_at"]
ALERT_COLUMNS = ("id", "session_id", "rule", "vital", "level", "priority", "started_at", "ended_at", "peak_value",
                 "message", "protocol_version_id", "raised_at", "withdrawn_at", "event_id")
EVENT_COLUMNS = ("id", "session_id", "started_at", "ended_at", "priority", "raised_at", "withdrawn_at")
ACK_COLUMNS = ["acked_at", "acked_by", "ack_actions", "ack_note"]


@dataclass(frozen=True)
class Changes:
    raised: pd.DataFrame  # rule-level alerts newly raised
    raised_events: pd.DataFrame  # events newly raised (one row each, with their members' summary)
    cleared: int
    withdrawn: int


def _stored(conn, session_id: int, table=alerts, columns=ALERT_COLUMNS) -> pd.DataFrame:
    rows = conn.execute(select(*[table.c[c] for c in columns]).where(table.c.session_id == session_id)).all()
    frame = pd.DataFrame(rows, columns=list(columns))
    for key in ("started_at", "ended_at", "raised_at", "withdrawn_at"):
        frame[key] = _utc(frame[key])
    return frame


def _utc(times: pd.Series) -> pd.Series:
    """One dtype for comparing times from the engine and from the database (units differ otherwise)."""
    return pd.to_datetime(times, utc=True).dt.as_unit("us")


def _py(value):
    return None if pd.isna(value) else (value.to_pydatetime() if isinstance(value, pd.Timestamp) else value)


def sessions_with_alerts(bind: Bind, session_ids: list[int]) -> set[int]:
    """Those of these sessions that have any stored alert (withdrawn ones included)."""
    with connect(bind) as conn:
        return {int(i) for i in conn.execute(select(alerts.c.session_id).distinct()
                                             .where(alerts.c.session_id.in_([int(i) for i in session_ids])))
                .scalars()}


def no_events() -> pd.DataFrame:
    """What sync's raised_events holds when nothing was raised."""
    return _no_events().copy()


@cache
def _no_events() -> pd.DataFrame:
    # built once: most saves raise nothing, and building it costs more than the rest of their alert check
    empty = pd.DataFrame({c: pd.Series(dtype="int64" if c in ("id", "session_id") else object) for c in EVENT_COLUMNS})
    return _event_rows(empty, pd.DataFrame(columns=list(ALERT_COLUMNS)))


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
        raised_events = _sync_events(conn, session_id, now)
        keep_alerts(conn, [session_id])
    return Changes(new[list(episodes.columns)].reset_index(drop=True), raised_events,
                   int(changed["ended_at"].notna().sum()), len(gone))


def _sync_events(conn, session_id: int, now) -> pd.DataFrame:
    """Put alerts without an event into the live event of their start time (a new one if none), then bring
    every event's priority, end and withdrawal in line with its members. Returns the new events."""
    stored = _stored(conn, session_id)
    events = _stored(conn, session_id, alert_events, EVENT_COLUMNS)
    live_event = {t: int(i) for t, i in zip(events.loc[events["withdrawn_at"].isna(), "started_at"],
                                             events.loc[events["withdrawn_at"].isna(), "id"])}
    created = []
    for started_at, members in stored[stored["event_id"].isna()].groupby("started_at", sort=True):
        event_id = live_event.get(started_at)
        if event_id is None:
            state = summarise(members)
            event_id = conn.execute(insert(alert_events).values(
                session_id=session_id, started_at=_py(started_at), ended_at=_py(state["ended_at"]),
                priority=state["priority"], raised_at=now,
                withdrawn_at=now if state["withdrawn"] else None).returning(alert_events.c.id)).scalar_one()
            created.append(event_id)
        conn.execute(update(alerts).where(alerts.c.id.in_([int(i) for i in members["id"]])).values(event_id=event_id))
        stored.loc[members.index, "event_id"] = event_id
    states = summaries(stored[stored["event_id"].notna()], ["event_id"])
    for row in events.itertuples():
        state = states.get((row.id,))
        if state is None:
            continue
        values = {}
        if state["priority"] != row.priority:
            values["priority"] = state["priority"]
        if not _same_time(state["ended_at"], row.ended_at):
            values["ended_at"] = _py(state["ended_at"])
        if state["withdrawn"] != pd.notna(row.withdrawn_at):
            values["withdrawn_at"] = now if state["withdrawn"] else None
        if values:
            conn.execute(update(alert_events).where(alert_events.c.id == int(row.id)).values(**values))
    events = _stored(conn, session_id, alert_events, EVENT_COLUMNS) if created else events.iloc[:0]
    return _event_rows(events[events["id"].isin(created)], stored)


def _same_time(a, b) -> bool:
    return (pd.isna(a) and pd.isna(b)) or (pd.notna(a) and pd.notna(b) and pd.Timestamp(a) == pd.Timestamp(b))


def _event_rows(events: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Events with the rules behind them: 'rules' (labels of the live members) and a one-line 'summary'."""
    events = events.reset_index(drop=True)
    by_event = summaries(members[members["event_id"].notna()], ["event_id"])
    states = [by_event.get((i,), {"summary": "", "members": 0}) for i in events["id"]]
    return events.assign(summary=[s["summary"] for s in states], members=[s["members"] for s in states])


def session_alerts(bind: Bind, session_id: int) -> pd.DataFrame:
    """Rule-level alerts of a session (withdrawn ones included, flagged) with their event's latest ack."""
    with connect(bind) as conn:
        frame = _stored(conn, session_id)
        acks = _latest_acks(conn, frame["event_id"].dropna().astype(int).tolist())
    frame = frame.merge(acks, left_on="event_id", right_index=True, how="left")
    return frame.sort_values(["started_at", "id"]).reset_index(drop=True)


def session_events(bind: Bind, session_id: int) -> pd.DataFrame:
    """Events of a session, in time order, with their summary, member count and latest acknowledgement."""
    with connect(bind) as conn:
        members = _stored(conn, session_id)
        events = _event_rows(_stored(conn, session_id, alert_events, EVENT_COLUMNS), members)
        acks = _latest_acks(conn, events["id"].astype(int).tolist())
    events = events.merge(acks, left_on="id", right_index=True, how="left")
    return events.sort_values(["started_at", "id"]).reset_index(drop=True)


def _latest_acks(conn, event_ids: list[int]) -> pd.DataFrame:
    last = (select(alert_event_acks.c.event_id, func.max(alert_event_acks.c.id).label("ack_id"))
            .where(alert_event_acks.c.event_id.in_(event_ids or [-1]))
            .group_by(alert_event_acks.c.event_id).subquery())
    rows = conn.execute(select(alert_event_acks.c.event_id, alert_event_acks.c.at, alert_event_acks.c.by,
                               alert_event_acks.c.actions, alert_event_acks.c.note)
                        .join(last, alert_event_acks.c.id == last.c.ack_id)).all()
    acks = pd.DataFrame(rows, columns=["event_id", *ACK_COLUMNS]).set_index("event_id")
    acks["acked_at"] = pd.to_datetime(acks["acked_at"], utc=True)
    acks["ack_actions"] = [json.loads(a) for a in acks["ack_actions"]]
    return acks


def acknowledge_event(bind: Bind, event_id: int, *, actions: list[str], note: str | None, by: str) -> int:
    with begin(bind) as conn:
        session_id = event_session(conn, event_id)
        ack_id = conn.execute(insert(alert_event_acks).values(
            event_id=event_id, at=utcnow(), by=by, actions=json.dumps(list(actions)), note=note or None,
        ).returning(alert_event_acks.c.id)).scalar_one()
        keep_alerts(conn, [session_id])
        return ack_id


def event_session(bind: Bind, event_id: int) -> int:
    with connect(bind) as conn:
        session_id = conn.execute(select(alert_events.c.session_id).where(alert_events.c.id == event_id)).scalar()
    if session_id is None:
        raise NotFound(f"alert event {event_id} does not exist")
    return session_id


def alert_event(bind: Bind, alert_id: int) -> int:
    """The event a rule-level alert belongs to."""
    with connect(bind) as conn:
        row = conn.execute(select(alerts.c.event_id).where(alerts.c.id == alert_id)).first()
    if row is None or row.event_id is None:
        raise NotFound(f"alert {alert_id} does not exist")
    return int(row.event_id)


def unacknowledged_high(bind: Bind) -> dict[int, int]:
    """High-priority events never acknowledged (and not withdrawn), per session."""
    acked = select(alert_event_acks.c.event_id)
    with connect(bind) as conn:
        rows = conn.execute(select(alert_events.c.session_id, func.count())
                            .where(alert_events.c.priority == "high", alert_events.c.withdrawn_at.is_(None),
                                   alert_events.c.id.not_in(acked))
                            .group_by(alert_events.c.session_id)).all()
    return dict(rows)


def unacknowledged_high_events(bind: Bind, session_id: int) -> pd.DataFrame:
    """One session's high-priority events nobody has acknowledged (and not withdrawn)."""
    events = session_events(bind, session_id)
    return events[(events["priority"] == "high") & events["withdrawn_at"].isna() & events["acked_at"].isna()]


def session_acks(bind: Bind, session_id: int) -> pd.DataFrame:
    """Every acknowledgement of a session's alert events, oldest first: event_id, at, by, actions (a list), note."""
    query = (select(alert_event_acks.c.event_id, alert_event_acks.c.at, alert_event_acks.c.by,
                    alert_event_acks.c.actions, alert_event_acks.c.note)
             .join(alert_events, alert_events.c.id == alert_event_acks.c.event_id)
             .where(alert_events.c.session_id == session_id)
             .order_by(alert_event_acks.c.at, alert_event_acks.c.id))
    with connect(bind) as conn:
        acks = pd.DataFrame(conn.execute(query).all(), columns=["event_id", "at", "by", "actions", "note"])
    acks["at"] = pd.to_datetime(acks["at"], utc=True)
    acks["actions"] = [json.loads(a) for a in acks["actions"]]
    return acks
