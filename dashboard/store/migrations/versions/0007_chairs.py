"""Chairs: the clinic's chairs as data, the chair a session runs in, one session at a time per chair; the
board's indexes (sessions by status and day, each session's blood pressures by time).

Revision ID: 0007
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0011'
branch_labels = None
depends_on = None

IN_CHAIR = sa.text('chair_id IS NOT NULL AND discharged_at IS NULL')
HAS_BP = sa.text('sbp IS NOT NULL')


def upgrade() -> None:
    op.create_table('chairs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('retired_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chairs')),
    sa.UniqueConstraint('name', name=op.f('uq_chairs_name'))
    )
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite adds a column with its reference in place; batch mode would copy the table instead.
        op.execute('ALTER TABLE sessions ADD COLUMN chair_id INTEGER '
                   'CONSTRAINT fk_sessions_chair_id_chairs REFERENCES chairs (id)')
    else:
        op.add_column('sessions', sa.Column('chair_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_sessions_chair_id_chairs', 'sessions', 'chairs', ['chair_id'], ['id'])
    op.create_index('uq_sessions_chair_in_use', 'sessions', ['chair_id'], unique=True,
                    sqlite_where=IN_CHAIR, postgresql_where=IN_CHAIR)
    op.create_index('ix_sessions_status_date', 'sessions', ['status', 'session_date'], unique=False)
    op.create_index('ix_readings_session_bp_time', 'readings', ['session_id', 'measured_at'], unique=False,
                    sqlite_where=HAS_BP, postgresql_where=HAS_BP)


def downgrade() -> None:
    op.drop_index('ix_readings_session_bp_time', table_name='readings')
    op.drop_index('ix_sessions_status_date', table_name='sessions')
    op.drop_index('uq_sessions_chair_in_use', table_name='sessions')
    with op.batch_alter_table('sessions') as batch_op:
        batch_op.drop_constraint('fk_sessions_chair_id_chairs', type_='foreignkey')
        batch_op.drop_column('chair_id')
    op.drop_table('chairs')
