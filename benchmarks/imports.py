"""Import figures: a 1,000,000-row CSV imported end to end, and a preview of its first 1,000 rows."""

from __future__ import annotations

import shutil
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from benchmarks.harness import Case, benchmark, size
from benchmarks.store import _baseline_db, _baseline_insert
from dashboard.core.csvfile import ImportOptions, parse_file
from dashboard.core.roles import SYSTEM_ACTOR
from dashboard.core.vitals import plausibility_limits
from dashboard.services.imports import Imports
from dashboard.store import sessions as store_sessions
from dashboard.store.db import dispose, get_engine, migrate

TZ = "America/New_York"
N_SESSIONS = 100
VITALS = ("sbp", "dbp", "hr", "spo2", "rr")


def _days() -> list[date]:
    """One session a day, the most recent two days ago (every reading in the past, inside its session)."""
    today = date.today()
    return [today - timedelta(days=2 + i) for i in range(N_SESSIONS)]


def write_template_file(path: Path, per_session: int, seed: int = 0) -> int:
    """The project's template, one reading a second from 09:00 clinic time: N_SESSIONS x per_session rows."""
    rng = np.random.default_rng(seed)
    days = _days()
    starts = pd.DatetimeIndex([pd.Timestamp(f"{d} 09:00", tz=TZ) for d in days])
    n = N_SESSIONS * per_session
    stamps = np.repeat(starts.tz_convert("UTC").tz_localize(None).to_numpy(), per_session) \
        + np.tile(np.arange(per_session), N_SESSIONS).astype("timedelta64[s]")
    sbp = rng.integers(100, 181, n)
    table = pa.table({
        "session_id": np.repeat([f"B-{i + 1:05d}" for i in range(N_SESSIONS)], per_session),
        "timestamp": pc.binary_join_element_wise(pa.array(np.datetime_as_string(stamps, unit="s")), "+00:00", ""),
        "sbp": sbp, "dbp": np.minimum(rng.integers(60, 111, n), sbp - 30), "map": pa.nulls(n, pa.string()),
        "hr": rng.integers(50, 131, n), "spo2": rng.integers(90, 101, n), "rr": rng.integers(10, 25, n),
        "temp_c": pa.nulls(n, pa.string()), "note": pa.nulls(n, pa.string()),
    })
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="none"))
    return n


def _project_db(url: str) -> None:
    migrate(url)
    engine = get_engine(url)
    patient = store_sessions.create_patient(engine, "P-BENCH", by="bench")
    for i, day in enumerate(_days()):
        store_sessions.create_session(engine, patient, day, by="bench", protocol="bench", code=f"B-{i + 1:05d}")


def _floor_read_and_check(path: Path) -> pd.DataFrame:
    """The plainest way to the same rows: pyarrow's reader, vectorized range checks, session codes to ids."""
    table = pacsv.read_csv(path)
    limits = plausibility_limits()
    ok = np.ones(table.num_rows, bool)
    values = {}
    for key in VITALS:
        column = table[key].to_numpy().astype("float64")
        ok &= (column >= limits[key].min) & (column <= limits[key].max)
        values[key] = column
    ok &= values["dbp"] < values["sbp"]
    codes = pc.index_in(table["session_id"], value_set=pa.array([f"B-{i + 1:05d}" for i in range(N_SESSIONS)]))
    frame = pd.DataFrame({"session_id": codes.to_numpy() + 1, "measured_at": table["timestamp"].to_pandas(),
                          **values, "bp_method": "cuff"})
    return frame[ok]


def _import_all(url: str, path, rows: int) -> None:
    """The project's whole import: preview (detect, map, check) then commit in one transaction."""
    imports = Imports(get_engine(url), SYSTEM_ACTOR, TZ)
    report = imports.commit(imports.preview(path))
    assert report.readings_stored == rows, report.as_dict()


