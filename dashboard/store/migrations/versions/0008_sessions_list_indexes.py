"""Indexes for the sessions list: by day (newest first, id breaking ties), by the nurse who opened it, and the
corrections and voids of each session (partial: the readings of a bulk import get no entry).

Revision ID: 0008
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_sessions_date_id', 'sessions', ['session_date', 'id'], unique=False)
    op.create_index('ix_sessions_created_by', 'sessions', ['created_by'], unique=False)
    op.create_index('ix_readings_successors', 'readings', ['session_id'], unique=False,
                    sqlite_where=sa.text('supersedes_id IS NOT NULL'),
                    postgresql_where=sa.text('supersedes_id IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_readings_successors', table_name='readings')
    op.drop_index('ix_sessions_created_by', table_name='sessions')
    op.drop_index('ix_sessions_date_id', table_name='sessions')
