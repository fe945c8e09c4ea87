"""Every public service method x every role: allowed does what it says; refused raises and changes nothing at all.

The methods are found by introspection (every public method of a service class, every public function of a
service module), so a new one without a row here fails the test. Columns: the four roles, the system (command
line), and where it means something a disabled account (sign-in, --as) or no one signed in (first set-up).
Services trust the Actor they are given; a disabled account never gets one (see the sign-in and acting_as rows).
"""

from __future__ import annotations

import importlib
import inspect
import itertools
import os
import pkgutil
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import pytest
from sqlalchemy import MetaData, select
from sqlalchemy.engine import Engine

import dashboard.services
from dashboard.core.errors import Conflict
from dashboard.core.roles import SYSTEM_ACTOR, Actor, PermissionDenied
from dashboard.services import accounts, audit_trail
from dashboard.services.accounts import Accounts, SignInFailed
from dashboard.services.alerting import ACK_ACTIONS, Alerting
from dashboard.services.board import Board
from dashboard.services.chairs import Chairs
from dashboard.services.imports import Imports
from dashboard.services.protocols import Protocols, resolve
from dashboard.services.records import Records
from dashboard.services.review import Review
from dashboard.services.training import Training
from dashboard.services.patient_series import PatientSeries
from dashboard.services.session_search import SessionSearch
from dashboard.core.session_filter import SessionFilter
from dashboard.services.runtime import open_database
from dashboard.services.signoffs import Signoffs
from dashboard.store.db import dispose, get_engine, migrate

NOW = datetime.now(timezone.utc).replace(microsecond=0)
T0 = NOW - timedelta(minutes=90)  # S-0001's infusion start
PASSWORD = "correct horse battery"
DEFAULT, ESKETAMINE = "IV ketamine clinic default", "Esketamine nasal spray (REMS-style)"
ACTORS = {"nurse": Actor("ana", "nurse"), "supervisor": Actor("sam", "supervisor"),
          "trainer": Actor("tia", "trainer"), "trainee": Actor("tim", "trainee"), "admin": Actor("ada", "admin"),
          "system": SYSTEM_ACTOR,
          "disabled": Actor("old", "nurse"), "no one signed in": None}
FIVE = ("nurse", "supervisor", "trainer", "trainee", "admin", "system")  # every role, and the system
PEOPLE = ("nurse", "supervisor", "trainer", "trainee", "admin", "disabled")  # accounts with a password
CLINICAL = frozenset({"nurse", "supervisor", "system"})
ACCOUNTS_ADMIN = frozenset({"admin", "system"})
PROTOCOL_EDIT = frozenset({"supervisor", "system"})
CHAIR_READ = frozenset({"nurse", "supervisor", "admin", "system"})
CHAIR_MANAGE = frozenset({"supervisor", "admin", "system"})


# ---- the world every cell starts from, built through the services as the system ----

def build_world(engine: Engine) -> dict[str, int]:
    admin = Accounts(engine, SYSTEM_ACTOR)
    for who in ("nurse", "supervisor", "trainer", "trainee", "admin", "disabled"):
        actor = ACTORS[who]
        admin.add(actor.username, actor.username.title(), actor.role, PASSWORD, must_change=False)
    admin.add("eve", "Eve", "nurse", PASSWORD, must_change=False)  # an account to disable, not one of the actors
    admin.disable("old")
    records = Records(engine, SYSTEM_ACTOR, "UTC")
    ids = {}
    for code, patient in (("S-0001", "P-1"), ("S-0002", "P-2"), ("S-0003", "P-3")):
        ids[code] = records.open_session(T0.date(), patient_code=patient, new_patient=True, protocol=DEFAULT,
                                         infusion_number=1, code=code)
    s1, s3 = ids["S-0001"], ids["S-0003"]
    records.start_infusion(s1, T0)  # infusing, with a critical SBP nobody has acknowledged
    for name, minute, sbp in (("r1", 5, "128"), ("r2", 10, "196"), ("r3", 15, "126")):
        ids[name] = records.record_reading(s1, {"sbp": sbp, "dbp": "80", "hr": "74"},
                                           measured_at=T0 + timedelta(minutes=minute))[1]
    records.add_event(s1, "side_effect", "Nausea", occurred_at=T0 + timedelta(minutes=12), severity="mild")
    start3 = NOW - timedelta(hours=4)  # S-0003: infused and watched long ago, ready for discharge
    records.start_infusion(s3, start3)
    records.record_reading(s3, {"sbp": "122", "dbp": "78", "hr": "70"}, measured_at=start3 + timedelta(minutes=5))
    records.stop_infusion(s3, start3 + timedelta(minutes=40))
    for chair in ("Chair 1", "Chair 2"):
        Chairs(engine, SYSTEM_ACTOR).add(chair)
    sign_off(engine, ACTORS["supervisor"], s3, "reviewed")  # S-0003 signed, with its gaps as warnings
    alerts = Alerting(engine, SYSTEM_ACTOR).alerts(s1)
    ids["high alert"] = int(alerts[alerts["priority"] == "high"]["id"].iloc[0])
    ids["high event"] = int(alerts[alerts["priority"] == "high"]["event_id"].iloc[0])
    Training(engine, ACTORS["trainee"]).record_result("TR-004", 1, [], 0.0)  # one trainee run of TR-004
    return ids


