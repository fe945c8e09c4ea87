"""A clinic to sign in: one account per role and a finished session whose critical blood pressure nobody has
acknowledged (discharged anyway, with a reason), built through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, MetaData, select

from dashboard.core.roles import SYSTEM_ACTOR, Actor
from dashboard.services.accounts import Accounts
from dashboard.services.alerting import ACK_ACTIONS, Alerting
from dashboard.services.records import Records

TZ = "America/New_York"
PASSWORD = "correct horse battery"
T0 = (datetime.now(timezone.utc) - timedelta(hours=4)).replace(second=0, microsecond=0)  # the infusion start
STAFF = {"nurse": Actor("ana", "nurse"), "supervisor": Actor("sam", "supervisor"), "second": Actor("sue", "supervisor"),
         "trainer": Actor("tia", "trainer"), "admin": Actor("ada", "admin")}
NAMES = {"ana": "Ana Nurse", "sam": "Sam Smith", "sue": "Sue Lee", "tia": "Tia Trainer", "ada": "Ada Admin"}
OVERRIDE = "patient's escort arrived; BP rechecked by hand 138/86"


@dataclass
class Clinic:
    engine: Engine
    session_id: int
    readings: dict[str, int]  # name -> reading id
    high_event: int

    def acknowledge(self) -> None:
        Alerting(self.engine, STAFF["nurse"]).acknowledge_event(self.high_event, [ACK_ACTIONS[0]], "rechecked")


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def build_clinic(engine: Engine) -> Clinic:
    accounts = Accounts(engine, SYSTEM_ACTOR)
    for actor in STAFF.values():
        accounts.add(actor.username, NAMES[actor.username], actor.role, PASSWORD, must_change=False)
    nurse = Records(engine, STAFF["nurse"], TZ)
    sid = nurse.open_session(at(0).astimezone(ZoneInfo(TZ)).date(), patient_code="P-7001", new_patient=True, code="S-0001",
                             protocol="IV ketamine clinic default", infusion_number=1)
    readings = {"baseline": nurse.record_reading(sid, {"sbp": "122", "dbp": "80", "hr": "72"},
                                                 measured_at=at(-5))[1]}
    nurse.start_infusion(sid, at(0))
    for name, minute, sbp, dbp in (("peak", 10, "196", "104"), ("forty", 40, "150", "92")):
        readings[name] = nurse.record_reading(sid, {"sbp": sbp, "dbp": dbp, "hr": "80"}, measured_at=at(minute))[1]
    nurse.add_event(sid, "side_effect", "Nausea", occurred_at=at(15), severity="mild")
    nurse.stop_infusion(sid, at(45))
    readings["last"] = nurse.record_reading(sid, {"sbp": "126", "dbp": "81", "hr": "70"}, measured_at=at(90))[1]
    nurse.discharge(sid, at(100), override_reason=OVERRIDE)
    events = Alerting(engine, SYSTEM_ACTOR).events(sid)
    high = int(events[events["priority"] == "high"]["id"].iloc[0])
    return Clinic(engine, sid, readings, high)


def snapshot(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table: any insert, update or delete shows as a difference."""
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return {name: sorted(map(repr, conn.execute(select(table)).all())) for name, table in meta.tables.items()}
