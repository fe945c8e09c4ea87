"""The board's one query: every session in progress (and today's planned ones) with its chair, latest
reading, last blood pressure and the state of its alert events."""

from __future__ import annotations

from datetime import date, datetime, timezone
from functools import lru_cache

from sqlalchemy import Integer, and_, case, exists, func, literal, or_, select, true

from dashboard.core.vitals import VITAL_KEYS
from dashboard.store.db import Bind, driver_rows
from dashboard.store.schema import alert_event_acks, alert_events, chairs, patients, readings, sessions

IN_PROGRESS = ("infusing", "recovery")
COLUMNS = ("session_id", "code", "patient", "status", "session_date", "chair", "protocol_version_id",
           "infusion_started_at", "infusion_stopped_at",
           "latest_at", *VITAL_KEYS, "bp_at", "bp_sbp", "bp_dbp",
           "alert_state")
RANK = {"high": 2, "medium": 1}  # active_rank: the highest priority among the active events (0: none)


def _newest(*where):
    """The id of a session's newest reading in force that satisfies `where` (an index walk from the end)."""
    r, successor = readings.alias("r"), readings.alias("successor")
    return (select(r.c.id)
            .where(r.c.session_id == sessions.c.id, ~r.c.entered_in_error,
                   ~exists().where(successor.c.supersedes_id == r.c.id), *[w(r) for w in where])
            .order_by(r.c.measured_at.desc()).limit(1).scalar_subquery())  # straight off the index, no sort


def _on_board(today):
    # an IN list the (status, session_date) index can serve: an OR of the two cases would scan every session
    return and_(sessions.c.status.in_((*IN_PROGRESS, "planned")),
                or_(sessions.c.status != "planned", sessions.c.session_date == today))


def _alert_state():
    """Per session, in one pass over its events (the session_id index): the highest priority among its active
    events, its high events never acknowledged (they latch, as the Record page's banner does), its medium events
    active and never acknowledged; packed as rank + 1000 x medium + 1,000,000 x high (see _unpack)."""
    e = alert_events
    acked = exists().where(alert_event_acks.c.event_id == e.c.id)
    rank = case(*[(and_(e.c.ended_at.is_(None), e.c.priority == p), literal(n)) for p, n in RANK.items()],
                else_=literal(0))
    high = case((and_(e.c.priority == "high", ~acked), literal(1_000_000)), else_=literal(0))
    medium = case((and_(e.c.priority == "medium", e.c.ended_at.is_(None), ~acked), literal(1_000)), else_=literal(0))
    return (select(func.coalesce(func.max(rank) + func.sum(high) + func.sum(medium), 0))
            .where(e.c.session_id == sessions.c.id, e.c.withdrawn_at.is_(None)).scalar_subquery())


def _unpack(packed: int) -> tuple[int, int, int]:
    """(active_rank, unacked_high, unacked_medium) from _alert_state's one number."""
    packed = int(packed or 0)
    return packed % 1000, packed // 1_000_000, packed // 1000 % 1000


def board_query(today, *, lateral: bool = False):
    """The board's statement; today: the clinic's date, or a bind parameter standing for it. Everything per
    session is a lookup by index, driven from the (status, session_date) index of sessions. lateral (where
    the database has LATERAL, PostgreSQL): each session's newest reading and newest blood pressure are read
    in the same index walk that finds them, and the patient and chair joined once, instead of a correlated
    sub-plan finding an id and a second lookup fetching its row."""
    if lateral:
        return _lateral_query(today)
    patient = select(patients.c.code).where(patients.c.id == sessions.c.patient_id).scalar_subquery()
    chair = select(chairs.c.name).where(chairs.c.id == sessions.c.chair_id).scalar_subquery()
    base = (select(sessions.c.id.label("session_id"), sessions.c.code, patient.label("patient"),
                   sessions.c.status, sessions.c.session_date, chair.label("chair"),
                   sessions.c.protocol_version_id, sessions.c.infusion_started_at, sessions.c.infusion_stopped_at,
                   _newest().label("latest_id"), _newest(lambda r: r.c.sbp.isnot(None)).label("bp_id"),
                   _alert_state().label("alert_state"))
            .where(_on_board(today)).cte("board"))
    latest, bp = readings.alias("latest"), readings.alias("bp")
    return (select(base.c.session_id, base.c.code, base.c.patient, base.c.status, base.c.session_date, base.c.chair,
                   base.c.protocol_version_id, base.c.infusion_started_at, base.c.infusion_stopped_at,
                   latest.c.measured_at.label("latest_at"), *[latest.c[k] for k in VITAL_KEYS],
                   bp.c.measured_at.label("bp_at"), bp.c.sbp.label("bp_sbp"), bp.c.dbp.label("bp_dbp"),
                   base.c.alert_state.cast(Integer).label("alert_state"))
            .outerjoin(latest, latest.c.id == base.c.latest_id)
            .outerjoin(bp, bp.c.id == base.c.bp_id))


