"""The test PostgreSQL server starts, makes databases from the migrated template, and answers through SQLAlchemy."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, text


@pytest.mark.postgres
def test_a_new_database_answers_select_version(pg_cluster):
    url = pg_cluster.create_database("smoke")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("select version()")).scalar_one().startswith("PostgreSQL ")
            assert conn.execute(text("select current_database()")).scalar_one() == "smoke"
    finally:
        engine.dispose()
        pg_cluster.drop_database("smoke")


def test_database_url_is_migrated_and_empty(database_url):
    engine = create_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert "alembic_version" in tables and "readings" in tables
        with engine.connect() as conn:
            assert conn.execute(text("select count(*) from readings")).scalar_one() == 0
    finally:
        engine.dispose()
