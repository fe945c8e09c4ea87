"""Training scenarios in the store, on SQLite and PostgreSQL: shipped once (also when two processes start at
once), versioned, results kept per trainee, history never changed, and a scenario made from a finished session
keeps nothing that identifies the patient, the session or the staff."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone

import pandas as pd
import pytest
from sqlalchemy import MetaData, create_engine, select, text
from sqlalchemy.exc import DBAPIError

from dashboard.core.decisions import AIRWAY, KEEP_WATCHING, OXYGEN
from dashboard.core.errors import Conflict
from dashboard.core.roles import SYSTEM_ACTOR, Actor
from dashboard.core.trainee import TraineeRun
from dashboard.seed_scenarios import seed_scenarios
from dashboard.services.audit_trail import audit_entries
from dashboard.services.training import Training
from dashboard.store import events as store_events
from dashboard.store import readings as store_readings
from dashboard.store import scenarios as store_scenarios
from dashboard.store import sessions as store_sessions
from dashboard.store import signoffs as store_signoffs
from dashboard.store import users as store_users
from dashboard.store.db import normalise_url

SAMPLES = [f"TR-{n:03d}" for n in range(1, 12)]
SAM, TIM, UNA = Actor("sam", "supervisor"), Actor("tim", "trainee"), Actor("una", "trainee")


def every_row(engine, tables=("scenarios", "scenario_versions", "scenario_results")) -> dict[str, list[tuple]]:
    meta = MetaData()
    meta.reflect(engine, only=list(tables))
    with engine.connect() as conn:
        return {name: [tuple(r) for r in conn.execute(select(meta.tables[name]))] for name in tables}


def test_the_shipped_scenarios_are_stored_once(clinic_engine, tmp_path):
    notes = seed_scenarios(clinic_engine, realdata=tmp_path)  # no real recordings here: skipped, with a note
    assert [n.split(" ")[1] for n in notes] == ["TR-051", "TR-052"]
    assert sorted(store_scenarios.codes(clinic_engine)) == SAMPLES
    before = every_row(clinic_engine)
    assert seed_scenarios(clinic_engine, realdata=tmp_path) == notes
    assert every_row(clinic_engine) == before  # nothing stored twice
    items = Training(clinic_engine, TIM).scenarios()
    assert [(s.code, s.version, s.title) for s in items][3] == ("TR-004", 1, "Desaturation with sedation")
    assert audit_entries(clinic_engine, SYSTEM_ACTOR, action="scenario.create").empty  # shipped, like the presets
    assert {v.created_by for v in store_scenarios.latest_versions(clinic_engine)} == {"system"}


def test_the_real_recordings_are_shipped_too_when_they_are_there(clinic_engine, realdata):
    assert seed_scenarios(clinic_engine, realdata=realdata) == []
    assert {"TR-051", "TR-052"} <= store_scenarios.codes(clinic_engine)
    real = Training(clinic_engine, TIM).scenario("TR-051")
    assert real.title == "Real monitor: a desaturation among artifacts" and "MIMIC-II" in real.source
    assert len(real.decisions) == 13


def test_two_processes_starting_together_store_each_scenario_once(clinic_engine, database_url, tmp_path):
    engines = [create_engine(normalise_url(database_url)) for _ in range(2)]
    if clinic_engine.dialect.name == "sqlite":
        for e in engines:
            from sqlalchemy import event

            from dashboard.store.db import _sqlite_pragmas
            event.listen(e, "connect", _sqlite_pragmas)
    gate, failures = threading.Barrier(2), []

    def start(engine):
        gate.wait()
        try:
            seed_scenarios(engine, realdata=tmp_path)
        except Exception as error:  # any failure of either start is the finding
            failures.append(error)

    threads = [threading.Thread(target=start, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in engines:
        e.dispose()
    assert failures == []
    rows = every_row(clinic_engine)
    assert sorted(r[1] for r in rows["scenarios"]) == SAMPLES
    assert len(rows["scenario_versions"]) == len(SAMPLES)


@pytest.mark.parametrize("statement", ["UPDATE scenario_versions SET title = 'x'", "DELETE FROM scenario_versions",
                                       "UPDATE scenarios SET code = 'x'", "DELETE FROM scenario_results",
                                       "UPDATE scenario_results SET score = 100"])
def test_scenario_history_and_results_cannot_be_changed(clinic_engine, tmp_path, statement):
    seed_scenarios(clinic_engine, realdata=tmp_path)
    Training(clinic_engine, TIM).record_result("TR-004", 1, [], 0)
    before = every_row(clinic_engine)
    with pytest.raises(DBAPIError, match="append-only"):
        with clinic_engine.begin() as conn:
            conn.execute(text(statement))
    assert every_row(clinic_engine) == before


def test_a_trainees_run_is_scored_and_kept_and_the_class_summary_names_the_most_missed(clinic_engine, tmp_path):
    seed_scenarios(clinic_engine, realdata=tmp_path)
    scenario = Training(clinic_engine, TIM).scenario("TR-004")  # quiet 15, desaturation 25, quiet 85
    run = TraineeRun.start(scenario.decisions, [15.0, 20.0, 25.0, 30.0, 85.0])
    good = run.answer(KEEP_WATCHING, 15).answer(OXYGEN, 25).answer(KEEP_WATCHING, 85).end(105)
    late = run.answer(KEEP_WATCHING, 15).answer(KEEP_WATCHING, 25).answer(AIRWAY, 30).end(40)
    assert Training(clinic_engine, TIM).record_result("TR-004", 1, good.answers, good.ended_at_min).percent == 100
    scored = Training(clinic_engine, UNA).record_result("TR-004", 1, late.answers, late.ended_at_min)
    assert [v.outcome for v in scored.verdicts] == ["right", "late", "not reached"]
    mine = Training(clinic_engine, UNA).my_results()
    assert mine[["code", "version", "trainee", "score", "right_answers", "decisions"]].values.tolist() == \
        [["TR-004", 1, "una", 50, 1, 3]]
    summary = Training(clinic_engine, Actor("tia", "trainer")).class_summary("TR-004")
    assert summary.runs == 2 and [r["trainee"] for r in summary.by_trainee] == ["tim", "una"]
    assert summary.most_missed.startswith("minute 25: SpO2 beyond critical")
    assert "scenario.result" in audit_entries(clinic_engine, SYSTEM_ACTOR, user="una")["action"].tolist()


def test_an_answer_to_a_decision_the_scenario_lacks_is_refused_and_nothing_kept(clinic_engine, tmp_path):
    seed_scenarios(clinic_engine, realdata=tmp_path)
    from dashboard.core.trainee import Answer
    before = every_row(clinic_engine)
    with pytest.raises(Conflict, match="decision the scenario does not have"):
        Training(clinic_engine, TIM).record_result("TR-004", 1, [Answer(7, 5, KEEP_WATCHING, 5)], 10)
    assert every_row(clinic_engine) == before


def test_a_new_version_under_another_protocol_keeps_the_old_one_and_its_results(clinic_engine, tmp_path):
    seed_scenarios(clinic_engine, realdata=tmp_path)
    Training(clinic_engine, TIM).record_result("TR-002", 1, [], 0)
    trainer = Training(clinic_engine, Actor("tia", "trainer"))
    esketamine = "Esketamine nasal spray (REMS-style)"
    revised = trainer.revise("TR-002", title="Hypertension under the REMS protocol", goal="Compare", protocol=esketamine,
                             reason="to compare the two protocols")
    assert (revised.version, revised.protocol) == (2, esketamine)
    assert trainer.scenario("TR-002", 1).protocol == "IV ketamine clinic default"
    assert trainer.history("TR-002")["version"].tolist() == [2, 1]
    assert trainer.results("TR-002")["version"].tolist() == [1]
    with pytest.raises(Conflict, match="give the scenario a reason"):
        trainer.revise("TR-002", title="x", goal="y", protocol=esketamine, reason=" ")
    assert trainer.history("TR-002")["version"].tolist() == [2, 1]


# ---- a finished session turned into a scenario: de-identified ----

DAY = date(2025, 3, 14)
START = datetime(2025, 3, 14, 19, 7, 33, tzinfo=timezone.utc)
IDENTIFYING = {
    "patient code": "P-ZEBRA-4471", "session code": "S-QUOKKA-9", "patient notes": "lives on Wisteria Lane",
    "reading note": "Mrs Zebrowski felt faint", "correction reason": "typed by Xavier by mistake",
    "event note": "her husband Bartholomew called", "free-text event": "Rash near the Quokka tattoo",
    "nurse username": "zoltan.nurse", "nurse full name": "Zoltan Quist", "file name": "zebra-chair-7.csv",
    "date": "2025-03-14", "date (US)": "03/14/2025", "date (day first)": "14/03/2025", "clock time": "19:07",
}


@pytest.fixture
def finished_session(clinic_engine):
    store_users.create_user(clinic_engine, "zoltan.nurse", "Zoltan Quist", "nurse", "a long password 42", by="x")
    nurse = "zoltan.nurse"
    patient = store_sessions.create_patient(clinic_engine, IDENTIFYING["patient code"], by=nurse, year_of_birth=1961,
                                            notes=IDENTIFYING["patient notes"])
    sid = store_sessions.create_session(clinic_engine, patient, DAY, by=nurse, code=IDENTIFYING["session code"],
                                        protocol="IV ketamine clinic default", weight_kg=83.7, planned_dose_mg=41.85)
    at = [START + timedelta(minutes=m) for m in (-5, 5, 10, 20, 30, 45)]
    store_readings.add_readings(clinic_engine, pd.DataFrame({
        "session_id": sid, "measured_at": at, "sbp": [128, 150, 186, 150, 132, 126.0], "dbp": [80, 88, 104, 90, 82, 80.0],
        "hr": [72, 80, 96, 84, 76, 74.0], "spo2": [98, 97, 96, 97, 98, 98.0],
        "note": [None, IDENTIFYING["reading note"], None, None, None, None],
        "source_file": IDENTIFYING["file name"], "source_line": range(2, 8)}), by=nurse)
    store_sessions.start_infusion(clinic_engine, sid, START)
    first = store_readings.session_readings(clinic_engine, sid)["id"].iloc[1]
    store_readings.correct_reading(clinic_engine, int(first), {"sbp": 152.0, "dbp": 88.0, "hr": 80.0, "spo2": 97.0},
                                   reason=IDENTIFYING["correction reason"], by=nurse)
    store_events.add_event(clinic_engine, sid, "side_effect", "Nausea", occurred_at=START + timedelta(minutes=12),
                           by=nurse, severity="mild", note=IDENTIFYING["event note"])
    store_events.add_event(clinic_engine, sid, "side_effect", IDENTIFYING["free-text event"],
                           occurred_at=START + timedelta(minutes=14), by=nurse)
    store_events.add_event(clinic_engine, sid, "note", IDENTIFYING["event note"], occurred_at=START, by=nurse)
    store_sessions.stop_infusion(clinic_engine, sid, START + timedelta(minutes=40))
    return sid


def test_a_session_becomes_a_scenario_with_no_identifying_value_left(clinic_engine, finished_session):
    store_sessions.discharge(clinic_engine, finished_session, START + timedelta(minutes=80))
    supervisor = Training(clinic_engine, SAM)
    assert IDENTIFYING["session code"] in dict(supervisor.source_sessions())
    scenario = supervisor.add_from_session(IDENTIFYING["session code"], title="A hypertensive peak",
                                           goal="Stop and call when SBP passes 180")
    assert scenario.code == "TR-101" and scenario.version == 1
    assert scenario.readings["sbp"].tolist() == [128, 152, 186, 150, 132, 126]  # the correction, in force
    assert scenario.started_at == pd.Timestamp("2000-01-01 09:00", tz="UTC")
    assert scenario.events["label"].tolist() == ["Nausea", "Other"]  # the note event and free text are gone
    assert any(d.kind == "alert" and "SBP beyond critical" in d.label for d in scenario.decisions)

    stored = every_row(clinic_engine, ("scenarios", "scenario_versions"))
    text_of_rows = "\n".join(str(value) for rows in stored.values() for row in rows for value in row).lower()
    survived = {what: value for what, value in IDENTIFYING.items() if value.lower() in text_of_rows}
    assert survived == {}
    for column in ("session_id", "patient_id", "session", "patient"):  # and no column that could point back
        assert all(column not in c for t in ("scenarios", "scenario_versions") for c in every_column(clinic_engine, t))
    created = audit_entries(clinic_engine, SYSTEM_ACTOR, action="scenario.create").iloc[0]
    assert created["actor"] == "sam" and pd.isna(created["session_id"])
    assert not any(v.lower() in str(created["after"]).lower() for v in IDENTIFYING.values())


def every_column(engine, table: str) -> list[str]:
    meta = MetaData()
    meta.reflect(engine, only=[table])
    return [c.name for c in meta.tables[table].columns]


def test_only_a_discharged_or_signed_session_becomes_a_scenario(clinic_engine, finished_session):
    supervisor = Training(clinic_engine, SAM)
    before = every_row(clinic_engine)
    assert supervisor.source_sessions() == []
    with pytest.raises(Conflict, match="is recovery: only a discharged or signed session"):
        supervisor.add_from_session(IDENTIFYING["session code"], title="t", goal="g")
    assert every_row(clinic_engine) == before
    store_signoffs.add_signoff(clinic_engine, finished_session, signed_at=START + timedelta(hours=2), signed_by="sam",
                               signer_name="Sam", meaning="reviewed")
    assert [code for code, _ in supervisor.source_sessions()] == [IDENTIFYING["session code"]]
    assert supervisor.add_from_session(IDENTIFYING["session code"], title="Signed", goal="g").title == "Signed"


def test_a_title_naming_the_patient_or_session_is_refused_and_nothing_stored(clinic_engine, finished_session):
    store_sessions.discharge(clinic_engine, finished_session, START + timedelta(minutes=80))
    before = every_row(clinic_engine)
    with pytest.raises(Conflict, match="may not name the patient or the session"):
        Training(clinic_engine, SAM).add_from_session(IDENTIFYING["session code"],
                                                      title=f"Peak of {IDENTIFYING['patient code'].lower()}", goal="g")
    with pytest.raises(Conflict, match="give the scenario a learning goal"):
        Training(clinic_engine, SAM).add_from_session(IDENTIFYING["session code"], title="t", goal="  ")
    assert every_row(clinic_engine) == before


def test_a_vitals_file_becomes_a_scenario_as_the_importer_reads_it(clinic_engine):
    rows = "".join(f"{m},{sbp},80,72,97\n" for m, sbp in ((0, 130), (5, 150), (10, 188), (15, 190), (20, 140)))
    data = ("elapsed_min,NBPSys,NBPDias,HR,SpO2\n" + rows + "25,0,0,0,0\n").encode()
    from dashboard.core.csvfile import ImportOptions
    scenario = Training(clinic_engine, Actor("tia", "trainer")).import_file(
        data, file_name="chair.csv", title="Crisis", goal="Act", protocol="IV ketamine clinic default",
        options=ImportOptions(tz="UTC", start=datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)), infusion_min=5)
    assert scenario.readings["sbp"].tolist() == [130, 150, 188, 190, 140]  # the sensor-off zeros are not readings
    assert scenario.minute_of(scenario.readings["measured_at"].iloc[0]) == -5
    assert scenario.source == "Imported file chair.csv"
    assert [d.at_min for d in scenario.decisions if d.kind == "alert"][0] == 5
