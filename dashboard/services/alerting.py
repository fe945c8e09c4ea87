"""Alerts of a session: re-evaluated after every change, grouped into events, acknowledged by nurses per
event with what was done, reminded when ignored."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Engine

from dashboard import oplog
from dashboard.core.alerts import evaluate
from dashboard.core.clock import utcnow
from dashboard.core.roles import Actor
from dashboard.store import alerts as store_alerts
from dashboard.store import audit
from dashboard.store import readings as store_readings
from dashboard.store import sessions as store_sessions
from dashboard.store.db import Bind, begin, on_commit
from dashboard.store.errors import Conflict

ACK_ACTIONS = (
    "Re-checked: reading confirmed",
    "Re-measured: it was an artifact",
    "Observed: no action needed",
    "Notified the prescriber",
    "Slowed the infusion",
    "Paused or stopped the infusion",
    "Verbal stimulation / airway support",
    "Oxygen started",
    "Medication given per protocol",
    "Other (see note)",
)


def session_frame(session) -> pd.DataFrame:
    return pd.DataFrame({"session_id": [session.id],
                         "infusion_started_at": pd.to_datetime([session.infusion_started_at], utc=True),
                         "infusion_stopped_at": pd.to_datetime([session.infusion_stopped_at], utc=True),
                         "discharged_at": pd.to_datetime([session.discharged_at], utc=True)})


def evaluate_session(bind: Bind, session_id: int, now: datetime | None = None,
                     readings: pd.DataFrame | None = None) -> pd.DataFrame:
    """The session's alert episodes under the protocol it runs under (readings: its readings in force, when
    the caller has read them already)."""
    from dashboard.services.protocols import resolve
    session = store_sessions.get_session(bind, session_id)
    protocol, _, _ = resolve(bind, session)
    if readings is None:
        readings = store_readings.session_readings(bind, session_id)
    return evaluate(readings, session_frame(session), protocol, now=None if now is None else pd.Timestamp(now))


def refresh(conn, session_id: int, actor: Actor) -> pd.DataFrame:
    """Re-evaluate within the caller's transaction and store the result; returns the newly raised events
    (one row each: id, priority, started_at, summary naming the rules and vitals behind it)."""
    return refresh_sessions(conn, [session_id], actor)


def refresh_sessions(conn, session_ids: list[int], actor: Actor, readings: pd.DataFrame | None = None
                     ) -> pd.DataFrame:
    """refresh() for several sessions at once (an import): their readings read in one pass and evaluated
    together per protocol version, then stored session by session exactly as one refresh each would.

    readings: the sessions' readings in force, when the caller holds them already (as readings_in_force)."""
    from dashboard.services.protocols import resolve
    from dashboard.store.imports import readings_in_force
    sessions = [store_sessions.get_session(conn, sid) for sid in dict.fromkeys(session_ids)]
    if not sessions:
        return pd.DataFrame()
    by_version: dict = {}
    for session in sessions:
        protocol, version_id, _ = resolve(conn, session)
        by_version.setdefault(version_id, (protocol, []))[1].append(session)
    if readings is None:
        readings = readings_in_force(conn, [s.id for s in sessions]) if len(sessions) > 1 else \
            store_readings.session_readings(conn, sessions[0].id)
    alerted = store_alerts.sessions_with_alerts(conn, [s.id for s in sessions])
    codes = {s.id: s.code for s in sessions}
    raised = []
    for version_id, (protocol, group) in by_version.items():
        ids = [s.id for s in group]
        frames = pd.concat([session_frame(s) for s in group], ignore_index=True)
        episodes = evaluate(readings[readings["session_id"].isin(ids)], frames, protocol)
        for session_id, found in _per_session(episodes, ids):
            if found.empty and session_id not in alerted:
                continue  # nothing found, nothing stored: nothing to change (most sessions of a calm import)
            changes = store_alerts.sync(conn, session_id, found, version_id)
            _audit_changes(conn, actor, session_id, changes)
            if len(changes.raised_events):
                raised.append(changes.raised_events)
                on_commit(conn, lambda e=changes.raised_events, code=codes[session_id]: _log_raised(e, code, actor))
    return pd.concat(raised, ignore_index=True) if raised else store_alerts.no_events()


def _log_raised(events: pd.DataFrame, session_code: str, actor: Actor) -> None:
    for row in events.itertuples():
        oplog.event("alert_raised", session=session_code, alert_event=int(row.id), priority=row.priority,
                    started_at=row.started_at, summary=row.summary, by=actor.username)


def _per_session(episodes: pd.DataFrame, session_ids: list[int]):
    groups = dict(tuple(episodes.groupby("session_id", sort=False))) if len(episodes) else {}
    for session_id in session_ids:
        yield session_id, groups.get(session_id, episodes.iloc[0:0]).reset_index(drop=True)


