"""Versioned protocols and their assignments; stored alerts and their acknowledgements.

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

from dashboard.store.append_only import create_guard, drop_guard

APPEND_ONLY = ("protocol_versions", "protocol_assignments", "alert_acks")


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('protocol_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('scope_id', sa.Integer(), nullable=True),
    sa.Column('protocol_name', sa.String(length=120), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_protocol_assignments'))
    )
    with op.batch_alter_table('protocol_assignments', schema=None) as batch_op:
        batch_op.create_index('ix_protocol_assignments_scope', ['scope', 'scope_id'], unique=False)

    op.create_table('protocol_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_protocol_versions')),
    sa.UniqueConstraint('name', 'version', name=op.f('uq_protocol_versions_name'))
    )
    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=30), nullable=False),
    sa.Column('vital', sa.String(length=10), nullable=False),
    sa.Column('level', sa.String(length=12), nullable=False),
    sa.Column('priority', sa.String(length=8), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('peak_value', sa.Float(), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('protocol_version_id', sa.Integer(), nullable=True),
    sa.Column('raised_at', sa.DateTime(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_alerts_session_id_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')),
    sa.UniqueConstraint('session_id', 'rule', 'vital', 'level', 'started_at', name=op.f('uq_alerts_session_id'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alerts_session_id'), ['session_id'], unique=False)

    op.create_table('alert_acks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('by', sa.String(length=80), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_alert_acks_alert_id_alerts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_acks'))
    )
    with op.batch_alter_table('alert_acks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_acks_alert_id'), ['alert_id'], unique=False)

    op.add_column('sessions', sa.Column('protocol_version_id', sa.Integer(), nullable=True))
    for table in APPEND_ONLY:
        create_guard(op, table)


def downgrade() -> None:
    for table in APPEND_ONLY:
        drop_guard(op, table)
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_column('protocol_version_id')

    with op.batch_alter_table('alert_acks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_acks_alert_id'))

    op.drop_table('alert_acks')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alerts_session_id'))

    op.drop_table('alerts')
    op.drop_table('protocol_versions')
    with op.batch_alter_table('protocol_assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_protocol_assignments_scope')

    op.drop_table('protocol_assignments')
