"""Importing files into the store, on SQLite and PostgreSQL: all or nothing, never twice, audited, traceable."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from dashboard.core.csvfile import ImportOptions, UnusableFile
from dashboard.core.roles import SYSTEM_ACTOR, Actor, PermissionDenied
from dashboard.services.alerting import Alerting
from dashboard.services.imports import Imports
from dashboard.services.records import Records
from dashboard.store import audit
from dashboard.store import readings as store_readings
from dashboard.store import sessions as store_sessions
from dashboard.store.db import get_engine
from tests.clinic import patient_with_sessions

TZ = "America/New_York"
DAY = date.today() - timedelta(days=1)
NURSE = Actor("ana", "nurse")


def at(hour: int, minute: int = 0) -> str:
    """A local time on the session's day, with its UTC offset (as the template writes it)."""
    return datetime.combine(DAY, datetime.min.time().replace(hour=hour, minute=minute),
                            tzinfo=ZoneInfo(TZ)).isoformat()


def template(*rows: str) -> bytes:
    return ("session_id,timestamp,sbp,dbp,map,hr,spo2,rr,temp_c,note\n" + "".join(r + "\n" for r in rows)).encode()


FILE = template(f"S-0001,{at(9)},128,82,,74,98,14,,baseline",
                f"S-0001,{at(9, 10)},141,88,,81,97,15,,infusion start",
                f"S-0002,{at(9, 5)},120,80,93,70,99,12,36.8,",
                f"S-0001,{at(9, 20)},120,150,,,,,,typo")


@pytest.fixture
def engine(database_url):
    engine = get_engine(database_url)
    patient_with_sessions(engine, DAY, "S-0001", "S-0002", patient="P-7")
    return engine


def sid(engine, code: str) -> int:
    return store_sessions.find_session(engine, code).id


def stored(engine, code: str) -> pd.DataFrame:
    return store_readings.session_readings(engine, sid(engine, code))


def run(engine, data: bytes = FILE, name: str = "chair3.csv", actor: Actor = NURSE, **options):
    imports = Imports(engine, actor, TZ)
    return imports.commit(imports.preview(data, file_name=name, options=ImportOptions(**options)))


def test_good_rows_are_stored_with_their_file_line_and_source_bad_rows_reported(engine):
    report = run(engine)
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (4, 3, 1)
    assert report.readings_stored == 3 and dict(report.sessions) == {"S-0001": 2, "S-0002": 1}
    assert [(p.line, p.column, p.reason) for p in report.problems] == [
        (5, "dbp", "diastolic 150 is not below systolic 120")]
    one = stored(engine, "S-0001")
    assert one["sbp"].tolist() == [128, 141] and one["map_computed"].tolist() == [True, True]
    assert one["source"].tolist() == ["file", "file"] and one["source_file"].tolist() == ["chair3.csv"] * 2
    assert one["source_line"].tolist() == [2, 3] and one["entered_by"].tolist() == ["ana", "ana"]
    assert one["note"].tolist() == ["baseline", "infusion start"]
    two = stored(engine, "S-0002")
    assert two["map"].tolist() == [93] and not two["map_computed"].iloc[0] and two["temp_c"].tolist() == [36.8]


def test_the_audit_entry_is_written_with_the_file_name_and_counts(engine):
    run(engine)
    entries = audit.entries(engine, action="import.commit")
    assert len(entries) == 1
    entry = entries.iloc[0]
    after = json.loads(entry["after"])
    assert entry["actor"] == "ana" and entry["role"] == "nurse" and entry["entity_id"] == "chair3.csv"
    assert after["file"] == "chair3.csv" and after["readings_stored"] == 3 and after["rows_rejected"] == 1
    assert after["sessions"] == {"S-0001": 2, "S-0002": 1}


def test_reimporting_the_same_file_stores_nothing_twice(engine):
    first = run(engine)
    second = run(engine)
    assert second.readings_stored == 0 and second.duplicates_skipped == first.readings_stored == 3
    assert len(stored(engine, "S-0001")) == 2 and len(stored(engine, "S-0002")) == 1
    assert len(audit.entries(engine, action="import.commit")) == 2  # the second attempt is on record too


def test_an_overlapping_export_adds_only_the_new_readings(engine):
    run(engine, template(f"S-0001,{at(9)},128,82,,74,98,14,,", f"S-0001,{at(9, 10)},141,88,,81,97,15,,"))
    report = run(engine, template(f"S-0001,{at(9, 10)},141,88,,81,97,15,,", f"S-0001,{at(9, 20)},135,85,,78,98,14,,"),
                 name="later-export.csv")
    assert report.readings_stored == 1 and report.duplicates_skipped == 1
    assert stored(engine, "S-0001")["sbp"].tolist() == [128, 141, 135]


