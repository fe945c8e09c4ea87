"""Alerts of a session: re-evaluated after every change, acknowledged by nurses, reminded when ignored."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Engine

from dashboard.core.alerts import evaluate
from dashboard.core.clock import utcnow
from dashboard.core.roles import Actor
from dashboard.store import alerts as store_alerts
from dashboard.store import audit
from dashboard.store import readings as store_readings
from dashboard.store import sessions as store_sessions
from dashboard.store.db import Bind, begin
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
    """Re-evaluate within the caller's transaction and store the result; returns newly raised alerts."""
    from dashboard.services.protocols import resolve
    session = store_sessions.get_session(conn, session_id)
    _, version_id, _ = resolve(conn, session)
    changes = store_alerts.sync(conn, session_id, evaluate_session(conn, session_id), version_id)
    for row in changes.raised.itertuples():
        audit.record(conn, actor, "alert.raise", "alert", None, session_id=session_id,
                     after={"rule": row.rule, "vital": row.vital, "level": row.level, "priority": row.priority,
                            "started_at": row.started_at, "peak_value": row.peak_value})
    if changes.withdrawn:
        audit.record(conn, actor, "alert.withdraw", "session", session_id, session_id=session_id,
                     after={"withdrawn": changes.withdrawn, "why": "the readings behind them were corrected"})
    return changes.raised


def needs_attention(alerts: pd.DataFrame, reminder_min: float, now: datetime) -> pd.DataFrame:
    """High-priority alerts a nurse must look at: never acknowledged (they latch), or acknowledged more than
    reminder_min ago while still active (they remind again)."""
    live = alerts[alerts["withdrawn_at"].isna() & (alerts["priority"] == "high")]
    unacked = live["acked_at"].isna()
    still_active = live["ended_at"].isna()
    overdue_ack = live["acked_at"] < pd.Timestamp(now) - pd.Timedelta(minutes=reminder_min)
    return live[unacked | (still_active & overdue_ack.fillna(False))]


class Alerting:
    def __init__(self, engine: Engine, actor: Actor):
        self.engine, self.actor = engine, actor

    def alerts(self, session_id: int) -> pd.DataFrame:
        self.actor.require("session.read")
        return store_alerts.session_alerts(self.engine, session_id)

    def unacknowledged_high(self) -> dict[int, int]:
        """Per session, high-priority alerts nobody has acknowledged yet."""
        self.actor.require("session.read")
        return store_alerts.unacknowledged_high(self.engine)

    def attention(self, session_id: int, now: datetime | None = None,
                  readings: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(high-priority alerts needing a look, BP-overdue right now) for a session's banner (readings: its
        readings in force, when the page has read them already)."""
        from dashboard.services.protocols import resolve
        self.actor.require("session.read")
        session = store_sessions.get_session(self.engine, session_id)
        protocol, _, _ = resolve(self.engine, session)
        now = now or utcnow()
        urgent = needs_attention(self.alerts(session_id), protocol.reminder_min, now)
        overdue = pd.DataFrame()
        if session.infusion_started_at is not None and session.discharged_at is None:
            live = evaluate_session(self.engine, session_id, now=now, readings=readings)
            overdue = live[(live["rule"] == "bp_overdue") & live["ended_at"].isna()]
        return urgent, overdue

    def acknowledge(self, alert_id: int, action: str, note: str | None = None) -> None:
        self.actor.require("alert.acknowledge")
        if action not in ACK_ACTIONS:
            raise Conflict(f"choose what was done: one of {', '.join(ACK_ACTIONS)}")
        if action == ACK_ACTIONS[-1] and not (note or "").strip():
            raise Conflict("say what was done in the note")
        with begin(self.engine) as conn:
            session_id = store_alerts.alert_session(conn, alert_id)
            store_alerts.acknowledge(conn, alert_id, action=action, note=note, by=self.actor.username)
            audit.record(conn, self.actor, "alert.acknowledge", "alert", alert_id, session_id=session_id,
                         after={"action": action, "note": note})
