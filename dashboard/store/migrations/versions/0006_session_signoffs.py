"""Supervisors' electronic signatures of sessions (append-only).

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa

from dashboard.store.append_only import create_guard, drop_guard

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('session_signoffs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=False),
    sa.Column('signed_by', sa.String(length=80), nullable=False),
    sa.Column('signer_name', sa.String(length=120), nullable=False),
    sa.Column('meaning', sa.String(length=20), nullable=False),
    sa.Column('warnings', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_session_signoffs_session_id_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_signoffs'))
    )
    op.create_index(op.f('ix_session_signoffs_session_id'), 'session_signoffs', ['session_id'], unique=False)
    create_guard(op, 'session_signoffs')


def downgrade() -> None:
    drop_guard(op, 'session_signoffs')
    op.drop_index(op.f('ix_session_signoffs_session_id'), table_name='session_signoffs')
    op.drop_table('session_signoffs')
