"""The sessions list in SQL: filter, count, sort and page the sessions; readings, alerts and signatures are
counted for the page's sessions only (through their indexes), never for the whole clinic."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import bindparam, case, exists, func, select

from dashboard.core.session_filter import SessionFilter, SessionPage, last_page
from dashboard.core.sessions import STATUSES
from dashboard.store.db import Bind, connect
from dashboard.store.readings import current_filter
from dashboard.store.schema import (alert_event_acks, alert_events, chairs, patients, readings, session_signoffs, sessions,
                                    users)

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


# Each filter, when on: its WHERE term over sessions joined to patients, values bound by name at execution.
TERMS = {
    "date_from": lambda: sessions.c.session_date >= bindparam("date_from"),
    "date_to": lambda: sessions.c.session_date <= bindparam("date_to"),
    "nurse": lambda: sessions.c.created_by == bindparam("nurse"),
    # the pattern's own % and _ escaped (like_pattern): what the user typed is matched as it is, in any case
    "patient": lambda: func.lower(patients.c.code).like(func.lower(bindparam("patient")), escape="/"),
    "protocol": lambda: sessions.c.protocol == bindparam("protocol"),
    "statuses": lambda: sessions.c.status.in_(bindparam("statuses", expanding=True)),
    "critical": lambda: exists().where(_live_events("high")),
    "unacknowledged": lambda: exists().where(_live_events("high") & _not_acknowledged()),
    "not_signed": lambda: ~exists().where(session_signoffs.c.session_id == sessions.c.id),
}


def like_pattern(text: str) -> str:
    """'%' + text + '%' with LIKE's own characters escaped by '/'."""
    return "%" + text.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


def _values(f: SessionFilter) -> dict:
    """The filters that are on, with the values their terms bind."""
    values = {name: value for name, value in f.filters().items() if value}
    if "patient" in values:
        values["patient"] = like_pattern(values["patient"])
    if "statuses" in values:
        values["statuses"] = list(values["statuses"])
    return values


def _order(sort: str, descending: bool) -> list:
    column = SORT_COLUMNS[sort]
    ordered = column.desc() if descending else column.asc()
    if sort == "infusion":  # the one nullable sort column: no number last both ways, on both databases
        ordered = ordered.nulls_last()  # (elsewhere NULLS LAST would keep an index from giving the order)
    return [ordered, sessions.c.id.desc() if descending else sessions.c.id.asc()]


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
    chairs.c.name.label("chair"),
)
_JOINED = sessions.join(patients, patients.c.id == sessions.c.patient_id)


@lru_cache(maxsize=256)
def _statements(on: frozenset[str], sort: str, descending: bool):
    """The count and the page for filters of this shape, built once: a rerun binds new values only (SQLAlchemy
    then finds its compiled form at once instead of walking a new statement)."""
    where = [TERMS[name]() for name in sorted(on)]
    order = _order(sort, descending)
    count = select(func.count()).select_from(_JOINED).where(*where)
    chosen = (select(sessions.c.id).select_from(_JOINED).where(*where).order_by(*order)
              .limit(bindparam("page_size")).offset(bindparam("skip")).subquery("chosen"))
    page = (select(*COLUMNS)
            .select_from(chosen.join(sessions, sessions.c.id == chosen.c.id)
                         .join(patients, patients.c.id == sessions.c.patient_id)
                         .outerjoin(users, users.c.username == sessions.c.created_by)
                         .outerjoin(chairs, chairs.c.id == sessions.c.chair_id))
            .order_by(*order))
    return count, page


def search_sessions(bind: Bind, f: SessionFilter) -> SessionPage:
    """The sessions matching f: how many, and the page f asks for (the last page when f's is past the end).

    One statement counts, one gives the page (its ids chosen first, then their columns)."""
    values = _values(f)
    count, rows = _statements(frozenset(values), f.sort, f.descending)
    with connect(bind) as conn:
        total = conn.execute(count, values).scalar_one()
        page = min(f.page, last_page(total, f.page_size))
        found = conn.execute(rows, {**values, "page_size": f.page_size, "skip": (page - 1) * f.page_size}).all() \
            if total else []
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
