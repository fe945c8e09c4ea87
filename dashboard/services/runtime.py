"""The database the app and the command line work on, and the server operator's own tasks on it.

These run for whoever has the server's shell or starts the app (no signed-in user): bring the schema up to
date, store the shipped protocols and training scenarios, load the sample sessions, give a PostgreSQL app role
its rights, back the database up, restore a backup into an empty database, check the database's health.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from dashboard.config import database_url
from dashboard.seed import SAMPLE_DIR, load_samples
from dashboard.services.protocols import bootstrap
from dashboard.store import grants, operations
from dashboard.store.db import get_engine, migrate
from dashboard.store.operations import Health


def open_database(url: str | None = None, *, with_scenarios: bool = False) -> Engine:
    """The engine for url (default DATABASE_URL), the schema migrated and the shipped protocols stored; with
    with_scenarios (the app's start, `seed`, `scenarios`) the shipped training scenarios too, once."""
    url = url or database_url()
    migrate(url)
    engine = get_engine(url)
    bootstrap(engine)
    if with_scenarios:
        from dashboard.seed_scenarios import seed_scenarios
        seed_scenarios(engine)
    return engine


def load_sample_sessions(engine: Engine, directory: Path | None = None) -> int:
    """Load the sample sessions not loaded yet; returns how many were loaded."""
    return load_samples(engine, directory or SAMPLE_DIR)


def grant_app_role(engine: Engine, role: str) -> None:
    """PostgreSQL: the app's role may read and insert, update only what it must, and delete nothing."""
    grants.grant_app_role(engine, role)


def backup_database(out: Path, url: str | None = None) -> None:
    """A consistent copy of the whole database in the new file out (SQLite: a database file; PostgreSQL:
    pg_dump's custom format)."""
    operations.backup(url or database_url(), out)


def restore_database(backup_file: Path, url: str | None = None) -> None:
    """A backup into the database at url (default DATABASE_URL), which must be empty; nothing else is done to it."""
    operations.restore(url or database_url(), backup_file)


def check_health(url: str | None = None) -> Health:
    """Whether the database answers and has the schema this version needs (read only: nothing is migrated)."""
    return operations.health(url or database_url())
