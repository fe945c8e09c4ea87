"""The SQLite floor: pyarrow read, vectorized checks, sqlite3 executemany into an indexed table, one transaction."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script: the repository
from benchmarks.floors.common import COLUMNS, main, read_and_check

DDL = (
    "CREATE TABLE IF NOT EXISTS sessions (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE)",
    "CREATE TABLE IF NOT EXISTS readings (id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL, measured_at TEXT "
    "NOT NULL, entered_at TEXT NOT NULL, entered_by TEXT NOT NULL, source TEXT NOT NULL, sbp REAL, dbp REAL, "
    "map REAL, map_computed INTEGER NOT NULL, hr REAL, spo2 REAL, rr REAL, temp_c REAL, bp_method TEXT, note TEXT, "
    "supersedes_id INTEGER, correction_reason TEXT, entered_in_error INTEGER NOT NULL, source_file TEXT, "
    "source_line INTEGER)",
    "CREATE INDEX IF NOT EXISTS ix_readings_session_time ON readings (session_id, measured_at)",
)


def create(db: Path, codes: list[str]) -> None:
    """An empty floor database with these sessions (untimed preparation)."""
    with sqlite3.connect(db) as conn:
        for statement in DDL:
            conn.execute(statement)
        conn.executemany("INSERT INTO sessions (code) VALUES (?)", [(c,) for c in codes])


def store(path: Path, db: str) -> int:
    conn = sqlite3.connect(db)
    codes = dict(conn.execute("SELECT code, id FROM sessions").fetchall())
    table = read_and_check(path, codes)
    rows = zip(*(table[name].to_pylist() for name in COLUMNS))
    with conn:
        columns, marks = ", ".join(COLUMNS), ", ".join("?" * len(COLUMNS))  # fixed names, values bound
        conn.executemany(f"INSERT INTO readings ({columns}) VALUES ({marks})", rows)  # noqa: S608
    conn.close()
    return table.num_rows


if __name__ == "__main__":
    main(store)
