"""Sample sessions: write the generator's files to sample_data/, and load those files into a store."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from dashboard.config import REPO_ROOT
from dashboard.core.roles import SYSTEM_ACTOR
from dashboard.core.samplegen import READING_COLUMNS, generate
from dashboard.core.validation import coerce_numbers, complete_map
from dashboard.core.vitals import VITAL_KEYS
from dashboard.services.alerting import refresh
from dashboard.services.protocols import bootstrap
from dashboard.store import audit
from dashboard.store import chairs as store_chairs
from dashboard.store import events as store_events
from dashboard.store import readings as store_readings
from dashboard.store import sessions as store_sessions
from dashboard.store.db import begin, hold

SAMPLE_DIR = REPO_ROOT / "sample_data"
READINGS_FILE, MANIFEST_FILE = "readings.csv", "sessions.json"
LOADER = "sample data"
SAMPLE_CHAIRS = ("Chair 1", "Chair 2", "Chair 3", "Chair 4")  # stored when a clinic has no chair yet


def write_sample_files(directory: Path = SAMPLE_DIR) -> None:
    """Deterministic: the same seed writes byte-identical files."""
    sample = generate()
    directory.mkdir(parents=True, exist_ok=True)
    sample.readings.to_csv(directory / READINGS_FILE, index=False, columns=READING_COLUMNS, lineterminator="\n")
    (directory / MANIFEST_FILE).write_text(json.dumps(sample.manifest, indent=2, sort_keys=True) + "\n")


def read_sample_files(directory: Path = SAMPLE_DIR) -> tuple[pd.DataFrame, dict]:
    """The readings (vitals as numbers, measured_at in UTC, source line numbers) and the manifest."""
    raw = pd.read_csv(directory / READINGS_FILE, dtype=str, keep_default_na=False)
    numbers, problems = coerce_numbers(raw)
    if problems:
        first = problems[0]
        raise ValueError(f"{READINGS_FILE} line {first.row + 2}, column {first.column}: {first.reason}")
    readings = complete_map(numbers[list(VITAL_KEYS)])
    readings.insert(0, "session_code", raw["session_id"])
    readings.insert(1, "measured_at", pd.to_datetime(raw["timestamp"], utc=True, format="ISO8601"))
    readings["note"] = raw["note"].replace("", None)
    readings["source_line"] = range(2, len(raw) + 2)  # line 1 is the header
    return readings, json.loads((directory / MANIFEST_FILE).read_text())


def _time(text: str | None) -> datetime | None:
    return None if text is None else pd.Timestamp(text).tz_convert("UTC").to_pydatetime()


def load_samples(engine: Engine, directory: Path = SAMPLE_DIR, by: str = LOADER) -> int:
    """Load every sample session not yet in the store (by session code); returns how many were loaded."""
    readings, manifest = read_sample_files(directory)
    bootstrap(engine)
    chairs = _sample_chairs(engine, by)
    loaded = 0
    for number, spec in enumerate(manifest["sessions"]):
        if store_sessions.find_session(engine, spec["code"]) is not None:
            continue
        with begin(engine) as conn:  # one session, all or nothing
            hold(conn, "samples")  # another process loading them at the same moment: one loads each session
            if store_sessions.find_session(conn, spec["code"]) is not None:
                continue
            patient_id = store_sessions.find_patient(conn, spec["patient"])
            if patient_id is None:
                birth = next(p["year_of_birth"] for p in manifest["patients"] if p["code"] == spec["patient"])
                patient_id = store_sessions.create_patient(conn, spec["patient"], by=by, year_of_birth=birth)
            session_id = store_sessions.create_session(
                conn, patient_id, pd.Timestamp(spec["date"]).date(), by=by, code=spec["code"],
                protocol=spec["protocol"], infusion_number=spec["infusion_number"],
                planned_dose_mg=spec["planned_dose_mg"], weight_kg=spec["weight_kg"])
            rows = readings[readings["session_code"] == spec["code"]].drop(columns="session_code")
            store_readings.add_readings(conn, rows.assign(session_id=session_id, bp_method="cuff",
                                                          source_file=f"sample_data/{READINGS_FILE}"),
                                        by=by, source="file")
            store_sessions.start_infusion(conn, session_id, _time(spec["infusion_started_at"]))
            if chairs:  # the samples take the chairs in turn (each is discharged before the next starts)
                store_chairs.place(conn, session_id, chairs[number % len(chairs)])
            store_sessions.stop_infusion(conn, session_id, _time(spec["infusion_stopped_at"]))
            store_sessions.discharge(conn, session_id, _time(spec["discharged_at"]))
            for event in (e for e in manifest["events"] if e["session"] == spec["code"]):
                store_events.add_event(conn, session_id, event["kind"], event["label"],
                                       occurred_at=_time(event["occurred_at"]), by=by, score=event["score"],
                                       severity=event["severity"], note=event["note"],
                                       entered_at=_time(event["occurred_at"]))  # as charted at the chair
            _apply_fixes(conn, session_id, spec["code"], manifest)
            refresh(conn, session_id, SYSTEM_ACTOR)
            audit.record(conn, SYSTEM_ACTOR, "session.load_sample", "session", session_id, session_id=session_id,
                         after={"code": spec["code"], "title": spec["title"]})
        loaded += 1
    return loaded


def _sample_chairs(engine: Engine, by: str) -> list[store_chairs.Chair]:
    """The clinic's chairs; a clinic with none gets the sample ones (once, whoever else starts at the moment)."""
    with begin(engine) as conn:
        hold(conn, "chairs")
        if not store_chairs.list_chairs(conn, retired=True):
            for name in SAMPLE_CHAIRS:
                chair_id = store_chairs.add_chair(conn, name, by=by)
                audit.record(conn, SYSTEM_ACTOR, "chair.add", "chair", chair_id, after={"name": name})
        return store_chairs.list_chairs(conn)


def _apply_fixes(conn, session_id: int, code: str, manifest: dict) -> None:
    current = store_readings.session_readings(conn, session_id)

    def reading_at(text: str) -> pd.Series:
        return current[current["measured_at"] == pd.Timestamp(text)].iloc[0]

    for item in (c for c in manifest["entered_in_error"] if c["session"] == code):
        store_readings.mark_entered_in_error(conn, int(reading_at(item["timestamp"])["id"]), reason=item["reason"],
                                             by=item["by"])
    for item in (c for c in manifest["corrections"] if c["session"] == code):
        original = reading_at(item["timestamp"])
        values = {k: (None if pd.isna(original[k]) else float(original[k])) for k in VITAL_KEYS}
        values.update({k: float(v) for k, v in item["values"].items()})
        if original["map_computed"] or "map" in item["values"]:
            values["map"] = item["values"].get("map")  # a computed MAP follows the corrected pressures
        fixed = complete_map(pd.DataFrame([values], dtype="float64"))
        values["map"], values["map_computed"] = float(fixed["map"].iloc[0]), bool(fixed["map_computed"].iloc[0])
        store_readings.correct_reading(conn, int(original["id"]), values, reason=item["reason"], by=item["by"])