def _audit_changes(conn, actor: Actor, session_id: int, changes) -> None:
    for row in changes.raised.itertuples():
        audit.record(conn, actor, "alert.raise", "alert", None, session_id=session_id,
                     after={"rule": row.rule, "vital": row.vital, "level": row.level, "priority": row.priority,
                            "started_at": row.started_at, "peak_value": row.peak_value})
    if changes.withdrawn:
        audit.record(conn, actor, "alert.withdraw", "session", session_id, session_id=session_id,
                     after={"withdrawn": changes.withdrawn, "why": "the readings behind them were corrected"})


def needs_attention(events: pd.DataFrame, reminder_min: float, now: datetime) -> pd.DataFrame:
    """High-priority events a nurse must look at: never acknowledged (they latch), or acknowledged more than
    reminder_min ago while still active (they remind again)."""
    live = events[events["withdrawn_at"].isna() & (events["priority"] == "high")]
    unacked = live["acked_at"].isna()
    still_active = live["ended_at"].isna()
    overdue_ack = live["acked_at"] < pd.Timestamp(now) - pd.Timedelta(minutes=reminder_min)
    return live[unacked | (still_active & overdue_ack.fillna(False))]


def check_actions(actions: list[str], note: str | None) -> list[str]:
    """What was done, as chosen: known actions, each once, in the order given; a note when 'Other'."""
    chosen = list(dict.fromkeys(a for a in actions or [] if a))
    if not chosen:
        raise Conflict("choose what was done (one or more actions)")
    unknown = [a for a in chosen if a not in ACK_ACTIONS]
    if unknown:
        raise Conflict(f"not an action on the list: {', '.join(unknown)}")
    if ACK_ACTIONS[-1] in chosen and not (note or "").strip():
        raise Conflict("say what was done in the note")
    return chosen


class Alerting:
    def __init__(self, engine: Engine, actor: Actor):
        self.engine, self.actor = engine, actor

    def alerts(self, session_id: int) -> pd.DataFrame:
        """Rule-level alerts (the detail for review), each with its event_id and the event's latest ack."""
        self.actor.require("session.read")
        return store_alerts.session_alerts(self.engine, session_id)

    def events(self, session_id: int) -> pd.DataFrame:
        """Alert events of a session: priority, start, end (ended_at_discharge when the discharge ended it),
        summary of the rules and vitals behind it, and the latest acknowledgement (ack_actions a list)."""
        self.actor.require("session.read")
        events = store_alerts.session_events(self.engine, session_id)
        discharged = store_sessions.get_session(self.engine, session_id).discharged_at
        at_discharge = events["ended_at"].notna() & (discharged is not None)
        if discharged is not None:
            at_discharge &= events["ended_at"] == pd.Timestamp(discharged)
        return events.assign(ended_at_discharge=at_discharge.astype(bool))

    def unacknowledged_high(self) -> dict[int, int]:
        """Per session, high-priority alert events nobody has acknowledged yet."""
        self.actor.require("session.read")
        return store_alerts.unacknowledged_high(self.engine)

    def attention(self, session_id: int, now: datetime | None = None,
                  readings: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(high-priority events needing a look, BP-overdue right now) for a session's banner (readings: its
        readings in force, when the page has read them already)."""
        from dashboard.services.protocols import resolve
        self.actor.require("session.read")
        session = store_sessions.get_session(self.engine, session_id)
        protocol, _, _ = resolve(self.engine, session)
        now = now or utcnow()
        urgent = needs_attention(self.events(session_id), protocol.reminder_min, now)
        overdue = pd.DataFrame()
        if session.infusion_started_at is not None and session.discharged_at is None:
            live = evaluate_session(self.engine, session_id, now=now, readings=readings)
            overdue = live[(live["rule"] == "bp_overdue") & live["ended_at"].isna()]
        return urgent, overdue

    def acknowledge_event(self, event_id: int, actions: list[str], note: str | None = None) -> None:
        """One acknowledgement for every rule-level alert of the event: what was done, and a note."""
        self.actor.require("alert.acknowledge")
        chosen = check_actions(actions, note)
        note = (note or "").strip() or None
        with begin(self.engine) as conn:
            session_id = store_alerts.event_session(conn, event_id)
            store_alerts.acknowledge_event(conn, event_id, actions=chosen, note=note, by=self.actor.username)
            audit.record(conn, self.actor, "alert.acknowledge", "alert_event", event_id, session_id=session_id,
                         after={"actions": chosen, "note": note})

    def acknowledge(self, alert_id: int, action: str, note: str | None = None) -> None:
        """Acknowledge the event a rule-level alert belongs to, with one action."""
        self.actor.require("alert.acknowledge")
        self.acknowledge_event(store_alerts.alert_event(self.engine, alert_id), [action], note)
