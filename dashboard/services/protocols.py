"""Protocols for supervisors: versions, assignments (clinic, patient, session), what-if; resolution."""

from __future__ import annotations

import json

import pandas as pd
from pydantic import ValidationError
from sqlalchemy import Engine

from dashboard.core.protocol import Protocol, load_protocol, preset_files
from dashboard.core.roles import SYSTEM_ACTOR, Actor
from dashboard.core.whatif import WhatIf, compare
from dashboard.store import audit
from dashboard.store import protocols as store_protocols
from dashboard.store import readings as store_readings
from dashboard.store import sessions as store_sessions
from dashboard.store.db import Bind, begin, hold
from dashboard.store.errors import Conflict
from dashboard.store.sessions import Session

DEFAULT_NAME = load_protocol(preset_files()[preset_files().index("iv-ketamine-default.json")]).name


def parse(definition: dict | str) -> Protocol:
    """A protocol from JSON or a dict, or a Conflict that says plainly what is wrong."""
    try:
        data = json.loads(definition) if isinstance(definition, str) else definition
        return Protocol.model_validate(data)
    except json.JSONDecodeError as error:
        raise Conflict(f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}") from None
    except ValidationError as error:
        problems = []
        for item in error.errors():
            where = ".".join(str(p) for p in item["loc"])
            problems.append(f"{where}: {item['msg'].removeprefix('Value error, ')}" if where
                            else item["msg"].removeprefix("Value error, "))
        raise Conflict("; ".join(problems)) from None


def _dump(protocol: Protocol) -> str:
    return protocol.model_dump_json(indent=2, exclude={"version"})


def bootstrap(engine: Engine) -> None:
    """Store the shipped presets and make the IV ketamine preset the clinic default, once (under a lock:
    processes starting together on a fresh database store them once)."""
    with begin(engine) as conn:
        hold(conn, "bootstrap")
        if store_protocols.names(conn):
            return
        for filename in preset_files():
            preset = load_protocol(filename)
            store_protocols.add_version(conn, preset.name, _dump(preset), reason="preset shipped with the app",
                                        by=SYSTEM_ACTOR.username)
        store_protocols.assign(conn, "clinic", None, DEFAULT_NAME, reason="clinic default", by=SYSTEM_ACTOR.username)


def _from_stored(stored: store_protocols.StoredProtocol) -> Protocol:
    return parse(stored.definition).model_copy(update={"name": stored.name, "version": stored.version})


def resolve(bind: Bind, session: Session) -> tuple[Protocol, int | None, str]:
    """The protocol a session runs under, its version id, and where it came from.

    A session keeps the version pinned at infusion start; before that: the session's override, the patient's
    override, the clinic default, in that order.
    """
    pinned = store_protocols.pinned(bind, session.id)
    if pinned is not None:
        return _from_stored(store_protocols.by_id(bind, pinned)), pinned, "pinned at infusion start"
    for scope, scope_id, source in (("session", session.id, "session override"),
                                    ("patient", session.patient_id, "patient override"),
                                    ("clinic", None, "clinic default")):
        name = store_protocols.assigned(bind, scope, scope_id)
        if name:
            stored = store_protocols.latest(bind, name)
            if stored is not None:
                return _from_stored(stored), stored.id, source
    return load_protocol(preset_files()[preset_files().index("iv-ketamine-default.json")]), None, "shipped default"


class Protocols:
    """Reading protocols is open to clinical roles; editing and assigning is for supervisors."""

    def __init__(self, engine: Engine, actor: Actor):
        self.engine, self.actor = engine, actor

    def names(self) -> list[str]:
        """Protocol names, the clinic default first."""
        self.actor.require("protocol.read")
        names = store_protocols.names(self.engine)
        default = store_protocols.assigned(self.engine, "clinic", None)
        return sorted(names, key=lambda n: (n != default, n))

    def current(self, name: str) -> Protocol:
        self.actor.require("protocol.read")
        stored = store_protocols.latest(self.engine, name)
        if stored is None:
            raise Conflict(f"no protocol named {name!r}")
        return _from_stored(stored)

    def history(self, name: str) -> pd.DataFrame:
        self.actor.require("protocol.read")
        return store_protocols.history(self.engine, name)

    def save(self, definition: dict | str, *, reason: str) -> Protocol:
        """A new version (or a new protocol); the previous versions stay."""
        self.actor.require("protocol.edit")
        if not reason or not reason.strip():
            raise Conflict("say why the protocol changes")
        protocol = parse(definition)
        with begin(self.engine) as conn:
            before = store_protocols.latest(conn, protocol.name)
            stored = store_protocols.add_version(conn, protocol.name, _dump(protocol), reason=reason.strip(),
                                                 by=self.actor.username)
            audit.record(conn, self.actor, "protocol.version", "protocol", stored.id,
                         before=None if before is None else json.loads(before.definition),
                         after={**json.loads(stored.definition), "version": stored.version, "reason": reason})
        return protocol.model_copy(update={"version": stored.version})

    def assign(self, scope: str, scope_id: int | None, name: str, *, reason: str) -> None:
        self.actor.require("protocol.edit")
        if store_protocols.latest(self.engine, name) is None:
            raise Conflict(f"no protocol named {name!r}")
        if not reason or not reason.strip():
            raise Conflict("say why this protocol applies")
        with begin(self.engine) as conn:
            before = store_protocols.assigned(conn, scope, scope_id)
            store_protocols.assign(conn, scope, scope_id, name, reason=reason.strip(), by=self.actor.username)
            audit.record(conn, self.actor, "protocol.assign", scope, scope_id,
                         session_id=scope_id if scope == "session" else None,
                         before={"protocol": before}, after={"protocol": name, "reason": reason})

    def what_if(self, draft: Protocol, current_name: str, session_ids: list[int], tz: str = "UTC") -> WhatIf:
        """The alerts of each priority the draft would have raised over these sessions, and each alert it
        adds or removes with why (times in `tz`)."""
        self.actor.require("protocol.edit")
        current = self.current(current_name)
        readings, sessions = session_frames(self.engine, session_ids)
        return compare(readings, sessions, current, draft, tz)


def session_frames(bind: Bind, session_ids: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Readings in force and the session codes and times, in the layout dashboard.core.alerts expects."""
    readings = store_readings.sessions_readings(bind, session_ids)
    rows = [store_sessions.get_session(bind, sid) for sid in session_ids]
    sessions = pd.DataFrame({
        "session_id": [s.id for s in rows],
        "code": [s.code for s in rows],
        "infusion_started_at": pd.to_datetime([s.infusion_started_at for s in rows], utc=True),
        "infusion_stopped_at": pd.to_datetime([s.infusion_stopped_at for s in rows], utc=True),
        "discharged_at": pd.to_datetime([s.discharged_at for s in rows], utc=True),
    })
    return readings, sessions
