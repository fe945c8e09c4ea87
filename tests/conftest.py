"""Fixtures for every test folder: fresh migrated databases on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import itertools
import os

import pytest

from dashboard.store.db import dispose, dispose_all, migrate
from tests.pgcluster import PgCluster, PostgresUnavailable

_numbers = itertools.count()


@pytest.fixture(scope="session")
def pg_cluster():
    try:
        cluster = PgCluster()
    except PostgresUnavailable as error:
        message = f"these tests need PostgreSQL: {error}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    yield cluster
    dispose_all()
    cluster.stop()


@pytest.fixture(scope="session")
def pg_template(pg_cluster):
    """A migrated database to copy: CREATE DATABASE ... TEMPLATE is much faster than migrating each time."""
    url = pg_cluster.create_database("template_migrated")
    migrate(url)
    dispose_all()
    return "template_migrated"


@pytest.fixture
def sqlite_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'test.db'}"
    migrate(url)
    yield url
    dispose(url)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """A fresh, migrated, empty database: each test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        url = request.getfixturevalue("sqlite_url")
    else:
        cluster = request.getfixturevalue("pg_cluster")
        request.getfixturevalue("pg_template")
        url = cluster.create_database(f"t_{os.getpid()}_{next(_numbers)}", template="template_migrated")
    yield url
    dispose(url)
