"""Clinical records for a signed-in actor: sessions, readings and events, role-checked and audited."""

from __future__ import annotations

import math
from dataclasses import asdict
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Engine

from dashboard.core.clock import as_utc, utcnow
from dashboard.core.entry_time import clock_text, entry_moment
from dashboard.core import planning
from dashboard.core.roles import Actor
from dashboard.core.validation import EntryResult, Problem, check_times, validate_entry
from dashboard.services.alerting import refresh
from dashboard.services.protocols import DEFAULT_NAME, resolve
from dashboard.store import alerts as store_alerts
from dashboard.store import audit
from dashboard.store import chairs as store_chairs
from dashboard.store import protocols as store_protocols
from dashboard.store import events as store_events
from dashboard.store import readings as store_readings
from dashboard.store import sessions as store_sessions
from dashboard.store.db import begin
from dashboard.store.errors import Conflict, NotFound
from dashboard.store.sessions import Session

# A time given to a write: None = the moment of saving; a datetime; or a clinic clock time 'HH:MM[:SS]'.
When = datetime | str | None


class SecondSession(Conflict):
    """The patient already has a session that day; opening another needs confirming."""


class DischargeRefused(Conflict):
    """Discharge refused; .reasons lists each thing that stands in the way."""

    def __init__(self, reasons: list[str]):
        self.reasons = list(reasons)
        super().__init__("discharge refused: " + "; ".join(self.reasons))


