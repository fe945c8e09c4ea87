"""Readings' references checked once per statement on PostgreSQL (see dashboard/store/statement_keys.py).

The foreign keys readings.session_id -> sessions.id and readings.supersedes_id -> readings.id become one
statement-level trigger with a transition table, plus a guard on sessions; SQLite is unchanged.

Revision ID: 0005
Revises: 0004
"""
from alembic import op

from dashboard.store import statement_keys

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    statement_keys.install(op)


def downgrade() -> None:
    statement_keys.remove(op)
