"""Indexes for the sessions list: by day (newest first, id breaking ties) and by the nurse who opened it.

Revision ID: 0008
Revises: 0006
"""
from alembic import op

revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_sessions_date_id', 'sessions', ['session_date', 'id'], unique=False)
    op.create_index('ix_sessions_created_by', 'sessions', ['created_by'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_sessions_created_by', table_name='sessions')
    op.drop_index('ix_sessions_date_id', table_name='sessions')
