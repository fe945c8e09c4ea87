"""Import figures: a 1,000,000-row CSV imported end to end, and a preview of its first 1,000 rows."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from benchmarks.floors import postgres_floor, sqlite_floor
from benchmarks.harness import Case, benchmark, size
from dashboard.core.csvfile import ImportOptions
from dashboard.core.roles import SYSTEM_ACTOR
from dashboard.services.imports import Imports
from dashboard.store import sessions as store_sessions
from dashboard.store.db import dispose, get_engine, migrate

ROOT = Path(__file__).resolve().parents[1]
TZ = "America/New_York"
N_SESSIONS = 100


def _days() -> list[date]:
    """One session a day, the most recent two days ago (every reading in the past, inside its session)."""
    today = date.today()
    return [today - timedelta(days=2 + i) for i in range(N_SESSIONS)]


def write_template_file(path: Path, per_session: int, seed: int = 0, *, rejected: bool = False) -> int:
    """The project's template, one reading a second from 09:00 clinic time: N_SESSIONS x per_session rows.

    rejected: every line's values impossible (HR 400, SpO2 20 %), to measure memory when every line is rejected.
    """
    rng = np.random.default_rng(seed)
    days = _days()
    starts = pd.DatetimeIndex([pd.Timestamp(f"{d} 09:00", tz=TZ) for d in days])
    n = N_SESSIONS * per_session
    stamps = np.repeat(starts.tz_convert("UTC").tz_localize(None).to_numpy(), per_session) \
        + np.tile(np.arange(per_session), N_SESSIONS).astype("timedelta64[s]")
    vitals = _calm(rng, n)
    if rejected:
        vitals = {"sbp": pa.nulls(n, pa.int64()), "dbp": pa.nulls(n, pa.int64()), "hr": np.full(n, 400),
                  "spo2": np.full(n, 20), "rr": pa.nulls(n, pa.int64())}
    table = pa.table({
        "session_id": np.repeat([f"B-{i + 1:05d}" for i in range(N_SESSIONS)], per_session),
        "timestamp": pc.binary_join_element_wise(pa.array(np.datetime_as_string(stamps, unit="s")), "+00:00", ""),
        "sbp": vitals["sbp"], "dbp": vitals["dbp"], "map": pa.nulls(n, pa.string()),
        "hr": vitals["hr"], "spo2": vitals["spo2"], "rr": vitals["rr"],
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


def _calm(rng, n: int) -> dict[str, np.ndarray]:
    """Vitals inside the clinic default's warning limits (a calm infusion raises no alert), and every 40th
    line's SpO2 a probe artifact (30-45 %): 2.5 % of the lines lose that value and keep the rest."""
    sbp = rng.integers(105, 141, n)
    spo2 = rng.integers(93, 101, n)
    spo2[::40] = rng.integers(30, 46, len(spo2[::40]))
    return {"sbp": sbp, "dbp": np.minimum(rng.integers(60, 89, n), sbp - 30), "hr": rng.integers(55, 116, n),
            "spo2": spo2, "rr": rng.integers(11, 29, n)}


