"""Store figures: bulk-storing readings and loading one session, against bare sqlite3."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from datetime import date
from pathlib import Path

import pandas as pd

from benchmarks.data import readings_frame
from benchmarks.harness import Case, benchmark
from dashboard.store import readings as store_readings
from dashboard.store import sessions as store_sessions
from dashboard.store.db import dispose, get_engine, migrate

COLUMNS = ("session_id", "measured_at", "entered_at", "entered_by", "source", "sbp", "dbp", "map", "hr", "spo2",
           "rr", "temp_c", "map_computed", "bp_method", "note", "entered_in_error", "source_file", "source_line")
BASELINE_DDL = (
    "CREATE TABLE readings (id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL, measured_at TEXT NOT NULL, "
    "entered_at TEXT NOT NULL, entered_by TEXT NOT NULL, source TEXT NOT NULL, sbp REAL, dbp REAL, map REAL, "
    "hr REAL, spo2 REAL, rr REAL, temp_c REAL, map_computed INTEGER NOT NULL, bp_method TEXT, note TEXT, "
    "entered_in_error INTEGER NOT NULL, source_file TEXT, source_line INTEGER)",
    "CREATE INDEX ix_readings_session_time ON readings (session_id, measured_at)",
)


def _project_db(folder: Path, n_sessions: int) -> str:
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
    """The floor: DataFrame to tuples, then executemany in one transaction (conversion counted)."""
    stamp = frame["measured_at"].dt.tz_localize(None).dt.strftime("%Y-%m-%d %H:%M:%S.%f")
    now = pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d %H:%M:%S.%f")
    rows = zip(frame["session_id"].tolist(), stamp.tolist(), [now] * len(frame), ["bench"] * len(frame),
               ["file"] * len(frame), frame["sbp"].tolist(), frame["dbp"].tolist(), [None] * len(frame),
               frame["hr"].tolist(), frame["spo2"].tolist(), frame["rr"].tolist(), [None] * len(frame),
               [0] * len(frame), frame["bp_method"].tolist(), [None] * len(frame), [0] * len(frame),
               [None] * len(frame), [None] * len(frame))
    with conn:
        conn.executemany(f"INSERT INTO readings ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})", rows)


@benchmark("store_100k_readings", "sqlite3 executemany, one transaction",
           "Store 100,000 readings (10 sessions) in one all-or-nothing transaction through the store's bulk path.")
def store_readings_case(quick: bool) -> Case:
    n_sessions, per_session = (10, 2_000) if quick else (10, 10_000)
    frame = readings_frame(n_sessions, per_session)
    folder = Path(tempfile.mkdtemp(prefix="iv-bench-"))
    state: dict = {}

    def setup() -> None:
        if "url" in state:
            dispose(state["url"])
        for leftover in folder.iterdir():
            leftover.unlink()
        state["url"] = _project_db(folder, n_sessions)
        state["baseline"] = _baseline_db(folder / "baseline.db")

    def cleanup() -> None:
        dispose(state.get("url", "sqlite://"))
        shutil.rmtree(folder, ignore_errors=True)

    return Case(
        project=lambda: store_readings.add_readings(get_engine(state["url"]), frame, by="bench"),
        baseline=lambda: _baseline_insert(state["baseline"], frame),
        setup=setup, cleanup=cleanup,
    )


@benchmark("load_session_7200_of_1m", "bare indexed sqlite3 query, tuples",
           "Load one 7,200-reading session (current versions, into a DataFrame) from a 1,000,000-reading database.")
def load_session_case(quick: bool) -> Case:
    per_session = 7_200
    n_sessions = 28 if quick else 139  # about 200,000 or 1,000,000 readings
    folder = Path(tempfile.mkdtemp(prefix="iv-bench-"))
    url = _project_db(folder, n_sessions)
    baseline = _baseline_db(folder / "baseline.db")
    for first in range(1, n_sessions + 1, 20):  # in slices, to keep memory flat
        chunk = readings_frame(min(20, n_sessions - first + 1), per_session, first_session_id=first, seed=first)
        store_readings.add_readings(get_engine(url), chunk, by="bench")
        _baseline_insert(baseline, chunk)
    target = n_sessions // 2
    query = (f"SELECT {', '.join(c for c in COLUMNS if c != 'session_id')} FROM readings "
             "WHERE session_id = ? ORDER BY measured_at")

    def project() -> None:
        frame = store_readings.session_readings(get_engine(url), target)
        assert len(frame) == per_session

    def base() -> None:
        assert len(baseline.execute(query, (target,)).fetchall()) == per_session

    def cleanup() -> None:
        baseline.close()
        dispose(url)
        shutil.rmtree(folder, ignore_errors=True)

    return Case(project=project, baseline=base, cleanup=cleanup)
