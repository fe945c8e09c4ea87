"""Alert events: alerts fired by the same readings grouped into one event, acknowledged once.

Existing alerts are grouped (same session and start time) and each earlier acknowledgement of an alert
is carried over as an acknowledgement of its event, with the same author, time, action and note.

Revision ID: 0004
Revises: 0003
"""
import json

from alembic import op
import sqlalchemy as sa

from dashboard.store.append_only import create_guard, drop_guard

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

RANK = {"high": 0, "medium": 1, "low": 2}


def upgrade() -> None:
    op.create_table('alert_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('priority', sa.String(length=8), nullable=False),
    sa.Column('raised_at', sa.DateTime(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_alert_events_session_id_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_events'))
    )
    op.create_index(op.f('ix_alert_events_session_id'), 'alert_events', ['session_id'], unique=False)
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite adds a column with its reference in place; batch mode would copy the table instead.
        op.execute('ALTER TABLE alerts ADD COLUMN event_id INTEGER '
                   'CONSTRAINT fk_alerts_event_id_alert_events REFERENCES alert_events (id)')
    else:
        op.add_column('alerts', sa.Column('event_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_alerts_event_id_alert_events', 'alerts', 'alert_events', ['event_id'], ['id'])
    op.create_index(op.f('ix_alerts_event_id'), 'alerts', ['event_id'], unique=False)
    op.create_table('alert_event_acks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('by', sa.String(length=80), nullable=False),
    sa.Column('actions', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['alert_events.id'], name=op.f('fk_alert_event_acks_event_id_alert_events')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_event_acks'))
    )
    op.create_index(op.f('ix_alert_event_acks_event_id'), 'alert_event_acks', ['event_id'], unique=False)
    _group_existing_alerts()
    create_guard(op, 'alert_event_acks')


def _group_existing_alerts() -> None:
    conn = op.get_bind()
    alerts = sa.table('alerts', *[sa.column(c) for c in (
        'id', 'session_id', 'priority', 'started_at', 'ended_at', 'raised_at', 'withdrawn_at', 'event_id')])
    events = sa.table('alert_events', *[sa.column(c) for c in (
        'id', 'session_id', 'started_at', 'ended_at', 'priority', 'raised_at', 'withdrawn_at')])
    acks = sa.table('alert_acks', *[sa.column(c) for c in ('alert_id', 'at', 'by', 'action', 'note')])
    event_acks = sa.table('alert_event_acks', *[sa.column(c) for c in ('event_id', 'at', 'by', 'actions', 'note')])
    groups: dict[tuple, list] = {}
    for row in conn.execute(sa.select(alerts).order_by(alerts.c.id)):
        groups.setdefault((row.session_id, row.started_at), []).append(row)
    event_of: dict[int, int] = {}
    for (session_id, started_at), members in groups.items():
        live = [m for m in members if m.withdrawn_at is None]
        basis = live or members
        ends = [m.ended_at for m in basis]
        event_id = conn.execute(sa.insert(events).values(
            session_id=session_id, started_at=started_at,
            ended_at=None if any(e is None for e in ends) else max(ends),
            priority=min((m.priority for m in basis), key=lambda p: RANK.get(p, 9)),
            raised_at=min(m.raised_at for m in members),
            withdrawn_at=None if live else max(m.withdrawn_at for m in members),
        ).returning(events.c.id)).scalar_one()
        ids = [m.id for m in members]
        conn.execute(sa.update(alerts).where(alerts.c.id.in_(ids)).values(event_id=event_id))
        event_of.update(dict.fromkeys(ids, event_id))
    for ack in conn.execute(sa.select(acks).order_by(acks.c.at)):
        conn.execute(sa.insert(event_acks).values(event_id=event_of[ack.alert_id], at=ack.at, by=ack.by,
                                                  actions=json.dumps([ack.action]), note=ack.note))


def downgrade() -> None:
    drop_guard(op, 'alert_event_acks')
    op.drop_index(op.f('ix_alert_event_acks_event_id'), table_name='alert_event_acks')
    op.drop_table('alert_event_acks')
    op.drop_index(op.f('ix_alerts_event_id'), table_name='alerts')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_constraint('fk_alerts_event_id_alert_events', type_='foreignkey')
        batch_op.drop_column('event_id')
    op.drop_index(op.f('ix_alert_events_session_id'), table_name='alert_events')
    op.drop_table('alert_events')