def test_a_different_reading_already_stored_at_that_time_is_not_overwritten(engine):
    Records(engine, NURSE, TZ).record_reading(sid(engine, "S-0001"), {"sbp": "128", "dbp": "80", "hr": "70"},
                                              measured_at=datetime.fromisoformat(at(9)), bp_method="cuff")
    report = run(engine, template(f"S-0001,{at(9)},128,82,,74,98,14,,"))
    assert report.readings_stored == 0 and report.rows_rejected == 1
    assert "a different reading for this time (cuff) is already stored" in report.problems[0].reason
    assert stored(engine, "S-0001")["dbp"].tolist() == [80]


def test_a_failure_midway_through_storing_leaves_nothing(engine, monkeypatch):
    real = store_readings.add_readings

    def half_then_crash(bind, frame, **kwargs):
        real(bind, frame.iloc[: len(frame) // 2], **kwargs)  # half the rows reach the database...
        raise RuntimeError("connection lost")  # ...then the connection drops

    monkeypatch.setattr(store_readings, "add_readings", half_then_crash)
    with pytest.raises(RuntimeError):
        run(engine)
    assert stored(engine, "S-0001").empty and stored(engine, "S-0002").empty
    assert audit.entries(engine, action="import.commit").empty
    monkeypatch.setattr(store_readings, "add_readings", real)
    assert run(engine).readings_stored == 3  # and the same file can simply be imported again


def test_a_failing_audit_entry_takes_the_readings_back(engine, monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(audit, "record", refuse)
    with pytest.raises(RuntimeError):
        run(engine)
    assert stored(engine, "S-0001").empty and stored(engine, "S-0002").empty


def test_unknown_session_codes_are_problems_and_no_session_is_created(engine):
    report = run(engine, template(f"S-0099,{at(9)},128,82,,74,98,14,,", f"S-0001,{at(9)},128,82,,74,98,14,,"))
    assert report.readings_stored == 1 and report.rows_rejected == 1
    assert "session 'S-0099' does not exist" in report.problems[0].reason
    assert store_sessions.find_session(engine, "S-0099") is None


@pytest.mark.parametrize("role", ["admin", "trainer"])
def test_roles_without_reading_write_are_refused_and_nothing_changes(engine, role):
    imports = Imports(engine, Actor("someone", role), TZ)
    with pytest.raises(PermissionDenied):
        imports.preview(FILE, file_name="x.csv")
    nurse_preview = Imports(engine, NURSE, TZ).preview(FILE, file_name="x.csv")
    with pytest.raises(PermissionDenied):
        imports.commit(nurse_preview)
    assert stored(engine, "S-0001").empty and audit.entries(engine, action="import.commit").empty


def test_an_unusable_file_stores_nothing(engine):
    with pytest.raises(UnusableFile):
        Imports(engine, NURSE, TZ).preview(b"\x00\x01binary", file_name="x.csv")
    assert stored(engine, "S-0001").empty and audit.entries(engine).empty


def test_arterial_and_cuff_readings_at_the_same_minute_are_both_stored(engine):
    data = (f"time,NBPSys,NBPDias,ABPSys,ABPDias,HR\n{at(9)},120,80,131,75,70\n").encode()
    report = run(engine, data, session="S-0001")
    rows = stored(engine, "S-0001").set_index("bp_method")
    assert report.readings_stored == 2 and rows.loc["cuff", "sbp"] == 120 and rows.loc["arterial", "sbp"] == 131
    assert run(engine, data, session="S-0001").duplicates_skipped == 2


def test_export_then_import_is_a_no_op(engine):
    run(engine)
    exported = Imports(engine, NURSE, TZ).export("S-0001")
    assert exported.splitlines()[0] == "session_id,timestamp,sbp,dbp,map,hr,spo2,rr,temp_c,note,bp_method"
    report = run(engine, exported.encode(), name="export.csv")
    assert report.readings_stored == 0 and report.duplicates_skipped == 2 and report.rows_rejected == 0


def test_the_system_actor_imports_and_is_named_in_the_record(engine):
    run(engine, actor=SYSTEM_ACTOR)
    assert set(stored(engine, "S-0001")["entered_by"]) == {"system"}
    assert audit.entries(engine, action="import.commit")["actor"].tolist() == ["system"]


def test_a_dry_run_preview_changes_nothing(engine):
    preview = Imports(engine, NURSE, TZ).preview(FILE, file_name="x.csv")
    report = preview.report()
    assert report.dry_run and report.readings_stored == 0 and report.readings_to_store == 3
    assert stored(engine, "S-0001").empty and audit.entries(engine).empty


def test_readings_stored_between_preview_and_commit_are_not_stored_twice(engine):
    imports = Imports(engine, NURSE, TZ)
    first, second = imports.preview(FILE, file_name="a.csv"), imports.preview(FILE, file_name="b.csv")
    assert len(second.to_store) == 3
    imports.commit(first)  # someone else's import lands while the second preview is on screen
    report = imports.commit(second)
    assert report.readings_stored == 0 and report.duplicates_skipped == 3
    assert len(stored(engine, "S-0001")) == 2 and len(stored(engine, "S-0002")) == 1


def test_a_session_started_after_the_preview_is_checked_again_at_commit(engine):
    imports = Imports(engine, NURSE, TZ)
    late = template(f"S-0001,{at(9)},128,82,,74,98,14,,")
    preview = imports.preview(late, file_name="late.csv")
    assert len(preview.to_store) == 1
    # the infusion is recorded as started 14 h after that reading: it is now too early for the session
    Records(engine, NURSE, TZ).start_infusion(sid(engine, "S-0001"), datetime.fromisoformat(at(23)))
    report = imports.commit(preview)
    assert report.readings_stored == 0 and "more than 12 h before this session" in report.problems[0].reason


# Alerts: an import leaves the stored alerts exactly as typing the same readings one by one would.
ALERT_FIELDS = ["rule", "vital", "level", "priority", "started_at", "ended_at", "peak_value"]
# minutes after infusion start: a hypotensive, desaturating stretch that recovers, then a hypertensive one
CRISIS = [(0, 124, 80, 78, 98, 14), (5, 96, 60, 88, 95, 16), (10, 63, 40, 118, 58, 22), (15, 66, 42, 121, 55, 24),
          (20, 70, 45, 112, 57, 22), (25, 88, 55, 100, 86, 18), (30, 112, 72, 86, 95, 15), (35, 118, 76, 82, 97, 14),
          (40, 176, 104, 96, 97, 15), (45, 192, 110, 104, 96, 16), (50, 150, 92, 90, 97, 14)]


def stored_alerts(engine, session_id: int) -> list[tuple]:
    from dashboard.services.alerting import Alerting
    frame = Alerting(engine, NURSE).alerts(session_id)
    live = frame[frame["withdrawn_at"].isna()].sort_values(["started_at", "rule", "vital", "level"])
    return [tuple(None if pd.isna(v) else v for v in row) for row in live[ALERT_FIELDS].itertuples(index=False)]


@pytest.fixture
def twin_sessions(database_url):
    """Two sessions of one patient whose infusions started at the same moment, under the clinic default."""
    from dashboard.services.protocols import bootstrap
    engine = get_engine(database_url)
    bootstrap(engine)
    records = Records(engine, NURSE, TZ)
    start = datetime.now(ZoneInfo(TZ)).replace(second=0, microsecond=0) - timedelta(hours=2)
    ids = [records.open_session(start.date(), patient_code="P-ALERT", new_patient=i == 0,
                                protocol="IV ketamine clinic default", confirm_second=i == 1) for i in range(2)]
    for session_id in ids:
        records.start_infusion(session_id, start)
    return engine, ids, start


def test_an_import_raises_the_same_alerts_as_typing_the_readings(twin_sessions):
    engine, (typed, imported), start = twin_sessions
    records = Records(engine, NURSE, TZ)
    for minute, sbp, dbp, hr, spo2, rr in CRISIS:
        result, _ = records.record_reading(typed, {"sbp": str(sbp), "dbp": str(dbp), "hr": str(hr),
                                                   "spo2": str(spo2), "rr": str(rr)},
                                           measured_at=start + timedelta(minutes=minute))
        assert not result.problems
    code = store_sessions.get_session(engine, imported).code
    lines = [f"{code},{(start + timedelta(minutes=m)).isoformat()},{s},{d},,{h},{o},{r},," for m, s, d, h, o, r in CRISIS]
    report = run(engine, template(*lines), name="crisis.csv")
    assert report.readings_stored == len(CRISIS)
    typed_alerts = stored_alerts(engine, typed)
    assert {(a[0], a[1], a[3]) for a in typed_alerts} >= {("limit", "sbp", "high"), ("limit", "spo2", "high")}
    assert stored_alerts(engine, imported) == typed_alerts
    typed_events = Alerting(engine, NURSE).events(typed)
    assert report.alerts_raised == typed_events["withdrawn_at"].isna().sum()  # events, as the page lists them
    after = json.loads(audit.entries(engine, action="import.commit")["after"].iloc[0])
    assert after["alerts_raised"] == report.alerts_raised
    assert len(audit.entries(engine, action="alert.raise", session_id=imported)) == len(typed_alerts)


def test_an_import_onto_typed_readings_leaves_the_alerts_a_fresh_evaluation_gives(twin_sessions):
    """The import evaluates what it holds (readings in force as checked plus those it stores): the stored
    alerts must be those a re-evaluation from the database gives, and those typing every reading gives."""
    from dashboard.services.alerting import refresh
    from dashboard.store.db import begin
    engine, (typed, imported), start = twin_sessions
    records = Records(engine, NURSE, TZ)
    half = len(CRISIS) // 2
    for session_id, rows in ((typed, CRISIS), (imported, CRISIS[:half])):
        for minute, sbp, dbp, hr, spo2, rr in rows:
            records.record_reading(session_id, {"sbp": str(sbp), "dbp": str(dbp), "hr": str(hr),
                                                "spo2": str(spo2), "rr": str(rr)},
                                   measured_at=start + timedelta(minutes=minute, seconds=0.25))
    code = store_sessions.get_session(engine, imported).code
    lines = [f"{code},{(start + timedelta(minutes=m, seconds=0.25)).isoformat()},{s},{d},,{h},{o},{r},,"
             for m, s, d, h, o, r in CRISIS]
    report = run(engine, template(*lines), name="rest.csv")
    assert (report.readings_stored, report.duplicates_skipped) == (len(CRISIS) - half, half)
    after_import = stored_alerts(engine, imported)
    assert after_import == stored_alerts(engine, typed)
    with begin(engine) as conn:
        assert len(refresh(conn, imported, NURSE)) == 0  # nothing new to raise from what is stored
    assert stored_alerts(engine, imported) == after_import


def test_a_dry_run_raises_no_alert(twin_sessions):
    engine, (_, imported), start = twin_sessions
    code = store_sessions.get_session(engine, imported).code
    preview = Imports(engine, NURSE, TZ).preview(template(f"{code},{(start + timedelta(minutes=10)).isoformat()},"
                                                          "63,40,,118,58,22,,"), file_name="x.csv")
    assert preview.report().alerts_raised == 0 and stored_alerts(engine, imported) == []


def test_a_preview_of_the_first_lines_commits_the_whole_file(engine):
    rows = [f"S-0001,{at(9)},128,82,,74,98,14,,", f"S-0001,{at(9, 10)},141,88,,81,97,15,,",
            f"S-0002,{at(9, 5)},120,80,93,70,99,12,36.8,", f"S-0002,{at(9, 15)},400,80,,70,99,12,,"]
    imports = Imports(engine, NURSE, TZ)
    preview = imports.preview(template(*rows), file_name="long.csv", options=ImportOptions(max_lines=2))
    assert preview.parsed.truncated and preview.parsed.rows_read == 2 and preview.whole_file is not None
    report = imports.commit(preview)
    assert (report.rows_read, report.readings_stored, report.values_rejected) == (4, 4, 1)
    assert [(p.line, p.column) for p in report.problems] == [(5, "sbp")]
    assert len(stored(engine, "S-0001")) == 2 and stored(engine, "S-0002")["sbp"].isna().tolist() == [False, True]


def test_readings_measured_after_discharge_are_refused_as_typed_entry_refuses_them(engine):
    records = Records(engine, NURSE, TZ)
    session_id = sid(engine, "S-0001")
    records.start_infusion(session_id, datetime.fromisoformat(at(9)))
    records.stop_infusion(session_id, datetime.fromisoformat(at(9, 40)))
    records.discharge(session_id, datetime.fromisoformat(at(10, 30)), override_reason="test: escort waiting")
    report = run(engine, template(f"S-0001,{at(10)},128,82,,74,98,14,,late entry",
                                  f"S-0001,{at(10, 45)},131,84,,76,97,14,,after discharge"), name="after.csv")
    assert (report.readings_stored, report.rows_rejected) == (1, 1)
    day = f"{DAY:%Y-%m-%d}"
    assert [(p.line, p.column, p.value, p.reason) for p in report.problems] == [
        (3, "timestamp", at(10, 45), f"{day} 10:45:00 is after the discharge at {day} 10:30:00: after discharge "
                                     "only readings measured before it can be added")]
    assert stored(engine, "S-0001")["note"].tolist() == ["late entry"]