@benchmark("import_1m_rows_sqlite", "pyarrow read + range checks + executemany",
           "Import a 1,000,000-row template CSV of 100 sessions (quick: 50,000) end to end into a fresh migrated "
           "SQLite file: Imports.preview (read, map, validate, check sessions and stored duplicates) then commit "
           "(check again, add_readings, audit entry) in one transaction. Baseline: pyarrow.csv.read_csv, numpy "
           "range checks of the vitals, session codes to ids, then the store figure's floor (DataFrame to tuples, "
           "sqlite3 executemany in one transaction into a table with the same columns and index).")
def import_sqlite_case(quick: bool) -> Case:
    per_session = size(500 if quick else 10_000)
    folder = Path(tempfile.mkdtemp(prefix="iv-bench-import-"))
    path = folder / "vitals.csv"
    started = time.perf_counter()
    rows = write_template_file(path, per_session)
    notes = [f"{rows:,} rows, {path.stat().st_size / 2**20:.1f} MB written in {time.perf_counter() - started:.1f} s "
             "(not a figure)"]
    state: dict = {}

    def setup() -> None:
        if "url" in state:
            dispose(state["url"])
        for leftover in folder.glob("*.db*"):
            leftover.unlink()
        state["url"] = f"sqlite:///{folder / 'project.db'}"
        _project_db(state["url"])
        state["baseline"] = _baseline_db(folder / "baseline.db")

    def project() -> None:
        _import_all(state["url"], path, rows)

    def baseline() -> None:
        frame = _floor_read_and_check(path)
        _baseline_insert(state["baseline"], frame)
        assert len(frame) == rows

    def cleanup() -> None:
        dispose(state.get("url", "sqlite://"))
        shutil.rmtree(folder, ignore_errors=True)

    return Case(project=project, baseline=baseline, setup=setup, cleanup=cleanup, notes=notes)


@benchmark("preview_1000_of_1m", "pandas.read_csv(nrows=1000)",
           "Preview the first 1,000 rows of the 1,000,000-row template file (quick: 50,000): Imports.preview with "
           "max_lines=1000 reads only the start of the file, maps, validates and checks the sessions and stored "
           "readings. Baseline: pandas.read_csv(path, nrows=1000), which only parses.")
def preview_case(quick: bool) -> Case:
    per_session = size(500 if quick else 10_000)
    folder = Path(tempfile.mkdtemp(prefix="iv-bench-preview-"))
    path = folder / "vitals.csv"
    write_template_file(path, per_session)
    url = f"sqlite:///{folder / 'project.db'}"
    _project_db(url)
    imports = Imports(get_engine(url), SYSTEM_ACTOR, TZ)
    options = ImportOptions(max_lines=1000)
    shown = min(1000, N_SESSIONS * per_session)
    started = time.perf_counter()
    for _ in range(20):
        parse_file(path, ImportOptions(tz=TZ, max_lines=1000))
    core_ms = (time.perf_counter() - started) / 20 * 1000
    notes = [f"of which reading the file (core parse_file alone): {core_ms:.2f} ms (not a figure)"]

    def project() -> None:
        assert imports.preview(path, options=options).parsed.rows_read == shown

    def baseline() -> None:
        assert len(pd.read_csv(path, nrows=1000)) == shown

    def cleanup() -> None:
        dispose(url)
        shutil.rmtree(folder, ignore_errors=True)

    return Case(project=project, baseline=baseline, cleanup=cleanup, notes=notes)



PG_BASELINE_DDL = (
    "CREATE TABLE readings (id SERIAL PRIMARY KEY, session_id INTEGER NOT NULL, measured_at TIMESTAMP NOT NULL, "
    "entered_at TIMESTAMP NOT NULL, entered_by VARCHAR(80) NOT NULL, source VARCHAR(10) NOT NULL, sbp FLOAT, "
    "dbp FLOAT, map FLOAT, map_computed BOOLEAN NOT NULL, hr FLOAT, spo2 FLOAT, rr FLOAT, temp_c FLOAT, "
    "bp_method VARCHAR(10), note TEXT, supersedes_id INTEGER, correction_reason TEXT, "
    "entered_in_error BOOLEAN NOT NULL, source_file VARCHAR(255), source_line INTEGER)",
    "CREATE INDEX ix_readings_session_time ON readings (session_id, measured_at)",
)
PG_COLUMNS = ("session_id", "measured_at", "entered_at", "entered_by", "source", "sbp", "dbp", "map", "hr", "spo2",
              "rr", "temp_c", "map_computed", "bp_method", "note", "entered_in_error", "source_file", "source_line")


