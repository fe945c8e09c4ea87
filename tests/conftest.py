"""Fixtures for every test folder: fresh migrated databases on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import itertools
import os

import pytest

from dashboard.core.clock import CLOCK_OFFSET_FILE
from dashboard.store.db import dispose, dispose_all, get_engine, migrate
from tests.pgcluster import PgCluster, PostgresNotFound
from tests.realdata import in_ci, require_realdata

TEMPLATE = "template_migrated"
_numbers = itertools.count()


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL server for the whole run (or TEST_POSTGRES_URL's server)."""
    try:
        cluster, missing = PgCluster(), None
    except PostgresNotFound as error:
        cluster, missing = None, str(error)
    if missing and in_ci():
        pytest.fail(f"CI needs PostgreSQL for these tests: {missing} (apt-get install postgresql)", pytrace=False)
    if missing:
        pytest.skip("these tests need PostgreSQL: install Debian's postgresql package or set TEST_POSTGRES_URL")
    yield cluster
    dispose_all()
    cluster.stop()


@pytest.fixture
def engine(database_url):
    """An engine on a fresh, migrated, empty database, once on SQLite and once on PostgreSQL."""
    return get_engine(database_url)


@pytest.fixture
def clinic_engine(database_url):
    """An engine as `engine` gives, with the shipped protocol presets stored as a fresh install stores them."""
    from dashboard.services.protocols import bootstrap
    engine = get_engine(database_url)
    bootstrap(engine)
    return engine


@pytest.fixture
def realdata():
    """The folder of real monitor exports (../shared/realdata): a skip without it, a failure under CI=true."""
    return require_realdata()


@pytest.fixture(scope="session")
def pg_template(pg_cluster) -> str:
    """Name of a migrated database to copy: CREATE DATABASE ... TEMPLATE is much faster than migrating each time."""
    pg_cluster.drop_database(TEMPLATE)  # a leftover from a killed run on a TEST_POSTGRES_URL server
    url = pg_cluster.create_database(TEMPLATE)
    migrate(url)
    dispose_all()  # a template must have no open connections
    return TEMPLATE


@pytest.fixture
def sqlite_url(tmp_path):
    """A fresh, migrated, empty SQLite database file."""
    url = f"sqlite:///{tmp_path / 'test.db'}"
    migrate(url)
    yield url
    dispose(url)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request):
    """A fresh, migrated, empty database: each test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_url")
        return
    cluster = request.getfixturevalue("pg_cluster")
    name = f"t_{os.getpid()}_{next(_numbers)}"
    url = cluster.create_database(name, template=request.getfixturevalue("pg_template"))
    yield url
    dispose(url)
    cluster.drop_database(name)  # ~8 MB each otherwise


class Clock:
    """Lets clinical time pass through the clock offset file the app reads on every call."""

    def __init__(self, path):
        self.path, self.seconds = path, 0.0
        path.write_text("0")

    def advance(self, seconds: float) -> None:
        self.seconds += seconds
        self.path.write_text(str(self.seconds))


@pytest.fixture
def clock(tmp_path, monkeypatch):
    monkeypatch.setenv(CLOCK_OFFSET_FILE, str(tmp_path / "offset"))
    return Clock(tmp_path / "offset")
