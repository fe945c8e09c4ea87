"""Store figures: bulk-storing readings and loading one session, against bare sqlite3 in the same run."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import time
from datetime import date
from pathlib import Path

import pandas as pd

from benchmarks.data import readings_frame
from benchmarks.harness import Case, benchmark, size
from dashboard.store import readings as store_readings
from dashboard.store import sessions as store_sessions
from dashboard.store.db import dispose, get_engine, migrate

# What the baseline writes (the same columns add_readings writes) and its table: every column of readings.
COLUMNS = ("session_id", "measured_at", "entered_at", "entered_by", "source", "sbp", "dbp", "map", "hr", "spo2",
           "rr", "temp_c", "map_computed", "bp_method", "note", "entered_in_error", "source_file", "source_line")
BASELINE_DDL = (
    "CREATE TABLE readings (id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL, measured_at TEXT NOT NULL, "
    "entered_at TEXT NOT NULL, entered_by TEXT NOT NULL, source TEXT NOT NULL, sbp REAL, dbp REAL, map REAL, "
    "map_computed INTEGER NOT NULL, hr REAL, spo2 REAL, rr REAL, temp_c REAL, bp_method TEXT, note TEXT, "
    "supersedes_id INTEGER, correction_reason TEXT, entered_in_error INTEGER NOT NULL, source_file TEXT, "
    "source_line INTEGER)",
    "CREATE INDEX ix_readings_session_time ON readings (session_id, measured_at)",
)
INSERT = f"INSERT INTO readings ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"  # noqa: S608 -- constant columns
SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # the text form the project stores, so both databases hold the same bytes


def _project_db(folder: Path, n_sessions: int) -> str:
    """A fresh migrated SQLite file with one patient and sessions 1..n_sessions."""
    url = f"sqlite:///{folder / 'project.db'}"
    migrate(url)
    engine = get_engine(url)
    patient = store_sessions.create_patient(engine, "P-BENCH", by="bench")
    for i in range(n_sessions):
        store_sessions.create_session(engine, patient, date(2026, 1, 5), by="bench", protocol="bench",
                                      code=f"B-{i + 1:05d}")
    return url


def _baseline_db(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    for statement in BASELINE_DDL:
        conn.execute(statement)
    conn.commit()
    return conn


def _baseline_insert(conn: sqlite3.Connection, frame: pd.DataFrame) -> None:
    """The floor: DataFrame to tuples (timed too), then one executemany in one transaction."""
    n = len(frame)
    stamp = frame["measured_at"].dt.tz_localize(None).dt.strftime(SQLITE_TIME)
    now = pd.Timestamp.now(tz="UTC").tz_localize(None).strftime(SQLITE_TIME)
    none = [None] * n
    rows = zip(frame["session_id"].tolist(), stamp.tolist(), [now] * n, ["bench"] * n, ["file"] * n,
               frame["sbp"].tolist(), frame["dbp"].tolist(), none, frame["hr"].tolist(), frame["spo2"].tolist(),
               frame["rr"].tolist(), none, [0] * n, frame["bp_method"].tolist(), none, [0] * n, none, none, strict=True)
    with conn:
        conn.executemany(INSERT, rows)


@benchmark("store_100k_readings", "sqlite3 executemany, one transaction",
           "Store 100,000 readings (10 sessions of 10,000; quick: 20,000) with add_readings into a fresh migrated "
           "SQLite file, one all-or-nothing transaction. Baseline: plain sqlite3 executemany in one transaction "
           "into a table with the same columns and the (session_id, measured_at) index; its DataFrame-to-tuples "
           "conversion is inside the timing too.")
def store_readings_case(quick: bool) -> Case:
    n_sessions, per_session = 10, size(2_000 if quick else 10_000)
    frame = readings_frame(n_sessions, per_session)
    folder = Path(tempfile.mkdtemp(prefix="iv-bench-store-"))
    state: dict = {}

    def release() -> None:
        if "url" in state:
            dispose(state.pop("url"))
        if "baseline" in state:
            state.pop("baseline").close()

    def setup() -> None:  # fresh, empty databases before every timed call (untimed)
        release()
        for leftover in folder.iterdir():
            leftover.unlink()
        state["url"] = _project_db(folder, n_sessions)
        state["baseline"] = _baseline_db(folder / "baseline.db")

    def project() -> None:
        assert store_readings.add_readings(get_engine(state["url"]), frame, by="bench") == len(frame)

    def cleanup() -> None:
        release()
        shutil.rmtree(folder, ignore_errors=True)

    return Case(project=project, baseline=lambda: _baseline_insert(state["baseline"], frame),
                setup=setup, cleanup=cleanup)


@benchmark("load_session_7200_of_1m", "bare indexed sqlite3 query, tuples",
           "Load one 7,200-reading session from a database of 1,000,000 readings (139 sessions; quick: 28 sessions, "
           "about 200,000) with session_readings: the readings in force, as a typed DataFrame. Baseline: "
           "SELECT ... FROM readings WHERE session_id=? ORDER BY measured_at on the same rows with the same index, "
           "fetchall() into tuples, no DataFrame.")
def load_session_case(quick: bool) -> Case:
    per_session = size(7_200)
    n_sessions = 28 if quick else 139
    folder = Path(tempfile.mkdtemp(prefix="iv-bench-load-"))
    project_s = baseline_s = 0.0
    start = time.perf_counter()
    url = _project_db(folder, n_sessions)
    project_s += time.perf_counter() - start
    baseline = _baseline_db(folder / "baseline.db")
    for first in range(1, n_sessions + 1, 20):  # in slices of 20 sessions, to keep memory flat
        chunk = readings_frame(min(20, n_sessions - first + 1), per_session, first_session_id=first, seed=first)
        start = time.perf_counter()
        store_readings.add_readings(get_engine(url), chunk, by="bench")
        project_s += time.perf_counter() - start
        start = time.perf_counter()
        _baseline_insert(baseline, chunk)
        baseline_s += time.perf_counter() - start
    target = n_sessions // 2
    query = (f"SELECT {', '.join(store_readings.FRAME_COLUMNS)} FROM readings "  # noqa: S608 -- the project's columns
             "WHERE session_id = ? ORDER BY measured_at")

    def project() -> None:
        assert len(store_readings.session_readings(get_engine(url), target)) == per_session

    def base() -> None:
        assert len(baseline.execute(query, (target,)).fetchall()) == per_session

    def cleanup() -> None:
        baseline.close()
        dispose(url)
        shutil.rmtree(folder, ignore_errors=True)

    note = (f"built {n_sessions * per_session:,} readings ({n_sessions} sessions) once, not a figure: project db "
            f"(migrate + add_readings per 20 sessions) {project_s:.2f} s, baseline db (executemany) {baseline_s:.2f} s")
    return Case(project=project, baseline=base, cleanup=cleanup, notes=[note])