def sign_off(engine: Engine, who: Actor, session_id: int, meaning: str):
    warnings = Signoffs(engine, SYSTEM_ACTOR, "UTC").check(session_id).warnings
    return Signoffs(engine, who, "UTC").sign(session_id, password=PASSWORD, meaning=meaning,
                                             acknowledge_warnings=warnings)


@dataclass
class World:
    engine: Engine
    ids: dict[str, int]

    def session(self, code: str):
        return Records(self.engine, SYSTEM_ACTOR, "UTC").session(self.ids[code])


def snapshot(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table: any insert, update or delete shows as a difference."""
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return {name: sorted(map(repr, conn.execute(select(table)).all())) for name, table in meta.tables.items()}


def audit_actions(engine: Engine) -> list[str]:
    return audit_trail.audit_entries(engine, SYSTEM_ACTOR, limit=1_000_000)["action"].tolist()


def new_audit(world: World, before: list[str]) -> list[str]:
    after = audit_actions(world.engine)  # newest first
    return after[: len(after) - len(before)]


# ---- the matrix ----

@dataclass(frozen=True)
class Row:
    call: Callable[[World, Actor | None], Any]
    allowed: frozenset[str]
    check: Callable[[World, Actor | None, Any], bool]  # True when the allowed call's effect is there
    roles: tuple[str, ...] = FIVE
    writes: bool = False  # an allowed call changes the world (that cell gets its own copy)
    refusal: type[Exception] = PermissionDenied
    refusal_logged: bool = False  # a refused sign-in is logged by design: only that entry may appear
    note: str = ""


def records(w: World, who: Actor | None) -> Records:
    return Records(w.engine, who, "UTC")


def csv_file(w: World) -> bytes:
    rows = "".join(f"S-0001,{(T0 + timedelta(minutes=m)).isoformat()},124,79,,72,98,14,,\n" for m in (25, 30))
    return ("session_id,timestamp,sbp,dbp,map,hr,spo2,rr,temp_c,note\n" + rows).encode()


def draft(w: World) -> dict:
    definition = Protocols(w.engine, SYSTEM_ACTOR).current(DEFAULT).model_dump(exclude={"version"})
    definition["description"] = "reviewed"
    return definition


def audited(action: str) -> Callable[[World, Actor, Any], bool]:
    """The change left its audit entry, by the one who made it."""
    def check(w: World, who: Actor, _result) -> bool:
        return who.username in audit_trail.audit_entries(w.engine, SYSTEM_ACTOR, action=action)["actor"].tolist()
    return check


def both(effect: Callable[[World, Actor, Any], bool], action: str) -> Callable[[World, Actor, Any], bool]:
    return lambda w, who, result: bool(effect(w, who, result)) and audited(action)(w, who, result)


def status(code: str, expected: str) -> Callable[[World, Actor, Any], bool]:
    return lambda w, who, _result: w.session(code).status == expected


def in_force(w: World, column: str = "sbp") -> list:
    return Records(w.engine, SYSTEM_ACTOR).readings(w.ids["S-0001"])[column].tolist()


def user_row(w: World, username: str):
    table = Accounts(w.engine, SYSTEM_ACTOR).list()
    return table[table["username"] == username].iloc[0]


def opened(w: World, who: Actor, session_id: int) -> bool:
    session = Records(w.engine, SYSTEM_ACTOR).session(session_id)
    return (session.code, session.patient_code, session.status) == (f"S-{who.role}", f"P-{who.role}", "planned")


def acknowledged_by(w: World, who: Actor, _result) -> bool:
    events = Alerting(w.engine, SYSTEM_ACTOR).events(w.ids["S-0001"]).set_index("id")
    return events.loc[w.ids["high event"], "acked_by"] == who.username


def signs_in_with(password: str) -> Callable[[World, Actor, Any], bool]:
    return lambda w, who, _result: accounts.sign_in(w.engine, who.username, password).actor == who


S1_READINGS = [128, 196, 126]
EVERY_ACCOUNT = frozenset({"nurse", "supervisor", "trainer", "trainee", "admin"})
TRAINING = frozenset({"trainee", "trainer", "supervisor", "system"})
TRAINERS = frozenset({"trainer", "supervisor", "system"})
# method -> (call as `who`, who may, the effect seen when allowed, ...); checks return True when the effect is there.
MATRIX: dict[str, Row] = {
    # Records: reads
    "Records.sessions": Row(lambda w, who: records(w, who).sessions(), CLINICAL,
                            lambda w, who, got: [s.code for s in got] == ["S-0003", "S-0002", "S-0001"]),
    "Records.session": Row(lambda w, who: records(w, who).session(w.ids["S-0001"]), CLINICAL,
                           lambda w, who, got: (got.code, got.status) == ("S-0001", "infusing")),
    "Records.patients": Row(lambda w, who: records(w, who).patients(), CLINICAL,
                            lambda w, who, got: got["code"].tolist() == ["P-1", "P-2", "P-3"]),
    "Records.readings": Row(lambda w, who: records(w, who).readings(w.ids["S-0001"]), CLINICAL,
                            lambda w, who, got: got["sbp"].tolist() == S1_READINGS),
    "Records.events": Row(lambda w, who: records(w, who).events(w.ids["S-0001"]), CLINICAL,
                          lambda w, who, got: got["label"].tolist() == ["Nausea"]),
    "Records.reading_counts": Row(lambda w, who: records(w, who).reading_counts(), CLINICAL,
                                  lambda w, who, got: got == {w.ids["S-0001"]: 3, w.ids["S-0003"]: 1}),
    # Records: writes
    "Records.open_session": Row(
        lambda w, who: records(w, who).open_session(T0.date(), patient_code=f"P-{who.role}", new_patient=True,
                                                    protocol=DEFAULT, code=f"S-{who.role}"),
        CLINICAL, both(opened, "session.create"), writes=True),
    "Records.start_infusion": Row(lambda w, who: records(w, who).start_infusion(w.ids["S-0002"], NOW), CLINICAL,
                                  both(status("S-0002", "infusing"), "session.infusion_start"), writes=True),
    "Records.stop_infusion": Row(
        lambda w, who: records(w, who).stop_infusion(w.ids["S-0001"], T0 + timedelta(hours=1)), CLINICAL,
        both(status("S-0001", "recovery"), "session.infusion_stop"), writes=True),
    "Records.discharge": Row(lambda w, who: records(w, who).discharge(w.ids["S-0003"], NOW - timedelta(minutes=1)),
                             CLINICAL, both(status("S-0003", "discharged"), "session.discharge"), writes=True),
    "Records.discharge_problems": Row(
        lambda w, who: records(w, who).discharge_problems(w.session("S-0001"), NOW), CLINICAL,
        lambda w, who, got: any("not acknowledged" in reason for reason in got), note="stores nothing"),
    "Records.record_reading": Row(
        lambda w, who: records(w, who).record_reading(w.ids["S-0001"], {"sbp": "130", "dbp": "82", "hr": "76"},
                                                      measured_at=T0 + timedelta(minutes=20)),
        CLINICAL, both(lambda w, who, got: got[1] is not None and in_force(w) == S1_READINGS + [130], "reading.add"),
        writes=True),
    "Records.correct_reading": Row(
        lambda w, who: records(w, who).correct_reading(w.ids["r1"], {"sbp": "118", "dbp": "80", "hr": "74"},
                                                       reason="typo", measured_at=T0 + timedelta(minutes=5)),
        CLINICAL, both(lambda w, who, got: in_force(w) == [118, 196, 126], "reading.correct"), writes=True),
    "Records.void_reading": Row(
        lambda w, who: records(w, who).void_reading(w.ids["r3"], reason="wrong patient"), CLINICAL,
        both(lambda w, who, got: in_force(w) == [128, 196] and len(Records(w.engine, SYSTEM_ACTOR).readings(
            w.ids["S-0001"], history=True)) == 4, "reading.entered_in_error"), writes=True),
    "Records.add_event": Row(
        lambda w, who: records(w, who).add_event(w.ids["S-0001"], "moaa_s", "MOAA/S", score=4,
                                                 occurred_at=T0 + timedelta(minutes=14)),
        CLINICAL, both(lambda w, who, got: Records(w.engine, SYSTEM_ACTOR).events(w.ids["S-0001"])["label"].tolist()
                       == ["Nausea", "MOAA/S"], "event.add"), writes=True),
    # Alerting
    "Alerting.alerts": Row(lambda w, who: Alerting(w.engine, who).alerts(w.ids["S-0001"]), CLINICAL,
                           lambda w, who, got: w.ids["high alert"] in got["id"].tolist()),
    "Alerting.unacknowledged_high": Row(lambda w, who: Alerting(w.engine, who).unacknowledged_high(), CLINICAL,
                                        lambda w, who, got: got.get(w.ids["S-0001"], 0) >= 1),
    "Alerting.attention": Row(lambda w, who: Alerting(w.engine, who).attention(w.ids["S-0001"]), CLINICAL,
                              lambda w, who, got: w.ids["high event"] in got[0]["id"].tolist()),
    "Alerting.events": Row(lambda w, who: Alerting(w.engine, who).events(w.ids["S-0001"]), CLINICAL,
                           lambda w, who, got: w.ids["high event"] in got["id"].tolist()),
    "Alerting.acknowledge_event": Row(
        lambda w, who: Alerting(w.engine, who).acknowledge_event(w.ids["high event"], list(ACK_ACTIONS[:2]), "ok"),
        CLINICAL, both(acknowledged_by, "alert.acknowledge"), writes=True),
    "Alerting.acknowledge": Row(
        lambda w, who: Alerting(w.engine, who).acknowledge(w.ids["high alert"], ACK_ACTIONS[0], "checked"),
        CLINICAL, both(acknowledged_by, "alert.acknowledge"), writes=True),
    "Records.place_in_chair": Row(
        lambda w, who: records(w, who).place_in_chair(w.ids["S-0001"], "Chair 2"), CLINICAL,
        both(lambda w, who, _: w.session("S-0001").chair == "Chair 2", "session.chair"), writes=True),
    # Board and chairs
    "Board.tiles": Row(lambda w, who: Board(w.engine, who, "UTC").tiles(), CLINICAL,
                       lambda w, who, got: [t.session for t in got][:1] == ["S-0001"] and got[0].unacknowledged_high),
    "Chairs.list": Row(lambda w, who: Chairs(w.engine, who).list(), CHAIR_READ,
                       lambda w, who, got: [c.name for c in got] == ["Chair 1", "Chair 2"]),
    "Chairs.add": Row(lambda w, who: Chairs(w.engine, who).add("Chair 10"), CHAIR_MANAGE,
                      both(lambda w, who, _: [c.name for c in Chairs(w.engine, SYSTEM_ACTOR).list()]
                           == ["Chair 1", "Chair 2", "Chair 10"], "chair.add"), writes=True),
    "Chairs.retire": Row(lambda w, who: Chairs(w.engine, who).retire("Chair 2"), CHAIR_MANAGE,
                         both(lambda w, who, _: [c.name for c in Chairs(w.engine, SYSTEM_ACTOR).list()] == ["Chair 1"],
                              "chair.retire"), writes=True),
    # Imports
    "Imports.template": Row(lambda w, who: Imports(w.engine, who).template(), frozenset(FIVE),
                            lambda w, who, got: got.startswith("session_id,timestamp,"),
                            note="the blank template holds no patient data"),
    "Imports.preview": Row(lambda w, who: Imports(w.engine, who).preview(csv_file(w), file_name="chair.csv"),
                           CLINICAL, lambda w, who, got: len(got.to_store) == 2, note="stores nothing"),
    "Imports.commit": Row(
        lambda w, who: Imports(w.engine, who).commit(
            Imports(w.engine, SYSTEM_ACTOR).preview(csv_file(w), file_name="chair.csv")),
        CLINICAL, both(lambda w, who, got: got.readings_stored == 2 and len(in_force(w)) == 5, "import.commit"),
        writes=True),
    "Imports.export": Row(lambda w, who: Imports(w.engine, who).export("S-0001"), CLINICAL,
                          lambda w, who, got: got.count("\nS-0001,") == 3),
    # Review
    "Review.sessions": Row(lambda w, who: Review(w.engine, who).sessions(), CLINICAL,
                           lambda w, who, got: [s.code for s in got] == ["S-0003", "S-0002", "S-0001"]),
    "Review.find": Row(lambda w, who: Review(w.engine, who).find("S-0001"), CLINICAL,
                       lambda w, who, got: got.id == w.ids["S-0001"]),
    "Review.load": Row(lambda w, who: Review(w.engine, who).load(w.ids["S-0001"]), CLINICAL,
                       lambda w, who, got: got.readings["sbp"].tolist() == S1_READINGS
                       and got.events["label"].tolist() == ["Nausea"]
                       and w.ids["high event"] in got.alert_events["id"].tolist()),
    "Review.summary": Row(lambda w, who: Review(w.engine, who).summary(w.ids["S-0001"]), CLINICAL,
                          lambda w, who, got: got.peaks["sbp"].value == 196 and got.alerts.unacknowledged_high >= 1),
    "Review.csv": Row(lambda w, who: Review(w.engine, who).csv(w.ids["S-0001"]), CLINICAL,
                      lambda w, who, got: got.count("\nS-0001,") == 3),
    "Review.fhir": Row(lambda w, who: Review(w.engine, who).fhir(w.ids["S-0001"]), CLINICAL,
                       lambda w, who, got: [e["resource"]["component"][0]["valueQuantity"]["value"] for e in got["entry"]
                                            if e["resource"]["code"]["coding"][0]["code"] == "85354-9"] == S1_READINGS),
    "Review.report": Row(lambda w, who: Review(w.engine, who).report(w.ids["S-0001"]), CLINICAL,
                         lambda w, who, got: got.startswith(b"%PDF")),
    # Sessions list and patient series (read only)
    "SessionSearch.page": Row(lambda w, who: SessionSearch(w.engine, who).page(SessionFilter(critical=True)), CLINICAL,
                              lambda w, who, got: (got.total, got.rows["code"].tolist()) == (1, ["S-0001"])),
    "SessionSearch.choices": Row(lambda w, who: SessionSearch(w.engine, who).choices(), CLINICAL,
                                 lambda w, who, got: got["protocols"] == [DEFAULT]),
    "PatientSeries.series": Row(lambda w, who: PatientSeries(w.engine, who).series("P-1"), CLINICAL,
                                lambda w, who, got: got["peak_sbp"].tolist() == [196]
                                and got["alerts_high"].tolist() == [1]),
    # Signoffs
    "Signoffs.signoffs": Row(lambda w, who: Signoffs(w.engine, who, "UTC").signoffs(w.ids["S-0003"]), CLINICAL,
                             lambda w, who, got: [(s.signed_by, s.meaning) for s in got] == [("sam", "reviewed")]),
    "Signoffs.check": Row(lambda w, who: Signoffs(w.engine, who, "UTC").check(w.ids["S-0001"]), CLINICAL,
                          lambda w, who, got: any("not acknowledged" in reason for reason in got.refusals),
                          note="stores nothing"),
    "Signoffs.sign": Row(
        lambda w, who: sign_off(w.engine, who, w.ids["S-0003"], "approved"), frozenset({"supervisor"}),
        both(lambda w, who, got: [(s.signed_by, s.meaning) for s in Signoffs(w.engine, SYSTEM_ACTOR).signoffs(
            w.ids["S-0003"])] == [("sam", "reviewed"), (who.username, "approved")], "session.sign_off"), writes=True,
        note="a signature needs a person: not the system"),
    # Protocols
    "Protocols.names": Row(lambda w, who: Protocols(w.engine, who).names(), CLINICAL,
                           lambda w, who, got: got == [DEFAULT, ESKETAMINE]),
    "Protocols.current": Row(lambda w, who: Protocols(w.engine, who).current(DEFAULT), CLINICAL,
                             lambda w, who, got: got.limits["sbp"].critical_high == 180),
    "Protocols.history": Row(lambda w, who: Protocols(w.engine, who).history(DEFAULT), CLINICAL,
                             lambda w, who, got: got["version"].tolist() == [1]),
    "Protocols.save": Row(lambda w, who: Protocols(w.engine, who).save(draft(w), reason="reviewed"), PROTOCOL_EDIT,
                          both(lambda w, who, got: len(Protocols(w.engine, SYSTEM_ACTOR).history(DEFAULT)) == 2,
                               "protocol.version"), writes=True),
    "Protocols.assign": Row(
        lambda w, who: Protocols(w.engine, who).assign("session", w.ids["S-0002"], ESKETAMINE, reason="REMS"),
        PROTOCOL_EDIT, both(lambda w, who, _: resolve(w.engine, w.session("S-0002"))[0].name == ESKETAMINE,
                            "protocol.assign"), writes=True),
    "Protocols.what_if": Row(
        lambda w, who: Protocols(w.engine, who).what_if(Protocols(w.engine, SYSTEM_ACTOR).current(ESKETAMINE),
                                                        DEFAULT, [w.ids["S-0001"]]),
        PROTOCOL_EDIT, lambda w, who, got: got is not None, note="stores nothing"),
    # Accounts
    "Accounts.list": Row(lambda w, who: Accounts(w.engine, who).list(), ACCOUNTS_ADMIN,
                         lambda w, who, got: got["username"].tolist() == ["ada", "ana", "eve", "old", "sam", "tia",
                                                                            "tim"]),
    "Accounts.add": Row(lambda w, who: Accounts(w.engine, who).add("newbie", "New Nurse", "nurse", PASSWORD),
                        ACCOUNTS_ADMIN, both(lambda w, who, _: user_row(w, "newbie")["role"] == "nurse", "user.create"),
                        writes=True),
    "Accounts.disable": Row(lambda w, who: Accounts(w.engine, who).disable("eve"), ACCOUNTS_ADMIN,
                            both(lambda w, who, _: bool(user_row(w, "eve")["disabled"]), "user.disable"), writes=True),
    "Accounts.enable": Row(lambda w, who: Accounts(w.engine, who).enable("old"), ACCOUNTS_ADMIN,
                           both(lambda w, who, _: not user_row(w, "old")["disabled"], "user.enable"), writes=True),
    "Accounts.set_role": Row(lambda w, who: Accounts(w.engine, who).set_role("tia", "nurse"), ACCOUNTS_ADMIN,
                             both(lambda w, who, _: user_row(w, "tia")["role"] == "nurse", "user.role"), writes=True),
    "Accounts.reset_password": Row(
        lambda w, who: Accounts(w.engine, who).reset_password("ana", "a temporary one 42"), ACCOUNTS_ADMIN,
        both(lambda w, who, _: accounts.sign_in(w.engine, "ana", "a temporary one 42").must_change_password,
             "user.reset_password"), writes=True),
    # module functions that take who is acting
    "audit_trail.audit_entries": Row(lambda w, who: audit_trail.audit_entries(w.engine, who),
                                     frozenset({"supervisor", "admin", "system"}),
                                     lambda w, who, got: "session.create" in got["action"].tolist()),
    "audit_trail.session_codes": Row(lambda w, who: audit_trail.session_codes(w.engine, who),
                                     frozenset({"supervisor", "admin", "system"}),
                                     lambda w, who, got: sorted(got.values()) == ["S-0001", "S-0002", "S-0003"]),
    # Training: scenarios only, never a live session
    "Training.scenarios": Row(lambda w, who: Training(w.engine, who).scenarios(), TRAINING,
                              lambda w, who, got: "TR-004" in [s.code for s in got]),
    "Training.scenario": Row(lambda w, who: Training(w.engine, who).scenario("TR-004"), TRAINING,
                             lambda w, who, got: got.title == "Desaturation with sedation" and len(got.readings) == 15),
    "Training.protocol": Row(lambda w, who: Training(w.engine, who).protocol(DEFAULT), TRAINING,
                             lambda w, who, got: got.limits["sbp"].critical_high == 180),
    "Training.protocol_names": Row(lambda w, who: Training(w.engine, who).protocol_names(), TRAINERS,
                                   lambda w, who, got: got == [DEFAULT, ESKETAMINE]),
    "Training.history": Row(lambda w, who: Training(w.engine, who).history("TR-004"), TRAINERS,
                            lambda w, who, got: got["version"].tolist() == [1]),
    "Training.source_sessions": Row(lambda w, who: Training(w.engine, who).source_sessions(), TRAINERS,
                                    lambda w, who, got: [code for code, _ in got] == ["S-0003"]),
    "Training.add_from_session": Row(
        lambda w, who: Training(w.engine, who).add_from_session("S-0003", title="A calm one", goal="watch"),
        TRAINERS, both(lambda w, who, got: Training(w.engine, SYSTEM_ACTOR).scenario(got.code).title
                       == "A calm one", "scenario.create"), writes=True),
    "Training.import_file": Row(
        lambda w, who: Training(w.engine, who).import_file(csv_file(w), file_name="chair.csv", title="From a file",
                                                           goal="watch", protocol=DEFAULT),
        TRAINERS, both(lambda w, who, got: len(Training(w.engine, SYSTEM_ACTOR).scenario(got.code).readings) == 2,
                       "scenario.create"), writes=True),
    "Training.revise": Row(
        lambda w, who: Training(w.engine, who).revise("TR-004", title="Sedation", goal="g", protocol=DEFAULT,
                                                      reason="shorter title"),
        TRAINERS, both(lambda w, who, got: Training(w.engine, SYSTEM_ACTOR).history("TR-004")["version"].tolist()
                       == [2, 1], "scenario.version"), writes=True),
    "Training.record_result": Row(
        lambda w, who: Training(w.engine, who).record_result("TR-001", 1, [], 0.0), TRAINING,
        both(lambda w, who, got: Training(w.engine, SYSTEM_ACTOR).results("TR-001")["trainee"].tolist()
             == [who.username], "scenario.result"), writes=True),
    "Training.my_results": Row(lambda w, who: Training(w.engine, who).my_results(), TRAINING,
                               lambda w, who, got: got["code"].tolist() == (["TR-004"] if who.username == "tim"
                                                                            else []), note="one's own runs only"),
    "Training.results": Row(lambda w, who: Training(w.engine, who).results("TR-004"), TRAINERS,
                            lambda w, who, got: got["trainee"].tolist() == ["tim"]),
    "Training.class_summary": Row(lambda w, who: Training(w.engine, who).class_summary("TR-004"), TRAINERS,
                                  lambda w, who, got: got.runs == 1 and got.by_trainee[0]["trainee"] == "tim"),
    "accounts.change_own_password": Row(
        lambda w, who: accounts.change_own_password(w.engine, who, PASSWORD, "my very own secret"), EVERY_ACCOUNT,
        both(signs_in_with("my very own secret"), "user.change_password"), roles=PEOPLE, writes=True,
        refusal=Conflict, note="a disabled account's password never counts as right"),
    "accounts.acting_as": Row(lambda w, who: accounts.acting_as(w.engine, who.username), EVERY_ACCOUNT,
                              lambda w, who, got: got == who, roles=PEOPLE, note="the command line's --as"),
    # sign-in and set-up: before anyone is signed in
    "accounts.sign_in": Row(lambda w, who: accounts.sign_in(w.engine, who.username, PASSWORD), EVERY_ACCOUNT,
                            both(lambda w, who, got: got.actor == who, "sign_in"), roles=PEOPLE, writes=True,
                            refusal=SignInFailed, refusal_logged=True),
    "accounts.sign_in_external": Row(lambda w, who: accounts.sign_in_external(w.engine, who.username), EVERY_ACCOUNT,
                                     both(lambda w, who, got: got.actor == who, "sign_in"), roles=PEOPLE, writes=True,
                                     refusal=SignInFailed, refusal_logged=True),
    "accounts.needs_first_admin": Row(lambda w, who: accounts.needs_first_admin(w.engine),
                                      frozenset({"no one signed in"}), lambda w, who, got: got is False,
                                      roles=("no one signed in",)),
    # Refused on this world because accounts exist, even with the right set-up code; the allowed side, on a
    # fresh install, is test_the_first_admin_can_be_created_on_a_fresh_install_only.
    "accounts.create_first_admin": Row(
        lambda w, who: accounts.create_first_admin(w.engine, accounts.setup_code(), "first", "First Admin",
                                                   PASSWORD),
        frozenset(), lambda w, who, got: False, roles=("no one signed in",), refusal=Conflict),
}

# Public callables of the service modules that take no actor, and why no role applies to them.
NOT_ROLE_CHECKED = {
    "accounts.failure_delay_s": "a setting: the pause after a failed sign-in",
    "alerting.session_frame": "pure: a Session the caller already read, as a frame",
    "alerting.needs_attention": "pure: filters alerts the caller already read",
    "alerting.evaluate_session": "inside the services only: for role-checked methods and refresh",
    "alerting.refresh_sessions": "inside a caller's transaction only (an import): takes its connection and actor",
    "alerting.check_actions": "pure: checks the chosen actions and note of an acknowledgement",
    "alerting.refresh": "inside a caller's transaction only: takes its connection and actor",
    "protocols.parse": "pure: JSON to a validated protocol",
    "protocols.resolve": "takes a Session the caller already read through Records (role-checked)",
    "protocols.session_frames": "inside the services only: for Protocols.what_if (role-checked)",
    "protocols.bootstrap": "start-up: stores the shipped presets once (runtime.open_database)",
    "training.protocol_named": "inside the services and the start-up seeding: a protocol by name, no data",
    "training.build_decisions": "pure over a draft: the alert engine's decision points (no data read but protocols)",
    "training.store_draft": "inside a caller's transaction only (start-up seeding, Training._add)",
    "accounts.setup_code": "the server operator: the one-time code printed on the server console",
    "accounts.announce_setup_code": "start-up: prints the set-up code once when no account exists",
    "runtime.open_database": "the server operator: migrate and store the presets",
    "accounts.reenter_password": "inside the services only: the password typed again to sign (Signoffs.sign "
                                 "checks the role first)",
    "runtime.load_sample_sessions": "the server operator: the invented sample sessions",
    "runtime.grant_app_role": "the server operator: PostgreSQL rights, as the schema owner",
    "runtime.backup_database": "the server operator: a copy of the whole database, from the server's shell",
    "runtime.restore_database": "the server operator: a backup into an empty database",
    "runtime.check_health": "the server operator's monitoring: reads whether the database answers",
}


def public_service_callables() -> set[str]:
    """'Class.method' for every service class (one taking an actor), 'module.function' for the rest."""
    found = set()
    for info in pkgutil.iter_modules(dashboard.services.__path__):
        module = importlib.import_module(f"dashboard.services.{info.name}")
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isclass(obj) and not issubclass(obj, BaseException) \
                    and "actor" in inspect.signature(obj).parameters:
                found |= {f"{name}.{method}" for method, _ in inspect.getmembers(obj, inspect.isfunction)
                          if not method.startswith("_")}
            elif inspect.isfunction(obj):
                found.add(f"{info.name}.{name}")
    return found


def test_every_public_service_method_has_a_row():
    found = public_service_callables()
    assert sorted(found - MATRIX.keys() - NOT_ROLE_CHECKED.keys()) == [], "add these to the role matrix"
    assert sorted((MATRIX.keys() | NOT_ROLE_CHECKED.keys()) - found) == [], "these rows name no service method"


CELLS = [(method, role) for method, row in MATRIX.items() for role in row.roles]


def test_the_matrix_size():
    """Printed with -s; each cell below runs on SQLite and on PostgreSQL."""
    print(f"role matrix: {len(MATRIX)} methods x their roles = {len(CELLS)} cells "
          f"({sum(r in MATRIX[m].allowed for m, r in CELLS)} allowed, "
          f"{sum(r not in MATRIX[m].allowed for m, r in CELLS)} refused); {len(NOT_ROLE_CHECKED)} take no actor")
    assert len(CELLS) >= len(MATRIX) * 2


# ---- worlds: built once per database kind, copied for each cell that changes it ----

_numbers = itertools.count()


@dataclass
class WorldSource:
    kind: str
    ids: dict[str, int]
    copy: Callable[[], str]  # a new database holding the world; returns its URL
    empty: Callable[[], str]  # a new empty migrated database
    shared_url: str = ""  # the copy shared by every cell that must change nothing
    made: list[str] = field(default_factory=list)  # URLs of the copies made for cells that change the world


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def world_source(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("role_matrix")
    if request.param == "sqlite":
        original = folder / "world.db"
        url = f"sqlite:///{original}"

        def copy() -> str:
            path = folder / f"copy{next(_numbers)}.db"
            shutil.copyfile(original, path)
            return f"sqlite:///{path}"

        def empty() -> str:
            fresh = f"sqlite:///{folder / f'empty{next(_numbers)}.db'}"
            migrate(fresh)
            return fresh
        cleanup = None
    else:
        cluster = request.getfixturevalue("pg_cluster")
        template = request.getfixturevalue("pg_template")
        name = f"role_world_{os.getpid()}"
        cluster.drop_database(name)
        url = cluster.create_database(name, template=template)
        made: list[str] = []

        def copy(source=name) -> str:
            made.append(f"rw_{os.getpid()}_{next(_numbers)}")
            return cluster.create_database(made[-1], template=source)

        def empty() -> str:
            return copy(template)

        def cleanup() -> None:
            for db in made + [name]:
                cluster.drop_database(db)
    ids = build_world(open_database(url, with_scenarios=True))
    dispose(url)  # a copy needs the original closed: SQLite's WAL folded back, no PostgreSQL connections
    source = WorldSource(request.param, ids, copy, empty)
    source.shared_url = copy()
    yield source
    for opened in [source.shared_url, *source.made]:
        dispose(opened)
    if cleanup:
        cleanup()


@pytest.fixture
def quick_sign_in(monkeypatch):
    monkeypatch.setenv("SIGNIN_FAILURE_DELAY_S", "0")


@pytest.mark.parametrize("method, role", CELLS, ids=[f"{m}-{r}" for m, r in CELLS])
def test_cell(world_source, quick_sign_in, method, role):
    row, who = MATRIX[method], ACTORS[role]
    allowed = role in row.allowed
    own_copy = (allowed and row.writes) or (not allowed and row.refusal_logged)
    url = world_source.copy() if own_copy else world_source.shared_url
    if own_copy:
        world_source.made.append(url)
    world = World(get_engine(url), dict(world_source.ids))
    before, log_before = snapshot(world.engine), audit_actions(world.engine)
    if allowed:
        result = row.call(world, who)
        assert row.check(world, who, result), f"{method} as {role}: the effect is missing (returned {result!r:.300})"
        if not row.writes:
            assert snapshot(world.engine) == before, f"{method} as {role} should change nothing"
        return
    with pytest.raises(row.refusal):
        row.call(world, who)
    after = snapshot(world.engine)
    if row.refusal_logged:  # only the logged refusal itself: its audit entry and the account's failure counter
        assert new_audit(world, log_before) == ["sign_in.failed"]
        assert {t: rows for t, rows in after.items() if t not in ("audit_log", "users")} == \
            {t: rows for t, rows in before.items() if t not in ("audit_log", "users")}
    else:
        assert after == before, f"refusing {method} for {role} changed the database"


def test_the_first_admin_can_be_created_on_a_fresh_install_only(world_source):
    """The allowed side of the create_first_admin row (set-up code: see the row's note)."""
    engine = get_engine(world_source.empty())
    assert accounts.needs_first_admin(engine)
    with pytest.raises(SignInFailed, match="set-up code is not right"):
        accounts.create_first_admin(engine, "not the code", "first", "First Admin", PASSWORD)
    assert Accounts(engine, SYSTEM_ACTOR).list().empty
    accounts.create_first_admin(engine, accounts.setup_code(), "first", "First Admin", PASSWORD)
    assert Accounts(engine, SYSTEM_ACTOR).list()[["username", "role"]].values.tolist() == [["first", "admin"]]
    before = snapshot(engine)
    with pytest.raises(Conflict, match="set-up is already done"):
        accounts.create_first_admin(engine, accounts.setup_code(), "second", "Second Admin", PASSWORD)
    assert snapshot(engine) == before
