"""The board's per-session state (newest reading in force, newest blood pressure, alert state), filled from the
records already held.

Revision ID: 0012
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0007'
branch_labels = None
depends_on = None

# The state as the store keeps it (dashboard/store/board.py), written out here as it was when this revision was
# made, so this revision fills the same thing whatever the store becomes later.
IN_FORCE = ("r.session_id = s.id AND r.entered_in_error = {false} "
            "AND NOT EXISTS (SELECT 1 FROM readings AS successor WHERE successor.supersedes_id = r.id)")
LIVE_EVENTS = "FROM alert_events AS e WHERE e.session_id = s.id AND e.withdrawn_at IS NULL"
NEVER_ACKED = "NOT EXISTS (SELECT 1 FROM alert_event_acks AS a WHERE a.event_id = e.id)"
FILL = f"""
INSERT INTO board_state (session_id, latest_id, bp_id, active_rank, unacked_high, unacked_medium)
SELECT s.id,
  (SELECT r.id FROM readings AS r WHERE {IN_FORCE} ORDER BY r.measured_at DESC LIMIT 1),
  (SELECT r.id FROM readings AS r WHERE {IN_FORCE} AND r.sbp IS NOT NULL ORDER BY r.measured_at DESC LIMIT 1),
  (SELECT coalesce(max(CASE WHEN e.ended_at IS NULL AND e.priority = 'high' THEN 2
                            WHEN e.ended_at IS NULL AND e.priority = 'medium' THEN 1 ELSE 0 END), 0) {LIVE_EVENTS}),
  (SELECT count(*) {LIVE_EVENTS} AND e.priority = 'high' AND {NEVER_ACKED}),
  (SELECT count(*) {LIVE_EVENTS} AND e.priority = 'medium' AND e.ended_at IS NULL AND {NEVER_ACKED})
FROM sessions AS s
WHERE EXISTS (SELECT 1 FROM readings AS x WHERE x.session_id = s.id)
   OR EXISTS (SELECT 1 FROM alert_events AS x WHERE x.session_id = s.id)
"""  # noqa: S608 -- constant SQL fragments, no values


def upgrade() -> None:
    op.create_table('board_state',
    sa.Column('session_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('latest_id', sa.Integer(), nullable=True),
    sa.Column('bp_id', sa.Integer(), nullable=True),
    sa.Column('active_rank', sa.Integer(), server_default='0', nullable=False),
    sa.Column('unacked_high', sa.Integer(), server_default='0', nullable=False),
    sa.Column('unacked_medium', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['bp_id'], ['readings.id'], name=op.f('fk_board_state_bp_id_readings')),
    sa.ForeignKeyConstraint(['latest_id'], ['readings.id'], name=op.f('fk_board_state_latest_id_readings')),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_board_state_session_id_sessions')),
    sa.PrimaryKeyConstraint('session_id', name=op.f('pk_board_state'))
    )
    false = '0' if op.get_bind().dialect.name == 'sqlite' else 'false'
    op.execute(FILL.replace('{false}', false))


def downgrade() -> None:
    op.drop_table('board_state')
