"""The PostgreSQL floor: pyarrow read, vectorized checks, the rows as CSV and one COPY, one transaction."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pyarrow.csv as pacsv

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script: the repository
from benchmarks.floors.common import COLUMNS, main, read_and_check

DDL = (
    "CREATE TABLE sessions (id SERIAL PRIMARY KEY, code TEXT NOT NULL UNIQUE)",
    "CREATE TABLE readings (id SERIAL PRIMARY KEY, session_id INTEGER NOT NULL, measured_at TIMESTAMP NOT NULL, "
    "entered_at TIMESTAMP NOT NULL, entered_by VARCHAR(80) NOT NULL, source VARCHAR(10) NOT NULL, sbp FLOAT, "
    "dbp FLOAT, map FLOAT, map_computed BOOLEAN NOT NULL, hr FLOAT, spo2 FLOAT, rr FLOAT, temp_c FLOAT, "
    "bp_method VARCHAR(10), note TEXT, supersedes_id INTEGER, correction_reason TEXT, "
    "entered_in_error BOOLEAN NOT NULL, source_file VARCHAR(255), source_line INTEGER)",
    "CREATE INDEX ix_readings_session_time ON readings (session_id, measured_at)",
)


def create(dsn: str, codes: list[str]) -> None:
    import psycopg
    with psycopg.connect(dsn, autocommit=True) as conn:
        for statement in DDL:
            conn.execute(statement)
        with conn.cursor() as cursor:
            cursor.executemany("INSERT INTO sessions (code) VALUES (%s)", [(c,) for c in codes])


def store(path: Path, dsn: str) -> int:
    import psycopg
    with psycopg.connect(dsn) as conn:
        codes = dict(conn.execute("SELECT code, id FROM sessions").fetchall())
        table = read_and_check(path, codes)
        buffer = io.BytesIO()
        pacsv.write_csv(table.select(list(COLUMNS)), buffer,
                        write_options=pacsv.WriteOptions(include_header=False, quoting_style="needed"))
        with conn.cursor() as cursor, cursor.copy(
                f"COPY readings ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(buffer.getvalue())
    return table.num_rows


if __name__ == "__main__":
    main(store)