def _copy_floor(dsn: str, frame: pd.DataFrame) -> None:
    """The floor on PostgreSQL: the rows as CSV text, one COPY in one transaction (psycopg 3)."""
    import io

    import psycopg
    n = len(frame)
    out = pd.DataFrame({"session_id": frame["session_id"].to_numpy(),
                        "measured_at": frame["measured_at"].dt.tz_convert("UTC").dt.tz_localize(None),
                        "entered_at": pd.Timestamp.now(tz="UTC").tz_localize(None), "entered_by": "bench",
                        "source": "file", "sbp": frame["sbp"].to_numpy(), "dbp": frame["dbp"].to_numpy(),
                        "map": np.nan, "hr": frame["hr"].to_numpy(), "spo2": frame["spo2"].to_numpy(),
                        "rr": frame["rr"].to_numpy(), "temp_c": np.nan, "map_computed": np.zeros(n, bool),
                        "bp_method": "cuff", "note": None, "entered_in_error": np.zeros(n, bool),
                        "source_file": None, "source_line": None})
    buffer = io.StringIO()
    out.to_csv(buffer, index=False, header=False, na_rep="\\N", date_format="%Y-%m-%d %H:%M:%S.%f")
    with psycopg.connect(dsn) as conn, conn.cursor() as cursor:
        with cursor.copy(f"COPY readings ({', '.join(PG_COLUMNS)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')") as copy:
            copy.write(buffer.getvalue())


@benchmark("import_1m_rows_postgres", "pyarrow read + range checks + COPY",
           "The same import as import_1m_rows_sqlite (quick: 50,000 rows) into a fresh migrated PostgreSQL database "
           "on a throwaway local server (tests/pgcluster.py): add_readings uses COPY. Baseline: pyarrow read, numpy "
           "range checks, session codes to ids, the rows as CSV text (pandas) and one COPY in one transaction into a "
           "plain table with the same columns and index.")
def import_postgres_case(quick: bool) -> Case:
    from tests.pgcluster import PgCluster
    per_session = size(500 if quick else 10_000)
    folder = Path(tempfile.mkdtemp(prefix="iv-bench-import-pg-"))
    path = folder / "vitals.csv"
    rows = write_template_file(path, per_session)
    started = time.perf_counter()
    cluster = PgCluster()
    template_url = cluster.create_database("import_template")
    _project_db(template_url)
    dispose(template_url)
    notes = [f"{rows:,} rows; PostgreSQL started and the template database built in "
             f"{time.perf_counter() - started:.1f} s (not a figure)"]
    state = {"n": 0}

    def setup() -> None:
        import psycopg
        if "url" in state:
            dispose(state["url"])
        state["n"] += 1
        state["url"] = cluster.create_database(f"project_{state['n']}", template="import_template")
        cluster.create_database(f"baseline_{state['n']}")
        state["baseline"] = cluster.dsn(f"baseline_{state['n']}")
        with psycopg.connect(state["baseline"], autocommit=True) as conn:
            for statement in PG_BASELINE_DDL:
                conn.execute(statement)

    def project() -> None:
        _import_all(state["url"], path, rows)

    def baseline() -> None:
        frame = _floor_read_and_check(path)
        _copy_floor(state["baseline"], frame)
        assert len(frame) == rows

    def cleanup() -> None:
        if "url" in state:
            dispose(state["url"])
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)

    return Case(project=project, baseline=baseline, setup=setup, cleanup=cleanup, notes=notes)
