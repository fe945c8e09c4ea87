"""A session read back for review and handed over as files: everything the review page shows, its summary,
and the CSV, FHIR and PDF exports; read-only, for every role that may read sessions."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine

from dashboard.core.clock import utcnow
from dashboard.core.csvfile import export_csv
from dashboard.core.errors import NotFound
from dashboard.core.fhir_export import session_bundle
from dashboard.core.review import SessionReview
from dashboard.core.review_summary import ReviewSummary, summarise
from dashboard.core.roles import Actor
from dashboard.core.sessions import Session
from dashboard.core.versions import in_force
from dashboard.services.protocols import resolve
from dashboard.store import alerts as store_alerts
from dashboard.store import events as store_events
from dashboard.store import readings as store_readings
from dashboard.store import sessions as store_sessions
from dashboard.store import signoffs as store_signoffs
from dashboard.store.db import connect


class Review:
    """Reading sessions back for review and export (session.read: nurses and supervisors)."""

    def __init__(self, engine: Engine, actor: Actor, tz: str = "UTC"):
        self.engine, self.actor, self.tz = engine, actor, tz

    def sessions(self) -> list[Session]:
        """Every session, newest first (to choose one to review)."""
        self.actor.require("session.read")
        return store_sessions.list_sessions(self.engine)

    def find(self, code_or_id: str) -> Session:
        """The session with this code (or, for digits only, this id); NotFound otherwise."""
        self.actor.require("session.read")
        text = str(code_or_id).strip()
        found = store_sessions.find_session(self.engine, text)
        if found is None and text.isdigit():
            found = store_sessions.get_session(self.engine, int(text))
        if found is None:
            raise NotFound(f"no session with code {text!r}")
        return found

    def load(self, session_id: int) -> SessionReview:
        """The session, its readings (all versions), events, alerts with every acknowledgement, signatures and
        summary, read together."""
        self.actor.require("session.read")
        now = utcnow()
        with connect(self.engine) as conn:
            session = store_sessions.get_session(conn, session_id)
            protocol, _, source = resolve(conn, session)
            history = store_readings.session_readings(conn, session_id, history=True)
            events = store_events.session_events_frame(conn, session_id)
            alert_events = store_alerts.session_events(conn, session_id)
            acks = store_alerts.session_acks(conn, session_id)
            signoffs = store_signoffs.session_signoffs(conn, session_id)
        readings = in_force(history)
        discharged = session.discharged_at
        at_discharge = alert_events["ended_at"].notna() & (discharged is not None)
        if discharged is not None:
            at_discharge &= alert_events["ended_at"] == pd.Timestamp(discharged)
        alert_events = alert_events.assign(ended_at_discharge=at_discharge.astype(bool))
        summary = summarise(session, protocol, readings, events, alert_events, now=now, tz=self.tz)
        return SessionReview(session, protocol, source, history, readings, events, alert_events, acks, signoffs,
                             summary, now)

    def summary(self, session_id: int) -> ReviewSummary:
        return self.load(session_id).summary

    def csv(self, session_id: int) -> str:
        """The readings in force in the import template's columns; text a spreadsheet would run is neutralised."""
        self.actor.require("session.read")
        session = store_sessions.get_session(self.engine, session_id)
        return export_csv(store_readings.session_readings(self.engine, session_id), session_code=session.code,
                          tz=self.tz)

    def fhir(self, session_id: int) -> dict:
        """A FHIR R4 Bundle (collection) of the readings in force as vital-sign Observations."""
        self.actor.require("session.read")
        session = store_sessions.get_session(self.engine, session_id)
        return session_bundle(session, store_readings.session_readings(self.engine, session_id), now=utcnow(),
                              tz=self.tz)

    def report(self, session_id: int) -> bytes:
        """The one-page PDF report: chart, summary, alerts with what was done, side effects, signatures."""
        from dashboard.core.report_pdf import session_report  # matplotlib and fpdf load only when a report is made
        return session_report(self.load(session_id), tz=self.tz)