def _newest_row(name: str, columns: tuple[str, ...], *where):
    """A session's newest reading in force that satisfies `where`, its `columns`, as a LATERAL subquery."""
    r, successor = readings.alias("r"), readings.alias("successor")
    return (select(*[r.c[c] for c in columns])
            .where(r.c.session_id == sessions.c.id, ~r.c.entered_in_error,
                   ~exists().where(successor.c.supersedes_id == r.c.id), *[w(r) for w in where])
            .order_by(r.c.measured_at.desc()).limit(1).lateral(name))


def _lateral_query(today):
    latest = _newest_row("latest", ("measured_at", *VITAL_KEYS))
    bp = _newest_row("bp", ("measured_at", "sbp", "dbp"), lambda r: r.c.sbp.isnot(None))
    return (select(sessions.c.id.label("session_id"), sessions.c.code, patients.c.code.label("patient"),
                   sessions.c.status, sessions.c.session_date, chairs.c.name.label("chair"),
                   sessions.c.protocol_version_id, sessions.c.infusion_started_at, sessions.c.infusion_stopped_at,
                   latest.c.measured_at.label("latest_at"), *[latest.c[k] for k in VITAL_KEYS],
                   bp.c.measured_at.label("bp_at"), bp.c.sbp.label("bp_sbp"), bp.c.dbp.label("bp_dbp"),
                   _alert_state().cast(Integer).label("alert_state"))
            .select_from(sessions)
            .outerjoin(patients, patients.c.id == sessions.c.patient_id)
            .outerjoin(chairs, chairs.c.id == sessions.c.chair_id)
            .outerjoin(latest, true())
            .outerjoin(bp, true())
            .where(_on_board(today)))


_SESSIONS_FROM = "FROM sessions \nWHERE"
_TIMES = ("infusion_started_at", "infusion_stopped_at", "latest_at", "bp_at")


@lru_cache(maxsize=16)
def _statement(dialect) -> str:
    """The query compiled once per dialect (it is polled every few seconds by every open board): its SQL, with
    one parameter standing for the clinic's date. The query's constants (LIMIT 1, the
    priorities, the ranks) are written into the SQL: only the date is bound, so PostgreSQL can keep one plan
    for the prepared statement instead of planning the query again on every poll (planning it costs as much
    as running it), which it must do while a LIMIT is a parameter."""
    query = board_query(_PLACEHOLDER_DAY, lateral=dialect.name == "postgresql")
    sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    day = f"'{_PLACEHOLDER_DAY.isoformat()}'"
    assert sql.count(day) == 1, "the board's query no longer names the clinic's date once"
    sql = sql.replace(day, "?" if dialect.paramstyle == "qmark" else "%(today)s")
    if dialect.name == "sqlite":
        # SQLite's statistics know how many statuses there are, not how few sessions are running: told
        # nothing, it scans every session ever held instead of the few in the (status, day) index
        assert sql.count(_SESSIONS_FROM) == 1, "the board's sessions are no longer read in one place"
        sql = sql.replace(_SESSIONS_FROM, "FROM sessions INDEXED BY ix_sessions_status_date \nWHERE")
    return sql


def driver_statement(dialect, today: date) -> tuple[str, tuple | dict]:
    """The board's SQL for this dialect and its parameters for the clinic's date, as the driver takes them."""
    day = today.isoformat()
    return _statement(dialect), (day,) if dialect.paramstyle == "qmark" else {"today": day}


_PLACEHOLDER_DAY = date(1900, 1, 2)  # stands for the clinic's date while compiling; replaced by its parameter


_KEYS = (*COLUMNS[:-1], "active_rank", "unacked_high", "unacked_medium")
_TIME_AT = tuple(COLUMNS.index(k) for k in _TIMES)
_DATE_AT = COLUMNS.index("session_date")


def board_rows(bind: Bind, today: date) -> list[dict]:
    """One dict per session on the board (in no particular order; core.board orders them): COLUMNS, with
    alert_state read as active_rank, unacked_high and unacked_medium; times aware UTC (the driver gives naive
    UTC: PostgreSQL a datetime, SQLite its text)."""
    dialect = bind.dialect
    with driver_rows(bind, *driver_statement(dialect, today)) as rows:
        rows = list(rows)
    utc, text, parse = timezone.utc, dialect.name == "sqlite", datetime.fromisoformat
    found = []
    for row in rows:
        item = list(row)
        packed = int(item.pop() or 0)  # alert_state, the last column
        for i in _TIME_AT:
            moment = item[i]
            if moment is not None:  # text parsed with its offset: replace() costs more than the parse
                item[i] = parse(moment + "+00:00") if text else moment.replace(tzinfo=utc)
        if isinstance(item[_DATE_AT], str):
            item[_DATE_AT] = date.fromisoformat(item[_DATE_AT])
        item += _unpack(packed)
        found.append(dict(zip(_KEYS, item, strict=True)))
    return found
