"""The sessions list in SQL: filter, count, sort and page the sessions; readings, alerts and signatures are
counted for the page's sessions only (through their indexes), never for the whole clinic."""

from __future__ import annotations

from sqlalchemy import case, exists, func, select

from dashboard.core.session_filter import SessionFilter, SessionPage, last_page
from dashboard.core.sessions import STATUSES
from dashboard.store.db import Bind, connect
from dashboard.store.readings import current_filter
from dashboard.store.schema import alert_event_acks, alert_events, patients, readings, session_signoffs, sessions, users

SORT_COLUMNS = {
    "date": sessions.c.session_date,
    "code": sessions.c.code,
    "patient": patients.c.code,
    "infusion": sessions.c.infusion_number,
    "status": case({status: i for i, status in enumerate(STATUSES)}, value=sessions.c.status, else_=len(STATUSES)),
    "protocol": sessions.c.protocol,
    "nurse": sessions.c.created_by,
}


def _live_events(priority: str):
    """The session's alert events of this priority that were not withdrawn (correlated to sessions)."""
    return (alert_events.c.session_id == sessions.c.id) & (alert_events.c.priority == priority) \
        & alert_events.c.withdrawn_at.is_(None)


def _not_acknowledged():
    return ~exists().where(alert_event_acks.c.event_id == alert_events.c.id)


def conditions(f: SessionFilter) -> list:
    """The WHERE terms of a filter, over sessions joined to patients."""
    where = []
    if f.date_from:
        where.append(sessions.c.session_date >= f.date_from)
    if f.date_to:
        where.append(sessions.c.session_date <= f.date_to)
    if f.nurse:
        where.append(sessions.c.created_by == f.nurse)
    if f.patient:
        # autoescape: % and _ typed by the user are matched as themselves
        where.append(patients.c.code.icontains(f.patient, autoescape=True))
    if f.protocol:
        where.append(sessions.c.protocol == f.protocol)
    if f.statuses:
        where.append(sessions.c.status.in_(f.statuses))
    if f.critical:
        where.append(exists().where(_live_events("high")))
    if f.unacknowledged:
        where.append(exists().where(_live_events("high") & _not_acknowledged()))
    if f.not_signed:
        where.append(~exists().where(session_signoffs.c.session_id == sessions.c.id))
    return where


def _order(f: SessionFilter) -> list:
    column = SORT_COLUMNS[f.sort]
    ordered = column.desc() if f.descending else column.asc()
    if f.sort == "infusion":  # the one nullable sort column: no number last both ways, on both databases
        ordered = ordered.nulls_last()  # (elsewhere NULLS LAST would keep an index from giving the order)
    return [ordered, sessions.c.id.desc() if f.descending else sessions.c.id.asc()]


def _count(priority: str, *, unacknowledged: bool = False):
    where = _live_events(priority)
    if unacknowledged:
        where = where & _not_acknowledged()
    return select(func.count()).select_from(alert_events).where(where).scalar_subquery()


def _latest_signature(column):
    return (select(column).where(session_signoffs.c.session_id == sessions.c.id)
            .order_by(session_signoffs.c.signed_at.desc(), session_signoffs.c.id.desc()).limit(1).scalar_subquery())


def _readings_in_force():
    """A session's readings in force, from indexes alone: all its rows (the covering (session_id, measured_at)
    index), less its corrections and voids (the partial successors index), less the voids still in force.

    Exact because the store keeps a correction or void in its original's session and sets entered_in_error on
    void markers only (dashboard/store/readings.py): each successor takes one replaced row out of force, and a
    void marker not replaced in turn is out of force itself. The direct in-force test reads every row instead."""
    every = select(func.count()).select_from(readings).where(readings.c.session_id == sessions.c.id)
    successors = readings.c.session_id == sessions.c.id, readings.c.supersedes_id.isnot(None)
    voided = select(func.count()).select_from(readings).where(*successors, readings.c.entered_in_error,
                                                              current_filter())
    replacing = select(func.count()).select_from(readings).where(*successors)
    return every.scalar_subquery() - replacing.scalar_subquery() - voided.scalar_subquery()


# The list's columns; each count a correlated subquery over its own index, run for the page's rows only.
COLUMNS = (
    sessions.c.id, sessions.c.code, patients.c.code.label("patient_code"), sessions.c.session_date,
    sessions.c.infusion_number, sessions.c.status, sessions.c.protocol, sessions.c.created_by.label("nurse"),
    users.c.full_name.label("nurse_name"),
    _readings_in_force().label("readings"),
    _count("high").label("alerts_high"), _count("medium").label("alerts_medium"),
    _count("high", unacknowledged=True).label("unacknowledged_high"),
    _latest_signature(session_signoffs.c.meaning).label("signed_meaning"),
    _latest_signature(session_signoffs.c.signed_by).label("signed_by"),
    _latest_signature(session_signoffs.c.signer_name).label("signer_name"),
)
_JOINED = sessions.join(patients, patients.c.id == sessions.c.patient_id)


def _page(f: SessionFilter, where: list, page: int):
    """One statement: the page's session ids chosen first (filtered, sorted, cut), then their columns."""
    chosen = (select(sessions.c.id).select_from(_JOINED).where(*where).order_by(*_order(f))
              .limit(f.page_size).offset((page - 1) * f.page_size).subquery("chosen"))
    return (select(*COLUMNS)
            .select_from(chosen.join(sessions, sessions.c.id == chosen.c.id)
                         .join(patients, patients.c.id == sessions.c.patient_id)
                         .outerjoin(users, users.c.username == sessions.c.created_by))
            .order_by(*_order(f)))


def search_sessions(bind: Bind, f: SessionFilter) -> SessionPage:
    """The sessions matching f: how many, and the page f asks for (the last page when f's is past the end)."""
    where = conditions(f)
    with connect(bind) as conn:
        total = conn.execute(select(func.count()).select_from(_JOINED).where(*where)).scalar_one()
        page = min(f.page, last_page(total, f.page_size))
        found = conn.execute(_page(f, where, page)).all() if total else []
    return SessionPage(total=total, page=page, page_size=f.page_size, records=tuple(tuple(row) for row in found))


def filter_choices(bind: Bind) -> dict[str, list]:
    """What the filters can choose from: nurses (username, full name or None) who opened sessions, protocols."""
    with connect(bind) as conn:
        opened_by = select(sessions.c.created_by).distinct().subquery()
        nurses = conn.execute(select(opened_by.c.created_by, users.c.full_name)
                              .outerjoin(users, users.c.username == opened_by.c.created_by)
                              .order_by(opened_by.c.created_by)).all()
        protocols = conn.execute(select(sessions.c.protocol).distinct().order_by(sessions.c.protocol)).scalars().all()
    return {"nurses": [(username, name) for username, name in nurses], "protocols": list(protocols)}
