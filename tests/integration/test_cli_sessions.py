"""Every session step from the command line, as the named account, with the Record page's role checks and audit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from dashboard.cli.sessions import service_options
from dashboard.core.roles import SYSTEM_ACTOR, Actor
from dashboard.services.accounts import Accounts
from dashboard.services.audit_trail import audit_entries
from dashboard.services.protocols import resolve
from dashboard.services.records import Records
from dashboard.store.db import get_engine

ROOT = Path(__file__).resolve().parents[2]
TZ = "America/New_York"
PASSWORD = "correct horse battery"
T0 = (datetime.now(timezone.utc) - timedelta(hours=2)).replace(second=0, microsecond=0)
SUPERVISOR = Actor("sam", "supervisor")
ESKETAMINE = "Esketamine nasal spray (REMS-style)"


def iso(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


@pytest.fixture
def staff(database_url):
    """A database with one account per role, and one disabled nurse."""
    engine = get_engine(database_url)
    accounts = Accounts(engine, SYSTEM_ACTOR)
    for username, role in (("ana", "nurse"), ("sam", "supervisor"), ("tia", "trainer"), ("ada", "admin"),
                           ("old", "nurse")):
        accounts.add(username, username.title(), role, PASSWORD, must_change=False)
    accounts.disable("old")
    return database_url, engine


def audit_count(engine) -> int:
    return len(audit_entries(engine, SYSTEM_ACTOR, limit=1_000_000))


def test_a_nurse_runs_a_whole_session_from_the_command_line(run, staff):
    url, engine = staff
    opened = run("sessions", "open", "S-0042", "--patient", "P-1042", "--new-patient", "--date", T0.date().isoformat(),
                 "--infusion-number", "3", "--weight-kg", "80", "--infusion-start", iso(0), "--as", "ana", url=url)
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout.splitlines()[0].startswith("opened S-0042 for P-1042")
    assert "S-0042: infusion started at" in opened.stdout
    steps = [("event", "S-0042", "--kind", "moaas", "--score", "3", "--at", iso(10)),
             ("event", "S-0042", "--kind", "side_effect", "--label", "nausea", "--severity", "mild", "--at", iso(12)),
             ("event", "S-0042", "--kind", "cadss", "--score", "14", "--at", iso(15), "--note", "felt floaty"),
             ("stop", "S-0042", "--at", iso(40)),
             ("discharge", "S-0042", "--at", iso(80))]
    for step in steps:
        out = run("sessions", *step, "--as", "ana", url=url)
        assert out.returncode == 0, (step, out.stderr)

    records = Records(engine, SUPERVISOR, TZ)
    session = next(s for s in records.sessions() if s.code == "S-0042")
    assert (session.status, session.infusion_number, session.weight_kg) == ("discharged", 3, 80.0)
    assert session.planned_dose_mg == 40.0  # 0.5 mg/kg, as the Record page computes it
    assert (session.infusion_started_at, session.infusion_stopped_at, session.discharged_at) == (
        T0, T0 + timedelta(minutes=40), T0 + timedelta(minutes=80))
    events = records.events(session.id)
    assert sorted(zip(events["label"], events["score"].fillna(-1), events["severity"].fillna(""))) == [
        ("CADSS", 14, ""), ("MOAA/S", 3, ""), ("Nausea", -1, "mild")]
    log = audit_entries(engine, SUPERVISOR, session_id=session.id)
    assert set(log["actor"]) == {"ana"} and set(log["role"]) == {"nurse"}
    assert {"session.create", "session.infusion_start", "event.add", "session.infusion_stop",
            "session.discharge"} <= set(log["action"])


def test_refusals_are_one_line_exit_code_1_and_change_nothing(staff):
    """The real command in its own process, as each account that may not open a session."""
    url, engine = staff
    env = {**os.environ, "DATABASE_URL": url, "CLINIC_TZ": TZ}
    before = audit_count(engine)
    for username, message in (("tia", "error: a trainer may not session: create"),
                              ("ada", "error: a admin may not session: create"),
                              ("old", "error: the account 'old' is disabled"),
                              ("ghost", "error: no user 'ghost'")):
        out = subprocess.run([sys.executable, "-m", "dashboard", "sessions", "open", "S-0001", "--patient", "P-1",
                              "--new-patient", "--date", T0.date().isoformat(), "--as", username],
                             capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
        assert (out.returncode, out.stderr.strip(), out.stdout) == (1, message, "")
    assert Records(engine, SUPERVISOR, TZ).sessions() == [] and Records(engine, SUPERVISOR, TZ).patients().empty
    assert audit_count(engine) == before


def test_every_step_is_refused_for_roles_outside_the_clinic(run, staff):
    url, engine = staff
    assert run("sessions", "open", "S-0001", "--patient", "P-1", "--new-patient", "--date", T0.date().isoformat(),
               url=url).returncode == 0
    before = audit_count(engine)
    for args in (("start", "S-0001"), ("stop", "S-0001"), ("discharge", "S-0001"), ("list",),
                 ("event", "S-0001", "--kind", "moaas", "--score", "4")):
        for username in ("tia", "ada"):
            out = run("sessions", *args, "--as", username, url=url)
            assert out.returncode == 1 and out.stderr.startswith(f"error: a {'trainer' if username == 'tia' else 'admin'}"
                                                                 " may not session: ") and out.stdout == "", args
    assert Records(engine, SUPERVISOR, TZ).sessions()[0].status == "planned"
    assert audit_count(engine) == before


def test_the_list_shows_readings_and_alerts_waiting_for_acknowledgement(run, staff):
    url, engine = staff
    nurse = Records(engine, Actor("ana", "nurse"), TZ)
    sid = nurse.open_session(T0.date(), patient_code="P-7", new_patient=True, protocol="IV ketamine clinic default",
                             infusion_number=2, code="S-0007")
    nurse.start_infusion(sid, T0)
    for minute, sbp in ((5, 130), (10, 196)):  # 196 is beyond the critical limit: a high-priority alert
        nurse.record_reading(sid, {"sbp": str(sbp), "dbp": "85", "hr": "80"}, measured_at=T0 + timedelta(minutes=minute))
    out = run("sessions", "list", "--json", "--as", "ana", url=url)
    assert out.returncode == 0, out.stderr
    (row,) = json.loads(out.stdout)["sessions"]
    assert row == {"code": "S-0007", "patient": "P-7", "date": T0.date().isoformat(), "infusion_number": 2,
                   "status": "infusing", "chair": None, "protocol": "IV ketamine clinic default", "readings": 2,
                   "unacknowledged_high_alerts": 1, "nurse": "ana", "alerts_high": 1, "alerts_medium": 0,
                   "signed": None, "signed_by": None}
    table = run("sessions", url=url).stdout.splitlines()  # no step: the list, as before
    assert table[0].split()[:3] == ["SESSION", "PATIENT", "DATE"]
    assert table[1].split()[:6] == ["S-0007", "P-7", T0.date().isoformat(), "2", "infusing", "2"]


def test_a_supervisor_may_choose_the_protocol_a_nurse_may_not(run, staff):
    url, engine = staff
    day = T0.date().isoformat()
    refused = run("sessions", "open", "S-0001", "--patient", "P-1", "--new-patient", "--date", day,
                  "--protocol", ESKETAMINE, "--as", "ana", url=url)
    assert refused.returncode == 1 and refused.stderr.strip() == "error: a nurse may not protocol: edit"
    assert Records(engine, SUPERVISOR, TZ).patients().empty  # refused before anything was stored
    done = run("sessions", "open", "S-0001", "--patient", "P-1", "--new-patient", "--date", day,
               "--protocol", ESKETAMINE, "--infusion-start", iso(0), "--as", "sam", url=url)
    assert done.returncode == 0, done.stderr
    session = Records(engine, SUPERVISOR, TZ).sessions()[0]
    protocol, _, source = resolve(engine, session)
    assert (session.protocol, protocol.name, source) == (ESKETAMINE, ESKETAMINE, "pinned at infusion start")
    unknown = run("sessions", "open", "S-0002", "--patient", "P-1", "--date", day, "--protocol", "Nope", url=url)
    assert unknown.returncode == 1 and unknown.stderr.strip() == "error: no protocol named 'Nope'"


@pytest.mark.parametrize("args, message", [
    (("open", "S-1", "--patient", "P-1", "--new-patient", "--date", "02/12/2026"),
     "--date '02/12/2026' is not a day like 2026-11-02"),
    (("open", " ", "--patient", "P-1", "--date", "2026-12-01"), "a session code cannot be blank"),
    (("open", "S-1", "--patient", "P" * 41, "--date", "2026-12-01"), "a patient code has at most 40 characters"),
    (("open", "S-1", "--patient", "P-404", "--date", "2026-12-01"), "no patient with code 'P-404'"),
    (("open", "S-1", "--patient", "P-1", "--date", "2026-12-01", "--weight-kg", "800"),
     "--weight-kg 800 is outside 0.5-400"),
    (("open", "S-1", "--patient", "P-1", "--date", "2026-12-01", "--infusion-number", "0"),
     "--infusion-number 0 is outside 1-99"),
    (("open", "S-0001", "--patient", "P-1", "--new-patient", "--date", "2026-12-01"),
     "a patient with code 'P-1' already exists"),
    (("start", "S-0001", "--at", "next tuesday"), "--at 'next tuesday' is not a date and time like 2026-11-02T09:00"),
    (("start", "S-0001", "--at", "2999-01-01T09:00"), "--at 2999-01-01T09:00 is in the future"),
    (("start", "S-9999"), "no session 'S-9999'"),
    (("stop", "S-0001"), "the infusion has not started yet"),
    (("event", "S-0001", "--kind", "side_effect"), ("--kind side_effect needs --label, one of Nausea, Vomiting, "
                                                    "Headache, Dizziness, Dissociation, Hallucinations, Sedation, "
                                                    "Anxiety, Other")),
    (("event", "S-0001", "--kind", "moaas"), "--kind moaas needs --score (0-5)"),
    (("event", "S-0001", "--kind", "moaas", "--score", "7"), "MOAA/S score 7 is outside 0-5"),
    (("event", "S-0001", "--kind", "side_effect", "--label", "Nausea", "--score", "2"),
     "a side effect takes no --score (give --severity)"),
])
def test_bad_input_gets_one_specific_line_and_stores_nothing(run, sqlite_url, args, message):
    assert run("sessions", "open", "S-0001", "--patient", "P-1", "--new-patient", "--date", T0.date().isoformat(),
               url=sqlite_url).returncode == 0
    engine = get_engine(sqlite_url)
    before = audit_count(engine)
    out = run("sessions", *args, url=sqlite_url)
    assert (out.returncode, out.stderr.strip()) == (1, f"error: {message}")
    assert audit_count(engine) == before


def test_codes_from_users_are_shown_as_text_in_the_terminal(run, sqlite_url):
    code = "P-\x1b[2J\x1b[31mRED"
    assert run("sessions", "open", "S-0001", "--patient", code, "--new-patient", "--date", T0.date().isoformat(),
               url=sqlite_url).returncode == 0
    listing = run("sessions", "list", url=sqlite_url).stdout
    assert "\x1b" not in listing and "P-\\x1b[2J\\x1b[31mRED" in listing
    assert json.loads(run("sessions", "list", "--json", url=sqlite_url).stdout)["sessions"][0]["patient"] == code


def test_alerts_and_protocols_commands_act_as_the_named_account(run, staff):
    url, _ = staff
    assert run("sessions", "open", "S-0001", "--patient", "P-1", "--new-patient", "--date", T0.date().isoformat(),
               url=url).returncode == 0
    assert run("alerts", "--session", "S-0001", "--json", "--as", "ana", url=url).returncode == 0
    refused = run("alerts", "--session", "S-0001", "--as", "ada", url=url)
    assert refused.returncode == 1 and refused.stderr.strip() == "error: a admin may not session: read"
    assert run("protocols", "list", "--as", "tia", url=url).stderr.strip() == "error: a trainer may not protocol: read"


def test_flags_for_newer_service_parameters_are_passed_only_when_given():
    def discharge(session_id, at=None, *, override_reason=None):
        return override_reason

    def older(session_id, at=None):
        return None

    assert service_options(discharge, override_reason=("--override", None)) == {}
    assert service_options(older, override_reason=("--override", None)) == {}
    assert service_options(discharge, override_reason=("--override", "pain settled")) == {
        "override_reason": "pain settled"}
    with pytest.raises(ValueError, match="--override is not supported by this version"):
        service_options(older, override_reason=("--override", "pain settled"))
