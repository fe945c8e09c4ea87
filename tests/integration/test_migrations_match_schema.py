"""The Alembic migrations build exactly the database that dashboard/store/schema.py describes, on both databases."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from dashboard.store.db import alembic_config, get_engine
from dashboard.store.schema import metadata
from dashboard.store.statement_keys import comparison_filter


def test_a_freshly_migrated_database_matches_the_schema_module(database_url):
    with get_engine(database_url).connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True, "compare_server_default": True,
            "include_object": comparison_filter(conn.dialect.name)})  # readings' keys: triggers on PostgreSQL
        differences = compare_metadata(context, metadata)
    # Each entry is what `alembic revision --autogenerate` would write: a table, column, index, type or
    # default that schema.py has and the migrations do not make (or the reverse).
    assert differences == [], "schema.py and the migrations differ; write a migration for:\n" + "\n".join(
        map(str, differences))


def test_the_migrations_are_one_line_from_the_first_to_the_newest():
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(scripts.get_bases()) == 1 and len(scripts.get_heads()) == 1, "branched migration history"
    chain = list(scripts.walk_revisions())  # newest first
    for newer, older in zip(chain, chain[1:], strict=False):
        assert newer.down_revision == older.revision, f"{newer.revision} does not follow {older.revision}"
        assert not newer.is_merge_point and not older.is_branch_point
    assert chain[-1].down_revision is None


def test_an_added_column_without_a_migration_is_found(database_url):
    """The check itself works: a column that only schema.py has is reported."""
    copy = sa.MetaData()
    for table in metadata.tables.values():
        table.to_metadata(copy)
    sa.Table("readings", copy, sa.Column("pain_score", sa.Integer()), extend_existing=True)
    with get_engine(database_url).connect() as conn:
        differences = compare_metadata(MigrationContext.configure(
            conn, opts={"include_object": comparison_filter(conn.dialect.name)}), copy)
    assert [(d[0], d[2], d[3].name) for d in differences] == [("add_column", "readings", "pain_score")]

