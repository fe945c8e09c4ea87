"""Training scenarios, their versions and trainees' results (versions and results append-only).

Revision ID: 0011
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

from dashboard.store.append_only import create_guard, drop_guard

APPEND_ONLY = ("scenarios", "scenario_versions", "scenario_results")

revision = '0011'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('scenarios',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scenarios')),
    sa.UniqueConstraint('code', name=op.f('uq_scenarios_code'))
    )
    op.create_table('scenario_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scenario_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('goal', sa.Text(), nullable=False),
    sa.Column('protocol', sa.String(length=120), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['scenario_id'], ['scenarios.id'], name=op.f('fk_scenario_versions_scenario_id_scenarios')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scenario_versions')),
    sa.UniqueConstraint('scenario_id', 'version', name=op.f('uq_scenario_versions_scenario_id'))
    )
    op.create_table('scenario_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scenario_version_id', sa.Integer(), nullable=False),
    sa.Column('trainee', sa.String(length=80), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('right_answers', sa.Integer(), nullable=False),
    sa.Column('decisions', sa.Integer(), nullable=False),
    sa.Column('answers', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['scenario_version_id'], ['scenario_versions.id'],
                            name=op.f('fk_scenario_results_scenario_version_id_scenario_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scenario_results'))
    )
    op.create_index(op.f('ix_scenario_results_scenario_version_id'), 'scenario_results', ['scenario_version_id'],
                    unique=False)
    op.create_index(op.f('ix_scenario_results_trainee'), 'scenario_results', ['trainee'], unique=False)
    for table in APPEND_ONLY:
        create_guard(op, table)


def downgrade() -> None:
    for table in APPEND_ONLY:
        drop_guard(op, table)
    op.drop_index(op.f('ix_scenario_results_trainee'), table_name='scenario_results')
    op.drop_index(op.f('ix_scenario_results_scenario_version_id'), table_name='scenario_results')
    op.drop_table('scenario_results')
    op.drop_table('scenario_versions')
    op.drop_table('scenarios')
