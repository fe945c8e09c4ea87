"""A database's backup, its restore into an empty database, and a health check the clinic's monitoring calls.

SQLite: the online backup API (a consistent copy while the app keeps writing). PostgreSQL: pg_dump's custom
format and pg_restore (Debian's postgresql-client), run against the same URL the app uses.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from dashboard.store.db import alembic_config, normalise_url
from dashboard.store.errors import Conflict

CHECK_TIMEOUT_S = 5


@dataclass(frozen=True)
class Health:
    ok: bool
    problem: str | None  # a plain sentence when not ok
    schema: str | None  # the database's migration revision
    expected: str  # the revision this version of the app needs
    latency_ms: float | None

    def as_dict(self) -> dict:
        return {"ok": self.ok, "problem": self.problem, "schema": self.schema, "expected": self.expected,
                "latency_ms": None if self.latency_ms is None else round(self.latency_ms, 1)}


def _url(url: str) -> URL:
    return make_url(normalise_url(url))


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise Conflict("an in-memory database cannot be backed up or restored")
    return Path(url.database)


def _libpq(url: URL) -> str:
    """The URL as pg_dump and pg_restore read it (postgresql://, no driver name)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise Conflict(f"{name} is not installed: install PostgreSQL's client tools (Debian: postgresql-client)")
    return found


def backup(url: str, out: Path) -> None:
    """A consistent copy of the whole database (every reading, event, alert, acknowledgement, audit entry) in out."""
    parsed = _url(url)
    out = Path(out)
    if out.exists():
        raise Conflict(f"{out} exists already: choose a new file name, a backup never overwrites one")
    out.parent.mkdir(parents=True, exist_ok=True)
    if parsed.get_backend_name() == "sqlite":
        source = _sqlite_path(parsed)
        if not source.exists():
            raise Conflict(f"there is no database at {source}")
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, sqlite3.connect(out) as dst:
            src.backup(dst)
        return
    done = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={out}",
                           f"--dbname={_libpq(parsed)}"], capture_output=True, text=True)
    if done.returncode:
        out.unlink(missing_ok=True)
        raise Conflict(f"pg_dump failed: {done.stderr.strip()}")


def is_empty(url: str) -> bool:
    """No table at all (a database just created, never migrated)."""
    parsed = _url(url)
    if parsed.get_backend_name() == "sqlite" and not _sqlite_path(parsed).exists():
        return True
    engine = create_engine(parsed)
    try:
        return not inspect(engine).get_table_names()
    finally:
        engine.dispose()


def restore(url: str, backup_file: Path) -> None:
    """Everything in backup_file into the database at url, which must be empty (refused otherwise)."""
    parsed, backup_file = _url(url), Path(backup_file)
    if not backup_file.is_file():
        raise Conflict(f"no backup file {backup_file}")
    if not is_empty(url):
        raise Conflict("the database is not empty: restore only into a new, empty database (create one, point "
                       "DATABASE_URL at it, restore, then start the app on it)")
    if parsed.get_backend_name() == "sqlite":
        target = _sqlite_path(parsed)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True) as src, sqlite3.connect(target) as dst:
                if not src.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone():
                    raise Conflict(f"{backup_file} is not a backup of Infusion Vitals")
                src.backup(dst)
        except sqlite3.DatabaseError:
            target.unlink(missing_ok=True)
            raise Conflict(f"{backup_file} is not an SQLite backup (a PostgreSQL backup restores into "
                           "PostgreSQL)") from None
        return
    done = subprocess.run([_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
                           "--single-transaction", f"--dbname={_libpq(parsed)}", str(backup_file)],
                          capture_output=True, text=True)
    if done.returncode:
        raise Conflict(f"pg_restore failed, nothing was restored: {done.stderr.strip()}")


def health(url: str) -> Health:
    """Can the database be reached and read, and is its schema the one this version needs?"""
    parsed = _url(url)
    expected = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    if parsed.get_backend_name() == "sqlite" and not _sqlite_path(parsed).exists():
        return Health(False, f"there is no database at {_sqlite_path(parsed)}", None, expected, None)
    args = {"timeout": CHECK_TIMEOUT_S} if parsed.get_backend_name() == "sqlite" else \
        {"connect_timeout": CHECK_TIMEOUT_S}
    engine = create_engine(parsed, connect_args=args)
    try:
        start = time.perf_counter()
        with engine.connect() as conn:
            has_version = inspect(conn).has_table("alembic_version")
            schema = None
            if has_version:
                schema = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
                conn.execute(text("SELECT count(*) FROM sessions WHERE status = 'infusing'")).scalar()  # readable
        latency = (time.perf_counter() - start) * 1000
    except (OSError, SQLAlchemyError) as error:
        return Health(False, f"the database cannot be reached: {str(error).splitlines()[0]}", None, expected, None)
    finally:
        engine.dispose()
    if schema != expected:
        problem = "the database has no schema yet: run `python -m dashboard migrate`" if schema is None else \
            f"the schema is at {schema}, this version needs {expected}: run `python -m dashboard migrate`"
        return Health(False, problem, schema, expected, latency)
    return Health(True, None, schema, expected, latency)