class Records:
    """Every read and write of patients, sessions, readings and events goes through here."""

    def __init__(self, engine: Engine, actor: Actor, tz: str = "UTC"):
        self.engine, self.actor, self.tz = engine, actor, tz
        self.raised = pd.DataFrame()  # alerts newly raised by the last write, for a toast

    # reads
    def sessions(self) -> list[Session]:
        self.actor.require("session.read")
        return store_sessions.list_sessions(self.engine)

    def session(self, session_id: int) -> Session:
        self.actor.require("session.read")
        return store_sessions.get_session(self.engine, session_id)

    def patients(self) -> pd.DataFrame:
        self.actor.require("session.read")
        return store_sessions.list_patients(self.engine)

    def readings(self, session_id: int, *, history: bool = False) -> pd.DataFrame:
        self.actor.require("session.read")
        return store_readings.session_readings(self.engine, session_id, history=history)

    def events(self, session_id: int) -> pd.DataFrame:
        self.actor.require("session.read")
        return store_events.session_events_frame(self.engine, session_id)

    def reading_counts(self) -> dict[int, int]:
        self.actor.require("session.read")
        return store_readings.reading_counts(self.engine)

    # writes
    def open_session(self, session_date: date, *, patient_code: str, new_patient: bool, protocol: str | None = None,
                     infusion_number: int | None = None, planned_dose_mg: float | None = None,
                     weight_kg: float | None = None, code: str | None = None,
                     confirm_second: bool = False) -> int:
        """A new planned session; a second one the same day for a patient is refused unless confirm_second.

        When not given: the protocol is the patient's, else the clinic's; the infusion number is the next in
        the patient's series; the dose is computed from the weight (core.planning).
        """
        self.actor.require("session.create")
        by = self.actor.username
        with begin(self.engine) as conn:
            if new_patient:
                patient_id = store_sessions.create_patient(conn, patient_code, by=by)
                audit.record(conn, self.actor, "patient.create", "patient", patient_id, after={"code": patient_code})
            else:
                patient_id = store_sessions.find_patient(conn, patient_code)
                if patient_id is None:
                    raise NotFound(f"no patient with code {patient_code!r}")
            previous = store_sessions.list_sessions(conn, patient_id)
            same_day = [s for s in previous if s.session_date == session_date]
            if same_day and not confirm_second:
                raise SecondSession(f"{patient_code.strip()} already has a session on {session_date:%Y-%m-%d}: "
                                    f"{'; '.join(self._describe(s) for s in same_day)}. "
                                    "Open a second session only if this is really another infusion today.")
            session_id = store_sessions.create_session(
                conn, patient_id, session_date, by=by, protocol=protocol or _protocol_for(conn, patient_id),
                infusion_number=infusion_number or planning.next_infusion_number(s.infusion_number for s in previous),
                planned_dose_mg=planning.planned_dose_mg(planned_dose_mg, weight_kg), weight_kg=weight_kg, code=code)
            created = store_sessions.get_session(conn, session_id)
            audit.record(conn, self.actor, "session.create", "session", session_id, session_id=session_id,
                         after=asdict(created))
        return session_id

    def _describe(self, session: Session) -> str:
        """'S-0007, infusion 1, infusing since 09:02' (clinic time)."""
        def clock(moment: datetime) -> str:
            return f"{moment.astimezone(ZoneInfo(self.tz)):%H:%M}"
        number = f", infusion {session.infusion_number}" if session.infusion_number else ""
        state = {"infusing": ("infusing since", session.infusion_started_at),
                 "recovery": ("in recovery since", session.infusion_stopped_at),
                 "discharged": ("discharged at", session.discharged_at)}.get(session.status)
        status = f"{state[0]} {clock(state[1])}" if state and state[1] else session.status
        return f"{session.code}{number}, {status}"

    def _mark(self, session_id: int, step, action: str, at: datetime | None, check=None) -> None:
        """Record an infusion step; check(conn, session, at) may refuse it (raising) or return audit extras."""
        self.actor.require("session.infusion")
        at = at or utcnow()
        with begin(self.engine) as conn:
            store_sessions.lock(conn, [session_id])
            session = store_sessions.get_session(conn, session_id)
            extra = check(conn, session, at) if check else None
            before = asdict(session)
            step(conn, session_id, at)
            if action == "session.infusion_start":
                _, version_id, _ = resolve(conn, store_sessions.get_session(conn, session_id))
                if version_id is not None:
                    store_protocols.pin_to_session(conn, session_id, version_id)
            after = asdict(store_sessions.get_session(conn, session_id)) | (extra or {})
            audit.record(conn, self.actor, action, "session", session_id, session_id=session_id,
                         before=before, after=after)
            self.raised = refresh(conn, session_id, self.actor)

    def start_infusion(self, session_id: int, at: datetime | None = None, chair: str | None = None) -> None:
        """The infusion starts (now, or at); chair: the name of the chair it runs in, which it leaves at
        discharge (refused while another session is in it)."""
        def step(conn, sid: int, when: datetime) -> None:
            store_sessions.start_infusion(conn, sid, when)
            if chair:
                store_chairs.place(conn, sid, store_chairs.find_chair(conn, chair))
        self._mark(session_id, step, "session.infusion_start", at)

    def place_in_chair(self, session_id: int, chair: str | None) -> None:
        """Move a session that has not left yet to another chair (None: to no chair)."""
        self.actor.require("session.infusion")
        with begin(self.engine) as conn:
            store_sessions.lock(conn, [session_id])
            before = store_sessions.get_session(conn, session_id)
            if before.discharged_at is not None:
                raise Conflict(f"{before.code} is discharged: it keeps the chair it ran in")
            store_chairs.place(conn, session_id, store_chairs.find_chair(conn, chair) if chair else None)
            after = store_sessions.get_session(conn, session_id)
            audit.record(conn, self.actor, "session.chair", "session", session_id, session_id=session_id,
                         before={"chair": before.chair}, after={"chair": after.chair})

    def stop_infusion(self, session_id: int, at: datetime | None = None) -> None:
        self._mark(session_id, store_sessions.stop_infusion, "session.infusion_stop", at)

    def discharge(self, session_id: int, at: datetime | None = None, *, override_reason: str | None = None) -> None:
        """Discharge, refused (DischargeRefused, nothing stored) while a high-priority alert waits for
        acknowledgement, the infusion runs, or before the protocol's minimum observation time; a reason
        overrides the refusal and is audited with what it overrode. Alerts still active end at discharge."""
        override = (override_reason or "").strip()

        def check(conn, session: Session, at: datetime) -> dict | None:
            if session.discharged_at is not None:
                return None  # the store refuses a second discharge
            reasons = self.discharge_problems(session, at, conn)
            if reasons and not override:
                raise DischargeRefused(reasons)
            return {"override": {"reason": override, "overridden": reasons}} if reasons else None

        self._mark(session_id, store_sessions.discharge, "session.discharge", at, check)

    def discharge_problems(self, session: Session, at: datetime | None = None, conn=None) -> list[str]:
        """Why a discharge at `at` (default now) would be refused; empty when it may go ahead."""
        self.actor.require("session.read")
        bind = self.engine if conn is None else conn
        at = at or utcnow()
        tz = ZoneInfo(self.tz)
        reasons = [f"high-priority alert since {row.started_at.tz_convert(tz):%H:%M} not acknowledged "
                   f"({row.summary.split(': ', 1)[-1]})"
                   for row in store_alerts.unacknowledged_high_events(bind, session.id).itertuples()]
        if session.infusion_started_at is not None and session.infusion_stopped_at is None:
            reasons.append("the infusion is still running: stop it first")
        protocol, _, _ = resolve(bind, session)
        earliest = protocol.earliest_discharge(session.infusion_started_at, session.infusion_stopped_at)
        if earliest is not None and at < earliest:
            since = "stop" if protocol.min_observation_from == "infusion_stop" else "start"
            left = math.ceil((earliest - at).total_seconds() / 60)
            reasons.append(f"the protocol observes at least {protocol.min_observation_min:g} min after infusion "
                           f"{since}: not before {earliest.astimezone(tz):%H:%M} ({left} min to go)")
        return reasons

    def _moment(self, session: Session, given: When) -> datetime:
        """The moment a write is for; ValueError names what is wrong with a typed clock time."""
        return entry_moment(given, session_date=session.session_date, tz=self.tz,
                            reference=session.infusion_started_at, now=utcnow())

    def _reference(self, session: Session) -> datetime:
        """What an entry's time must be near: the infusion start, or the start of the session's day."""
        return session.infusion_started_at or datetime.combine(session.session_date, time(0), tzinfo=ZoneInfo(self.tz))

    def _validate(self, session_id: int, raw: dict, measured_at: When) -> EntryResult:
        """The entry rules, times named in clinic time."""
        session = self.session(session_id)
        reference, now = self._reference(session), utcnow()
        try:
            moment = self._moment(session, measured_at)
        except ValueError as error:
            checked = validate_entry(raw, measured_at=now, now=now, session_reference=reference, tz=self.tz)
            return EntryResult(None, [Problem(0, "measured_at", measured_at, str(error)), *checked.problems])
        result = validate_entry(raw, measured_at=moment, now=now, session_reference=reference, tz=self.tz)
        if session.discharged_at is not None and moment > session.discharged_at:
            tz = ZoneInfo(self.tz)
            late = Problem(0, "measured_at", moment,
                           f"{moment.astimezone(tz):%H:%M:%S} is after the discharge at "
                           f"{session.discharged_at.astimezone(tz):%H:%M:%S}: after discharge only late entries, "
                           "measured before it, can be added (set the time it was measured)")
            return EntryResult(None, [*result.problems, late])
        return result

    def record_reading(self, session_id: int, raw: dict, *, measured_at: When = None, bp_method: str | None = "cuff",
                       note: str | None = None) -> tuple[EntryResult, int | None]:
        """Validate typed values and store them when valid; the result carries the problems otherwise.

        measured_at None is the moment of saving, to the second; a set time is a late entry (entered_at is kept).
        """
        self.actor.require("reading.write")
        result = self._validate(session_id, raw, measured_at)
        if result.problems:
            return result, None
        with begin(self.engine) as conn:
            store_sessions.lock(conn, [session_id])  # a second entry landing now waits: alerts see both
            reading_id = store_readings.add_reading(conn, session_id, result.values, measured_at=result.measured_at,
                                                    by=self.actor.username, bp_method=bp_method, note=note)
            audit.record(conn, self.actor, "reading.add", "reading", reading_id, session_id=session_id,
                         after=store_readings.reading_fields(conn, reading_id))
            self.raised = refresh(conn, session_id, self.actor)
        return result, reading_id

    def correct_reading(self, reading_id: int, raw: dict, *, reason: str,
                        measured_at: When = None) -> tuple[EntryResult, int | None]:
        """A new version of a reading; measured_at None keeps the original's time."""
        self.actor.require("reading.correct")
        original = store_readings.reading_versions(self.engine, [reading_id])
        if original.empty:
            raise NotFound(f"reading {reading_id} does not exist")
        session_id = int(original["session_id"].iloc[0])
        original_at = as_utc(original["measured_at"].iloc[0])
        if measured_at is None or (isinstance(measured_at, str) and
                                   measured_at.strip() in ("", clock_text(original_at, self.tz))):
            measured_at = original_at  # the time shown unchanged: the original's, to the microsecond
        result = self._validate(session_id, raw, measured_at)
        if result.problems:
            return result, None
        with begin(self.engine) as conn:
            store_sessions.lock(conn, [session_id])
            new_id = store_readings.correct_reading(conn, reading_id, result.values, reason=reason,
                                                    by=self.actor.username, measured_at=result.measured_at)
            audit.record(conn, self.actor, "reading.correct", "reading", new_id, session_id=session_id,
                         before=store_readings.reading_fields(conn, reading_id),
                         after=store_readings.reading_fields(conn, new_id))
            self.raised = refresh(conn, session_id, self.actor)
        return result, new_id

    def void_reading(self, reading_id: int, *, reason: str) -> int:
        self.actor.require("reading.correct")
        original = store_readings.reading_versions(self.engine, [reading_id])
        with begin(self.engine) as conn:
            if len(original):
                store_sessions.lock(conn, [int(original["session_id"].iloc[0])])
            new_id = store_readings.mark_entered_in_error(conn, reading_id, reason=reason, by=self.actor.username)
            after = store_readings.reading_fields(conn, new_id)
            audit.record(conn, self.actor, "reading.entered_in_error", "reading", new_id,
                         session_id=int(after["session_id"]), before=store_readings.reading_fields(conn, reading_id),
                         after=after)
            self.raised = refresh(conn, int(after["session_id"]), self.actor)
        return new_id

    def add_event(self, session_id: int, kind: str, label: str, *, occurred_at: When = None,
                  score: int | None = None, severity: str | None = None, note: str | None = None) -> int:
        """A side effect or score; occurred_at None is the moment of saving. Bad input raises a Conflict."""
        self.actor.require("event.write")
        session = self.session(session_id)
        try:
            moment = self._moment(session, occurred_at)
        except ValueError as error:
            raise Conflict(str(error)) from None
        problems = check_times(pd.Series([moment]), reference=self._reference(session), now=utcnow(), tz=self.tz)
        if problems:
            raise Conflict(problems[0].reason)
        with begin(self.engine) as conn:
            event_id = store_events.add_event(conn, session_id, kind, label, occurred_at=moment,
                                              by=self.actor.username, score=score, severity=severity, note=note)
            audit.record(conn, self.actor, "event.add", "event", event_id, session_id=session_id,
                         after={"kind": kind, "label": label, "score": score, "severity": severity,
                                "note": note, "occurred_at": moment})
        return event_id


def _protocol_for(conn, patient_id: int) -> str:
    """The protocol name a new session is opened under: the patient's assignment, else the clinic default."""
    return (store_protocols.assigned(conn, "patient", patient_id) or store_protocols.assigned(conn, "clinic", None)
            or DEFAULT_NAME)
