"""Training for trainers, trainees and supervisors: the scenario library (never a live session), new scenarios
from files or de-identified finished sessions, new versions, trainees' results and the class summary."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import pandas as pd
from sqlalchemy import Engine

from dashboard.core.csvfile import ImportOptions, NeedsSetting, parse_file
from dashboard.core.decisions import CHOICES, Decision, decision_points
from dashboard.core.errors import Conflict
from dashboard.core.protocol import Protocol, load_protocol, preset_files
from dashboard.core.roles import Actor
from dashboard.core.scenarios import Draft, Scenario, definition_json, file_draft, from_definition, shift
from dashboard.core.trainee import Answer, ClassSummary, Score, class_summary, score
from dashboard.store import audit
from dashboard.store import events as store_events
from dashboard.store import protocols as store_protocols
from dashboard.store import readings as store_readings
from dashboard.store import scenarios as store_scenarios
from dashboard.store import sessions as store_sessions
from dashboard.store.db import Bind, begin
from dashboard.store.errors import NotFound
from dashboard.store.signoffs import first_signed_at

FROM_SESSION_SOURCE = "A finished clinic session, de-identified (no patient, session, name, note or date kept)"


@dataclass(frozen=True)
class ScenarioInfo:
    code: str
    version: int
    title: str
    goal: str
    protocol: str
    source: str
    readings: int
    decisions: int

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def protocol_named(bind: Bind | None, name: str) -> Protocol:
    """The protocol a scenario runs under: the clinic's newest version of that name, else the shipped preset
    (bind None: the shipped presets only)."""
    from dashboard.services.protocols import parse
    stored = None if bind is None else store_protocols.latest(bind, name)
    if stored is not None:
        return parse(stored.definition).model_copy(update={"name": stored.name, "version": stored.version})
    for filename in preset_files():
        preset = load_protocol(filename)
        if preset.name == name:
            return preset
    raise Conflict(f"no protocol named {name!r}")


def build_decisions(bind: Bind, draft: Draft) -> tuple[Decision, ...]:
    """The draft's decision points under its protocol (the alert engine's events, and the quiet moments)."""
    sessions = draft.as_scenario("").session_frame()
    return decision_points(draft.readings, sessions, protocol_named(bind, draft.protocol),
                           overrides=draft.overrides, quiet_at=draft.quiet_at)


def store_draft(conn, draft: Draft, code: str, *, reason: str, by: str) -> store_scenarios.StoredVersion:
    """Store a new scenario from a draft, its decisions computed (inside the caller's transaction)."""
    draft = replace(draft, choices=draft.choices or CHOICES)
    return store_scenarios.add_scenario(
        conn, code, title=draft.title, goal=draft.goal, protocol=draft.protocol, source=draft.source,
        definition=definition_json(draft, build_decisions(conn, draft)), reason=reason, by=by)


def _scenario(stored: store_scenarios.StoredVersion) -> Scenario:
    scenario = from_definition(stored.code, stored.version, stored.title, stored.goal, stored.protocol,
                               stored.source, stored.definition)
    return replace(scenario, created_at=pd.Timestamp(stored.created_at), created_by=stored.created_by,
                   reason=stored.reason)


def _info(stored: store_scenarios.StoredVersion) -> ScenarioInfo:
    body = json.loads(stored.definition)
    return ScenarioInfo(stored.code, stored.version, stored.title, stored.goal, stored.protocol, stored.source,
                        len(body["readings"]["t_s"]), len(body["decisions"]))


def _text(value: str | None, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise Conflict(f"give the scenario a {what}")
    return value


class Training:
    """Scenarios and results; trainees see the library and their own results, trainers everyone's."""

    def __init__(self, engine: Engine, actor: Actor):
        self.engine, self.actor = engine, actor

    # the library
    def scenarios(self) -> list[ScenarioInfo]:
        """Every scenario's newest version, by code."""
        self.actor.require("scenario.train")
        return [_info(s) for s in store_scenarios.latest_versions(self.engine)]

    def scenario(self, code: str, version: int | None = None) -> Scenario:
        """A scenario with its readings, events and decision points (its newest version unless given)."""
        self.actor.require("scenario.train")
        return _scenario(store_scenarios.version(self.engine, code, version))

    def protocol(self, name: str) -> Protocol:
        """A protocol a scenario runs under, or a trainer switches to during a replay."""
        self.actor.require("scenario.train")
        return protocol_named(self.engine, name)

    def protocol_names(self) -> list[str]:
        """The protocols a trainer may switch a replay to."""
        self.actor.require("scenario.run")
        names = store_protocols.names(self.engine) or [load_protocol(f).name for f in preset_files()]
        default = store_protocols.assigned(self.engine, "clinic", None)
        return sorted(names, key=lambda n: (n != default, n))

    def history(self, code: str) -> pd.DataFrame:
        """Every version of a scenario, newest first, with who made it, when and why."""
        self.actor.require("scenario.run")
        return store_scenarios.history(self.engine, code)

    # new scenarios and versions
    def source_sessions(self) -> list[tuple[str, str]]:
        """(code, label) of the sessions that may become a scenario: discharged or signed off."""
        self.actor.require("scenario.from_session")
        signed = first_signed_at(self.engine)
        return [(s.code, f"{s.code} · {s.session_date:%Y-%m-%d} · {s.status}" + (" · signed" if s.id in signed
                                                                                  else ""))
                for s in store_sessions.list_sessions(self.engine) if s.status == "discharged" or s.id in signed]

    def add_from_session(self, session_code: str, *, title: str, goal: str) -> Scenario:
        """A new scenario from a discharged or signed session, de-identified: readings and events only, moved
        to the reference day; no patient or session code, name, note, date or id is kept, nor any link back."""
        self.actor.require("scenario.from_session")
        title, goal = _text(title, "title"), _text(goal, "learning goal")
        session = store_sessions.find_session(self.engine, (session_code or "").strip())
        if session is None:
            raise NotFound(f"no session {session_code!r}")
        if session.status != "discharged" and session.id not in first_signed_at(self.engine, [session.id]):
            raise Conflict(f"session {session.code} is {session.status}: only a discharged or signed session can "
                           "become a scenario")
        if session.infusion_started_at is None:
            raise Conflict(f"session {session.code} has no infusion start to replay from")
        for text in (title, goal):
            if any(code.lower() in text.lower() for code in (session.code, session.patient_code)):
                raise Conflict("the title and goal may not name the patient or the session: a scenario keeps no "
                               "link to them")
        from dashboard.services.protocols import resolve
        protocol, _, _ = resolve(self.engine, session)
        readings = store_readings.session_readings(self.engine, session.id)
        if readings.empty:
            raise Conflict(f"session {session.code} has no readings to replay")
        kept, events, stopped, discharged = shift(readings, store_events.session_events_frame(self.engine, session.id),
                                                  session.infusion_started_at, session.infusion_stopped_at,
                                                  session.discharged_at)
        draft = Draft(title=title, goal=goal, protocol=protocol.name, source=FROM_SESSION_SOURCE, description="",
                      readings=kept, events=events, stopped_at=stopped, discharged_at=discharged)
        return self._add(draft, "made from a finished session")

    def import_file(self, data: bytes, *, file_name: str, title: str, goal: str, protocol: str,
                    options: ImportOptions | None = None, infusion_min: float = 0.0,
                    infusion_length_min: float | None = 40.0) -> Scenario:
        """A new scenario from any vitals file the importer reads (one session's readings); the infusion starts
        infusion_min after its first reading. Impossible values are left out as an import leaves them out."""
        self.actor.require("scenario.edit")
        title, goal = _text(title, "title"), _text(goal, "learning goal")
        protocol_named(self.engine, protocol)
        options = options or ImportOptions()
        try:
            parsed = parse_file(data, options, file_name=file_name)
        except NeedsSetting as error:
            if error.setting != "session":
                raise
            parsed = parse_file(data, replace(options, session="scenario"), file_name=file_name)  # one recording
        if parsed.rows_accepted == 0 and parsed.problems:
            first = parsed.problems[0]
            raise Conflict(f"no line of {parsed.file_name} can be used: line {first.line}: {first.reason}")
        try:
            draft = file_draft(parsed.readings, title=title, goal=goal, protocol=protocol,
                               source=f"Imported file {parsed.file_name}", infusion_min=infusion_min,
                               infusion_length_min=infusion_length_min)
        except ValueError as error:
            raise Conflict(str(error)) from None
        return self._add(draft, f"imported from {parsed.file_name}: {parsed.rows_accepted} of {parsed.rows_read} "
                                "rows used")

    def _add(self, draft: Draft, reason: str) -> Scenario:
        with begin(self.engine) as conn:
            code = store_scenarios.next_code(conn)
            stored = store_draft(conn, draft, code, reason=reason, by=self.actor.username)
            audit.record(conn, self.actor, "scenario.create", "scenario", stored.code,
                         after={"code": stored.code, "title": stored.title, "protocol": stored.protocol,
                                "reason": reason})
        return _scenario(stored)

    def revise(self, code: str, *, title: str, goal: str, protocol: str, reason: str) -> Scenario:
        """A new version with a new title, goal or protocol (the decision points follow the protocol; curated
        answers at the same minutes are kept); the earlier versions and their results stay."""
        self.actor.require("scenario.edit")
        title, goal, reason = _text(title, "title"), _text(goal, "learning goal"), _text(reason, "reason")
        protocol_named(self.engine, protocol)
        current = self.scenario(code)
        decisions = current.decisions
        if protocol != current.protocol:
            kept = {d.at_min: {"good": list(d.good), "why": d.why} for d in current.decisions if d.kind == "alert"}
            draft = Draft(title, goal, protocol, current.source, current.description, current.readings,
                          current.events, current.started_at, current.stopped_at, current.discharged_at,
                          overrides=kept, quiet_at=tuple(d.at_min for d in current.decisions if d.kind == "quiet"))
            decisions = build_decisions(self.engine, draft)
        with begin(self.engine) as conn:
            stored = store_scenarios.add_version(conn, code, title=title, goal=goal, protocol=protocol,
                                                 source=current.source, definition=definition_json(current, decisions),
                                                 reason=reason, by=self.actor.username)
            audit.record(conn, self.actor, "scenario.version", "scenario", code,
                         before={"version": current.version, "title": current.title, "protocol": current.protocol},
                         after={"version": stored.version, "title": title, "protocol": protocol, "reason": reason})
        return _scenario(stored)

    # trainees' results
    def record_result(self, code: str, version: int, answers: list[Answer] | tuple[Answer, ...],
                      ended_at_min: float | None) -> Score:
        """Score a trainee's run against that version's decisions (scored here, from the answers) and keep it."""
        self.actor.require("scenario.train")
        stored = store_scenarios.version(self.engine, code, version)
        decisions = _scenario(stored).decisions
        if any(not 0 <= a.decision < len(decisions) for a in answers):
            raise Conflict("an answer names a decision the scenario does not have")
        result = score(decisions, tuple(answers), ended_at_min)
        with begin(self.engine) as conn:
            result_id = store_scenarios.add_result(
                conn, stored.id, trainee=self.actor.username, score=result.percent, right_answers=result.right,
                decisions=result.total, answers=json.dumps([v.as_dict() for v in result.verdicts]))
            audit.record(conn, self.actor, "scenario.result", "scenario_result", result_id,
                         after={"scenario": code, "version": version, "score": result.percent})
        return result

    def my_results(self) -> pd.DataFrame:
        """The signed-in trainee's own runs, newest first."""
        self.actor.require("scenario.train")
        return store_scenarios.results(self.engine, trainee=self.actor.username).drop(columns=["answers"])

    def results(self, code: str) -> pd.DataFrame:
        """Every run of a scenario, newest first (answers: the verdicts as JSON)."""
        self.actor.require("scenario.results")
        return store_scenarios.results(self.engine, code=code)

    def class_summary(self, code: str) -> ClassSummary:
        """Who ran the scenario, their scores, and the decision missed most often."""
        self.actor.require("scenario.results")
        runs = store_scenarios.results(self.engine, code=code)
        return class_summary([{"trainee": r.trainee, "finished_at": r.finished_at, "score": r.score,
                               "verdicts": json.loads(r.answers)} for r in runs.itertuples()])
