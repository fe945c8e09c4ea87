"""Alembic environment: runs migrations on the connection handed over by dashboard.store.db."""

from alembic import context
from sqlalchemy import create_engine

from dashboard.store.schema import metadata
from dashboard.store.statement_keys import comparison_filter

config = context.config


def run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_object=comparison_filter(connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    with create_engine(config.get_main_option("sqlalchemy.url")).begin() as conn:
        run(conn)
