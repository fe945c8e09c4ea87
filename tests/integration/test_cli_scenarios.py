"""`scenarios list|show|add|import` from the shell: the library as JSON, one scenario with its readings, a
de-identified scenario from a discharged session, a scenario from a monitor file; refusals change nothing."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from dashboard.core.roles import SYSTEM_ACTOR
from dashboard.services.accounts import Accounts
from dashboard.services.records import Records
from dashboard.services.runtime import open_database
from dashboard.services.training import Training
from tests.realdata import SHORT

PASSWORD = "correct horse battery"
T0 = (datetime.now(timezone.utc) - timedelta(hours=4)).replace(second=0, microsecond=0)


@pytest.fixture
def clinic(database_url):
    """A started database (the shipped scenarios stored) with a trainer, a trainee, a supervisor and one
    discharged session."""
    engine = open_database(database_url, with_scenarios=True)
    accounts = Accounts(engine, SYSTEM_ACTOR)
    for username, role in (("sam", "supervisor"), ("tia", "trainer"), ("tim", "trainee")):
        accounts.add(username, username.title(), role, PASSWORD, must_change=False)
    records = Records(engine, SYSTEM_ACTOR, "UTC")
    sid = records.open_session(T0.date(), patient_code="P-CLI-77", new_patient=True,
                               protocol="IV ketamine clinic default", code="S-0077")
    records.start_infusion(sid, T0)
    for minute, sbp in ((5, "128"), (10, "186"), (15, "150"), (30, "126")):
        records.record_reading(sid, {"sbp": sbp, "dbp": "80", "hr": "74"}, measured_at=T0 + timedelta(minutes=minute),
                               note="Mr Cli-Patient restless")
    records.stop_infusion(sid, T0 + timedelta(minutes=40))
    records.discharge(sid, T0 + timedelta(minutes=100), override_reason="test")
    return database_url, engine


def test_list_as_json_names_every_scenario_with_its_counts(run, clinic):
    url, _ = clinic
    done = run("scenarios", "list", "--json", url=url)
    assert done.returncode == 0, done.stderr
    items = {item["code"]: item for item in json.loads(done.stdout)}
    assert items["TR-004"] == {"code": "TR-004", "version": 1, "title": "Desaturation with sedation",
                               "goal": items["TR-004"]["goal"], "protocol": "IV ketamine clinic default",
                               "source": items["TR-004"]["source"], "readings": 15, "decisions": 3}
    plain = run("scenarios", "list", "--as", "tim", url=url)
    assert plain.returncode == 0 and "TR-004  v1  Desaturation with sedation" in plain.stdout


def test_show_as_json_has_the_readings_events_and_decisions(run, clinic):
    url, _ = clinic
    done = run("scenarios", "show", "TR-004", "--json", url=url)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["infusion_start"] == "2000-01-01T09:00:00+00:00" and data["infusion_stop_min"] == 40
    assert len(data["readings"]) == 15 and data["readings"][0]["minute"] == -12
    assert min(r["spo2"] for r in data["readings"]) == 88
    assert {"minute": 22.0, "kind": "moaa_s", "label": "MOAA/S", "score": 3, "severity": None} in data["events"]
    alert = next(d for d in data["decisions"] if d["kind"] == "alert")
    assert alert["at_min"] == 25 and alert["good"] == ["Rouse the patient and support the airway", "Give oxygen"]
    text = run("scenarios", "show", "TR-004", url=url)
    assert "minute 25 (alert): SpO2 beyond critical" in text.stdout


def test_add_from_a_discharged_session_keeps_no_identifying_value(run, clinic):
    url, engine = clinic
    done = run("scenarios", "add", "--from-session", "S-0077", "--title", "A peak", "--goal", "Act at 180",
               "--as", "sam", url=url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("added TR-101: A peak (4 readings")
    shown = run("scenarios", "show", "TR-101", "--json", url=url).stdout
    assert [r["sbp"] for r in json.loads(shown)["readings"]] == [128, 186, 150, 126]
    for value in ("S-0077", "P-CLI-77", "Cli-Patient", T0.date().isoformat()):
        assert value not in shown


def test_a_refused_add_is_one_line_and_stores_nothing(run, clinic):
    url, engine = clinic
    before = [s.code for s in Training(engine, SYSTEM_ACTOR).scenarios()]
    for args, message in ((("--as", "tim"), "a trainee may not scenario: from session"),
                          ((), "may not name the patient or the session")):
        title = "P-CLI-77 again" if not args else "A peak"
        done = run("scenarios", "add", "--from-session", "S-0077", "--title", title, "--goal", "g", *args, url=url)
        assert done.returncode == 1 and message in done.stderr and done.stdout == ""
    assert run("scenarios", "add", "--from-session", "S-9999", "--title", "t", "--goal", "g", url=url).stderr \
        == "error: no session 'S-9999'\n"
    assert [s.code for s in Training(engine, SYSTEM_ACTOR).scenarios()] == before


def test_import_a_monitor_file_with_elapsed_minutes_from_start(run, clinic, realdata):
    url, engine = clinic
    done = run("scenarios", "import", str(SHORT), "--start", "2026-01-05T09:00", "--title", "Short ICU stay",
               "--goal", "Tell artifacts apart", "--infusion-min", "2", "--as", "tia", url=url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("added TR-101: Short ICU stay (")
    scenario = Training(engine, SYSTEM_ACTOR).scenario("TR-101")
    assert scenario.readings["spo2"].min() >= 50 and scenario.minute_of(scenario.readings["measured_at"].min()) == -2
    assert scenario.source == f"Imported file {SHORT.name}"


def test_import_without_the_start_for_elapsed_times_says_so(run, clinic, realdata):
    url, engine = clinic
    done = run("scenarios", "import", str(SHORT), "--map", "time=", "--title", "t", "--goal", "g", url=url)
    assert done.returncode == 1 and "start" in done.stderr
    missing = run("scenarios", "import", "/nonexistent.csv", "--title", "t", "--goal", "g", url=url)
    assert missing.returncode == 1 and missing.stderr == "error: no file /nonexistent.csv\n"
