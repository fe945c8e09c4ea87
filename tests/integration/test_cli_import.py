"""`python -m dashboard import` and `export` as an operator runs them: JSON, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dashboard.core.roles import Actor
from dashboard.services.records import Records
from dashboard.store import audit
from dashboard.store import readings as store_readings
from dashboard.store import sessions as store_sessions
from dashboard.store import users as store_users
from dashboard.store.db import get_engine
from tests.clinic import patient_with_sessions

ROOT = Path(__file__).resolve().parents[2]
TZ = "America/New_York"
DAY = date.today() - timedelta(days=1)
KEYS = {"rows_read", "rows_accepted", "rows_rejected", "readings_stored", "duplicates_skipped", "sessions", "problems"}


def at(hour: int, minute: int = 0) -> str:
    return datetime.combine(DAY, datetime.min.time().replace(hour=hour, minute=minute), tzinfo=ZoneInfo(TZ)).isoformat()


def cli(*args: str, url: str) -> subprocess.CompletedProcess:
    """The real command in its own process: exit code, stdout and stderr exactly as an operator sees them."""
    env = {**os.environ, "DATABASE_URL": url, "CLINIC_TZ": TZ}
    return subprocess.run([sys.executable, "-m", "dashboard", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=120)


@pytest.fixture
def db(sqlite_url):
    engine = get_engine(sqlite_url)
    patient_with_sessions(engine, DAY, "S-0001", "S-0002")
    return sqlite_url, engine


@pytest.fixture
def template_file(tmp_path):
    path = tmp_path / "chair 3.csv"
    path.write_text("session_id,timestamp,sbp,dbp,map,hr,spo2,rr,temp_c,note\n"
                    f"S-0001,{at(9)},128,82,,74,98,14,,baseline\n"
                    f"S-0002,{at(9, 5)},120,80,,70,99,12,,\n"
                    f"S-0001,{at(9, 10)},120,150,,,,,,typo\n")
    return path


def count(engine) -> int:
    return sum(len(store_readings.session_readings(engine, s.id)) for s in store_sessions.list_sessions(engine))


def test_help_lists_import_and_export(sqlite_url):
    out = cli("--help", url=sqlite_url)
    assert out.returncode == 0 and "import" in out.stdout and "export" in out.stdout
    assert "--dry-run" in cli("import", "--help", url=sqlite_url).stdout


def test_import_prints_one_json_object_with_the_account(db, template_file):
    url, engine = db
    out = cli("import", str(template_file), "--json", url=url)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert KEYS <= set(report)
    assert (report["rows_read"], report["rows_accepted"], report["rows_rejected"]) == (3, 2, 1)
    assert report["readings_stored"] == 2 and report["duplicates_skipped"] == 0
    assert report["sessions"] == [{"code": "S-0001", "readings_stored": 1}, {"code": "S-0002", "readings_stored": 1}]
    assert report["problems"] == [{"line": 4, "column": "dbp", "value": "150",
                                   "reason": "diastolic 150 is not below systolic 120"}]
    assert count(engine) == 2
    entry = audit.entries(engine, action="import.commit").iloc[0]
    assert entry["actor"] == "system" and entry["entity_id"] == "chair 3.csv"


def test_running_it_again_stores_nothing_twice(run, db, template_file):
    url, engine = db
    run("import", str(template_file), "--json", url=url)
    again = json.loads(run("import", str(template_file), "--json", url=url).stdout)
    assert again["readings_stored"] == 0 and again["duplicates_skipped"] == 2 and count(engine) == 2


def test_dry_run_reports_and_stores_nothing(run, db, template_file):
    url, engine = db
    out = run("import", str(template_file), "--dry-run", "--json", url=url)
    report = json.loads(out.stdout)
    assert out.returncode == 0 and report["dry_run"] and report["readings_to_store"] == 2
    assert report["readings_stored"] == 0 and count(engine) == 0 and audit.entries(engine).empty
    text = run("import", str(template_file), "--dry-run", url=url).stdout
    assert "2 readings would be stored (dry run: nothing was stored)" in text and "line 4, dbp '150'" in text


@pytest.mark.parametrize("content, words", [
    (b"\x89PNG\r\n\x1a\n\x00\x00binary", "error: this is not a text file"),
    (b"", "error: the file is empty"),
    (b"session_id,timestamp,hr\n", "error: the file has a header but no rows"),
    (b"hr,spo2\n70,98\n", "error: no time column found"),
])
def test_an_unusable_file_is_one_line_on_stderr_exit_1_and_nothing_stored(run, db, tmp_path, content, words):
    url, engine = db
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    out = run("import", str(path), "--json", url=url)
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr.startswith(words) and len(out.stderr.strip().splitlines()) == 1
    assert count(engine) == 0 and audit.entries(engine).empty


def test_the_real_process_exits_1_with_one_line_and_no_traceback(db, tmp_path):
    url, engine = db
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    out = cli("import", str(path), "--session", "S-0001", "--json", url=url)
    assert out.returncode == 1 and out.stdout == "" and "Traceback" not in out.stderr
    assert out.stderr.splitlines() == ["error: this is not a text file (it contains binary data): export the vitals "
                                       "as CSV"]
    assert count(engine) == 0


def test_a_missing_file_and_a_directory_are_plain_errors(run, db, tmp_path):
    url, _ = db
    missing = run("import", str(tmp_path / "nope.csv"), url=url)
    assert missing.returncode == 1 and missing.stderr.strip() == f"error: no file {tmp_path / 'nope.csv'}"
    folder = run("import", str(tmp_path), url=url)
    assert folder.returncode == 1 and "is not a file" in folder.stderr and "Traceback" not in folder.stderr


def test_day_month_order_is_asked_for_then_given(run, db, tmp_path):
    url, engine = db
    day = next(d for d in (date.today() - timedelta(days=k) for k in range(1, 60)) if d.day <= 12 and d.day != d.month)
    patient = store_sessions.find_patient(engine, "P-1")
    sid = store_sessions.create_session(engine, patient, day, by="setup", protocol="test", code="S-DM")
    path = tmp_path / "sheet.csv"
    path.write_text(f"Date,Time,BP,Pulse\n{day:%d/%m/%Y},09:10,128/82,70\n")
    asked = run("import", str(path), "--session", "S-DM", url=url)
    assert asked.returncode == 1 and "set the day/month order" in asked.stderr
    given = run("import", str(path), "--session", "S-DM", "--dayfirst", "--json", url=url)
    assert given.returncode == 0, given.stderr
    assert json.loads(given.stdout)["readings_stored"] == 1
    reading = store_readings.session_readings(engine, sid).iloc[0]
    assert (reading["sbp"], reading["dbp"], reading["hr"]) == (128, 82, 70)
    assert reading["measured_at"].tz_convert(TZ).date() == day


def test_map_overrides_a_column(run, db, tmp_path):
    url, engine = db
    path = tmp_path / "monitor.csv"
    path.write_text(f"when,PULSE,HR\n{at(9)},88,70\n")
    out = run("import", str(path), "--session", "S-0001", "--map", "time=when", "--map", "hr=PULSE", "--json", url=url)
    assert out.returncode == 0, out.stderr
    sid = store_sessions.find_session(engine, "S-0001").id
    assert store_readings.session_readings(engine, sid)["hr"].tolist() == [88]
    bad = run("import", str(path), "--session", "S-0001", "--map", "hr", url=url)
    assert bad.returncode == 1 and "--map takes FIELD=COLUMN" in bad.stderr


def test_a_monitor_export_with_elapsed_minutes_and_a_start(run, db, realdata):
    url, engine = db
    path = realdata / "mimic2wdb_s25047_numerics_1min.csv"
    out = run("import", str(path), "--session", "S-0002", "--start", f"{DAY}T09:00", "--json", url=url)
    report = json.loads(out.stdout)
    # 9 artifacts (SpO2 36-43 %, RR under 2, cuff 74/10 and 151/127) go; their lines keep their other vitals
    assert out.returncode == 0 and report["rows_read"] == 72 and report["rows_accepted"] == 71
    assert report["values_rejected"] == 9 and report["problems_total"] == 9 and report["rows_rejected"] == 1
    assert report["readings_stored"] == 68 and any("sensor off" in n for n in report["notes"])


def test_as_names_an_existing_account_and_its_role_is_checked(run, db, template_file):
    url, engine = db
    unknown = run("import", str(template_file), "--as", "ghost", url=url)
    assert unknown.returncode == 1 and unknown.stderr.strip() == "error: no user 'ghost'"
    store_users.create_user(engine, "ana", "Ana", "nurse", "correct horse battery", by="setup")
    store_users.create_user(engine, "boss", "Boss", "admin", "correct horse battery", by="setup")
    refused = run("import", str(template_file), "--as", "boss", url=url)
    assert refused.returncode == 1 and refused.stderr.startswith("error: a admin may not") and count(engine) == 0
    done = run("import", str(template_file), "--as", "ana", "--json", url=url)
    assert done.returncode == 0 and count(engine) == 2
    assert audit.entries(engine, action="import.commit")["actor"].tolist() == ["ana"]


def test_export_writes_the_template_with_formulas_neutralised(run, database_url):
    engine = get_engine(database_url)
    sid = patient_with_sessions(engine, DAY, "S-0001")["S-0001"]
    Records(engine, Actor("ana", "nurse"), TZ).record_reading(
        sid, {"sbp": "128", "dbp": "82", "hr": "74"}, measured_at=datetime.fromisoformat(at(9)),
        note='=HYPERLINK("http://evil.example","open")')
    out = run("export", "--session", "S-0001", "--format", "csv", url=database_url)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "session_id,timestamp,sbp,dbp,map,hr,spo2,rr,temp_c,note,bp_method"
    assert lines[1].startswith(f"S-0001,{at(9)},128,82,,74,") and "'=HYPERLINK" in lines[1]
    missing = run("export", "--session", "S-9999", "--format", "csv", url=database_url)
    assert missing.returncode == 1 and missing.stderr.strip() == "error: no session with code 'S-9999'"


def test_escape_sequences_from_a_file_are_shown_not_run_in_the_terminal(run, db, tmp_path):
    url, _ = db
    path = tmp_path / "odd.csv"
    path.write_text(f"session_id,timestamp,hr\nS-0001,{at(9)},\x1b[2J\x1b[31m70\n")
    out = run("import", str(path), "--dry-run", url=url)
    assert out.returncode == 0 and "\x1b" not in out.stdout and "\\x1b[2J" in out.stdout


def test_the_import_command_raises_the_alerts_that_the_alerts_command_lists(run, sqlite_url, tmp_path):
    from dashboard.services.alerting import Alerting
    from dashboard.services.protocols import bootstrap
    engine = get_engine(sqlite_url)
    bootstrap(engine)
    records = Records(engine, Actor("ana", "nurse"), TZ)
    start = datetime.now(ZoneInfo(TZ)).replace(second=0, microsecond=0) - timedelta(hours=1)
    sid = records.open_session(start.date(), patient_code="P-LOW", new_patient=True,
                               protocol="IV ketamine clinic default")
    records.start_infusion(sid, start)
    code = store_sessions.get_session(engine, sid).code
    path = tmp_path / "low.csv"
    path.write_text("timestamp,sbp,dbp,hr,spo2\n" + "".join(
        f"{(start + timedelta(minutes=m)).isoformat()},{63 + m % 3},{38 + m % 2},{110 + m},{52 + m % 7}\n"
        for m in range(0, 40, 2)))
    out = run("import", str(path), "--session", code, "--json", url=sqlite_url)
    assert out.returncode == 0, out.stderr
    listing = json.loads(run("alerts", "--session", code, "--json", url=sqlite_url).stdout)
    listed = listing["alerts"]
    stored = Alerting(engine, Actor("ana", "nurse")).alerts(sid)
    assert len(listed) >= 2 and len(listed) == len(stored)
    # raised as the Record page shows them: one alert event per reading time, naming its rules
    assert json.loads(out.stdout)["alerts_raised"] == len(listing["events"]) == stored["event_id"].nunique()
    assert {(a["rule"], a["vital"], a["priority"]) for a in listed} == set(
        zip(stored["rule"], stored["vital"], stored["priority"]))
    text = run("import", str(path), "--session", code, url=sqlite_url).stdout
    assert "0 alerts raised" in text  # the same file again: nothing new stored, nothing new raised


def test_json_lists_the_first_1000_problems_counts_them_all_and_rejects_writes_every_line(run, db, tmp_path):
    url, engine = db
    path = tmp_path / "probe-off.csv"
    start = datetime.fromisoformat(at(9))
    path.write_text("timestamp,hr,spo2\n" + "".join(
        f"{(start + timedelta(seconds=i)).isoformat()},{70 if i % 2 else 400},{30 + i % 10}\n" for i in range(3_000)))
    rejects = tmp_path / "out" / "rejects.csv"
    rejects.parent.mkdir()
    out = run("import", str(path), "--session", "S-0001", "--json", "--rejects", str(rejects), url=url)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert len(report["problems"]) == 1_000 and report["problems_total"] == 4_500
    assert report["problems_by_reason"] == {"outside_possible_range": 4_500}
    assert report["rows_rejected"] == 1_500 and report["rows_accepted"] == 1_500  # the odd lines keep their HR
    assert report["readings_stored"] == 1_500 and report["values_rejected"] == 4_500
    lines = rejects.read_text().splitlines()
    assert lines[0] == "line,timestamp,hr,spo2,stored,reason" and len(lines) == 3_001
    assert lines[1].endswith(",400,30,nothing,hr: HR 400 /min is outside the possible range 20-300 /min; "
                             "spo2: SpO2 30 % is outside the possible range 50-100 %")
    assert ",70,31,the line's other values,spo2: SpO2 31 %" in lines[2]
    text = run("import", str(path), "--session", "S-0001", "--dry-run", url=url).stdout
    assert "... and 3500 more problems (--rejects FILE writes them all)" in text