def _timed_process(command: list[str], env: dict | None = None) -> tuple[str, float]:
    """Run a whole process (interpreter start and imports included); its stdout and peak resident memory (MB)."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        done = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name, *command], capture_output=True,
                              text=True, cwd=ROOT, env={**os.environ, **(env or {})})
        if done.returncode:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
        return done.stdout, int(rss.read().split()[-1]) / 1024


def _project_command(path: Path) -> list[str]:
    return [sys.executable, "-m", "dashboard", "import", str(path), "--json"]


def _floor_command(name: str, path: Path, target: str) -> list[str]:
    return [sys.executable, str(ROOT / "benchmarks" / "floors" / f"{name}.py"), str(path), target]


def _stored(out: str) -> int:
    return json.loads(out)["readings_stored"]


def _all_rejected_peak(folder: Path, rows: int, url: str) -> float:
    """Peak resident memory of the import command when every line of a file this size is rejected."""
    path = folder / "every-line-rejected.csv"
    write_template_file(path, rows // N_SESSIONS, rejected=True)
    out, peak = _timed_process(_project_command(path), {"DATABASE_URL": url})
    report = json.loads(out)
    assert report["rows_rejected"] == rows and len(report["problems"]) <= 1000, report["rows_rejected"]
    path.unlink()
    return peak


@benchmark("import_1m_rows_sqlite", "floor process: pyarrow + checks + executemany",
           "Import a 1,000,000-row template CSV of 100 sessions (quick: 50,000) as a user waits for it: the whole "
           "`python -m dashboard import FILE --json` process (interpreter start, imports, migrate check, read, map, "
           "validate, check sessions and stored duplicates, store in one transaction, refresh the alerts of the "
           "100 sessions, audit) into a migrated SQLite file. Baseline: benchmarks/floors/sqlite_floor.py as its "
           "own process: pyarrow.csv.read_csv, vectorized range checks, sqlite3 executemany of the same columns "
           "(vitals and provenance) in one transaction into a table with the same index.")
def import_sqlite_case(quick: bool) -> Case:
    per_session = size(500 if quick else 10_000)
    folder = Path(tempfile.mkdtemp(prefix="iv-bench-import-"))
    path = folder / "vitals.csv"
    started = time.perf_counter()
    rows = write_template_file(path, per_session)
    template = folder / "template.db"
    _project_db(f"sqlite:///{template}")
    dispose(f"sqlite:///{template}")
    notes = [f"{rows:,} rows, {path.stat().st_size / 2**20:.1f} MB written in {time.perf_counter() - started:.1f} s "
             "(not a figure)"]
    state: dict = {"peaks": {}}
    project_db, floor_db = folder / "project.db", folder / "floor.db"
    url = f"sqlite:///{project_db}"

    def setup() -> None:
        for leftover in folder.glob("*.db*"):
            if leftover.name != template.name:
                leftover.unlink()
        shutil.copy(template, project_db)
        sqlite_floor.create(floor_db, _codes())

    def project() -> None:
        out, state["peaks"]["project"] = _timed_process(_project_command(path), {"DATABASE_URL": url})
        assert _stored(out) == rows, out[:500]

    def baseline() -> None:
        out, state["peaks"]["floor"] = _timed_process(_floor_command("sqlite_floor", path, str(floor_db)))
        assert int(out) == rows, out

    def peak() -> float:
        setup()
        project()
        setup()
        notes.append(f"peak resident memory, whole process: import {state['peaks']['project']:.0f} MB, floor "
                     f"{state['peaks']['floor']:.0f} MB; import with every one of {rows:,} lines rejected "
                     f"{_all_rejected_peak(folder, rows, url):.0f} MB (not a figure)")
        return state["peaks"]["project"]

    def cleanup() -> None:
        shutil.rmtree(folder, ignore_errors=True)

    return Case(project=project, baseline=baseline, setup=setup, cleanup=cleanup, notes=notes, peak=peak,
                warmup=False)


def _codes() -> list[str]:
    return [f"B-{i + 1:05d}" for i in range(N_SESSIONS)]


@benchmark("preview_1000_of_1m", "the same preview of a 1,000-row file",
           "Preview the first 1,000 rows of the 1,000,000-row template file (quick: 50,000), given as bytes as the "
           "Import page gives it: Imports.preview with max_lines=1000 (detect, map, validate, check sessions and "
           "stored readings). Baseline: the same preview of a file holding only those 1,000 rows: the ratio is "
           "what the file's size adds.")
def preview_case(quick: bool) -> Case:
    per_session = size(500 if quick else 10_000)
    folder = Path(tempfile.mkdtemp(prefix="iv-bench-preview-"))
    path = folder / "vitals.csv"
    write_template_file(path, per_session)
    big = path.read_bytes()
    shown = min(1000, N_SESSIONS * per_session)
    small = b"".join(big.splitlines(keepends=True)[: shown + 1])
    url = f"sqlite:///{folder / 'project.db'}"
    _project_db(url)
    imports = Imports(get_engine(url), SYSTEM_ACTOR, TZ)
    options = ImportOptions(max_lines=1000)

    def project() -> None:
        assert imports.preview(big, file_name="vitals.csv", options=options).parsed.rows_read == shown

    def baseline() -> None:
        assert imports.preview(small, file_name="vitals.csv", options=options).parsed.rows_read == shown

    def cleanup() -> None:
        dispose(url)
        shutil.rmtree(folder, ignore_errors=True)

    return Case(project=project, baseline=baseline, cleanup=cleanup)


@benchmark("import_1m_rows_postgres", "floor process: pyarrow + checks + COPY",
           "The same import command as import_1m_rows_sqlite (quick: 50,000 rows) into a migrated PostgreSQL "
           "database on a throwaway local server (tests/pgcluster.py); the store uses COPY. Baseline: "
           "benchmarks/floors/postgres_floor.py as its own process: pyarrow read, vectorized checks, the rows as "
           "CSV (pyarrow) and one COPY in one transaction into a table with the same columns and index.")
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
        state["n"] += 1
        state["url"] = cluster.create_database(f"project_{state['n']}", template="import_template")
        cluster.create_database(f"floor_{state['n']}")
        state["floor"] = cluster.dsn(f"floor_{state['n']}")
        postgres_floor.create(state["floor"], _codes())

    def project() -> None:
        out, state["peak"] = _timed_process(_project_command(path), {"DATABASE_URL": state["url"]})
        assert _stored(out) == rows, out[:500]

    def peak() -> float:
        setup()
        project()
        return state["peak"]

    def baseline() -> None:
        out, _ = _timed_process(_floor_command("postgres_floor", path, state["floor"]))
        assert int(out) == rows, out

    def cleanup() -> None:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)

    return Case(project=project, baseline=baseline, setup=setup, cleanup=cleanup, notes=notes, peak=peak,
                warmup=False)
