"""The board: its one query (every session in progress and today's planned ones, with chair, patient, newest
reading, newest blood pressure and alert state), and the per-session state it reads, kept in step with every
change to a session's readings, alert events and acknowledgements."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import and_, bindparam, case, exists, func, literal, or_, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from dashboard.core.vitals import VITAL_KEYS
from dashboard.store.db import Bind, driver_rows
from dashboard.store.schema import alert_event_acks, alert_events, board_state, chairs, patients, readings, sessions
from dashboard.store.sessions import lock

IN_PROGRESS = ("infusing", "recovery")
COLUMNS = ("session_id", "code", "patient", "status", "session_date", "chair", "protocol_version_id",
           "infusion_started_at", "infusion_stopped_at",
           "latest_at", *VITAL_KEYS, "bp_at", "bp_sbp", "bp_dbp",
           "active_rank", "unacked_high", "unacked_medium")
RANK = {"high": 2, "medium": 1}  # active_rank: the highest priority among the active events (0: none)


# ---- the per-session state: worked out from the records, stored in board_state -------------------------------

def _newest(*where):
    """The id of a session's newest reading in force that satisfies `where` (an index walk from the end)."""
    r, successor = readings.alias("r"), readings.alias("successor")
    return (select(r.c.id)
            .where(r.c.session_id == sessions.c.id, ~r.c.entered_in_error,
                   ~exists().where(successor.c.supersedes_id == r.c.id), *[w(r) for w in where])
            .order_by(r.c.measured_at.desc()).limit(1).scalar_subquery())  # straight off the index, no sort


def _events(*where, value=None):
    """Over a session's events not withdrawn (the session_id index): the highest `value` (a CASE), or how many
    satisfy `where`."""
    e = alert_events
    found = select(func.coalesce(func.max(value), 0) if value is not None else func.count())
    return found.where(e.c.session_id == sessions.c.id, e.c.withdrawn_at.is_(None), *where).scalar_subquery()


def _never_acknowledged():
    return ~exists().where(alert_event_acks.c.event_id == alert_events.c.id)


def _reading_state() -> dict:
    return {"latest_id": _newest(), "bp_id": _newest(lambda r: r.c.sbp.isnot(None))}


def _alert_state() -> dict:
    """Active rank, the high events never acknowledged (they latch, as the Record page's banner does), the medium
    events active and never acknowledged."""
    e = alert_events
    return {"active_rank": _events(value=case(*[(and_(e.c.ended_at.is_(None), e.c.priority == p), literal(n))
                                                for p, n in RANK.items()], else_=literal(0))),
            "unacked_high": _events(e.c.priority == "high", _never_acknowledged()),
            "unacked_medium": _events(e.c.priority == "medium", e.c.ended_at.is_(None), _never_acknowledged())}


_PARTS = {"readings": _reading_state, "alerts": _alert_state}


@lru_cache(maxsize=16)
def _keep_statement(dialect_name: str, part: str, every: bool):
    """INSERT ... SELECT ... ON CONFLICT DO UPDATE of one part of the state, for the sessions in the bound
    list `ids` (every: for every session that has any reading or event)."""
    columns = _PARTS[part]()
    source = select(sessions.c.id, *[value.label(name) for name, value in columns.items()])
    if every:
        source = source.where(or_(exists().where(readings.c.session_id == sessions.c.id),
                                  exists().where(alert_events.c.session_id == sessions.c.id)))
    else:
        source = source.where(sessions.c.id.in_(bindparam("ids", expanding=True)))
    insert = (postgres_insert if dialect_name == "postgresql" else sqlite_insert)(board_state)
    statement = insert.from_select(["session_id", *columns], source)
    return statement.on_conflict_do_update(index_elements=[board_state.c.session_id],
                                           set_={name: statement.excluded[name] for name in columns})


def _keep(conn, part: str, session_ids) -> None:
    ids = sorted({int(i) for i in session_ids})
    if not ids:
        return
    lock(conn, ids)  # worked out only once the sessions' other writers are done, so it sees their rows too
    conn.execute(_keep_statement(conn.dialect.name, part, False), {"ids": ids})


def keep_readings(conn, session_ids) -> None:
    """Within the caller's transaction, after its readings of these sessions are written: their newest reading
    in force and newest blood pressure."""
    _keep(conn, "readings", session_ids)


def keep_alerts(conn, session_ids) -> None:
    """Within the caller's transaction, after alert events or acknowledgements of these sessions are written."""
    _keep(conn, "alerts", session_ids)


def rebuild(conn) -> None:
    """The whole state worked out again from the records (for data loaded around the store, as the benchmarks'
    database is)."""
    for part in _PARTS:
        conn.execute(_keep_statement(conn.dialect.name, part, True))


def state_from_records(conn, session_ids) -> dict[int, tuple]:
    """What board_state must hold for these sessions, worked out from the records themselves:
    {session id: (latest_id, bp_id, active_rank, unacked_high, unacked_medium)}."""
    columns = {**_reading_state(), **_alert_state()}
    query = select(sessions.c.id, *[value.label(name) for name, value in columns.items()]).where(
        sessions.c.id.in_([int(i) for i in session_ids]))
    return {row[0]: tuple(row[1:]) for row in conn.execute(query)}


def stored_state(conn, session_ids) -> dict[int, tuple]:
    """board_state's rows for these sessions, a session without one as (None, None, 0, 0, 0)."""
    s = board_state
    rows = conn.execute(select(s.c.session_id, s.c.latest_id, s.c.bp_id, s.c.active_rank, s.c.unacked_high,
                               s.c.unacked_medium).where(s.c.session_id.in_([int(i) for i in session_ids])))
    found = {row[0]: tuple(row[1:]) for row in rows}
    return {int(i): found.get(int(i), (None, None, 0, 0, 0)) for i in session_ids}


# ---- the board's query ---------------------------------------------------------------------------------------

def _on_board(today):
    # an IN list the (status, session_date) index can serve: an OR of the two cases would scan every session
    return and_(sessions.c.status.in_((*IN_PROGRESS, "planned")),
                or_(sessions.c.status != "planned", sessions.c.session_date == today))


def board_query(today, *, aware: bool = False):
    """The board's statement; today: the clinic's date, or a bind parameter standing for it. Driven from the
    (status, session_date) index of sessions; everything else is one lookup by primary key per session.
    aware (PostgreSQL): the times as timestamptz, which the driver turns into aware datetimes itself."""
    latest, bp, state = readings.alias("latest"), readings.alias("bp"), board_state
    at = (lambda column: func.timezone("UTC", column)) if aware else (lambda column: column)
    return (select(sessions.c.id.label("session_id"), sessions.c.code, patients.c.code.label("patient"),
                   sessions.c.status, sessions.c.session_date, chairs.c.name.label("chair"),
                   sessions.c.protocol_version_id, at(sessions.c.infusion_started_at).label("infusion_started_at"),
                   at(sessions.c.infusion_stopped_at).label("infusion_stopped_at"),
                   at(latest.c.measured_at).label("latest_at"), *[latest.c[k] for k in VITAL_KEYS],
                   at(bp.c.measured_at).label("bp_at"), bp.c.sbp.label("bp_sbp"), bp.c.dbp.label("bp_dbp"),
                   *[func.coalesce(state.c[k], 0).label(k) for k in ("active_rank", "unacked_high", "unacked_medium")])
            .select_from(sessions)
            .outerjoin(state, state.c.session_id == sessions.c.id)
            .outerjoin(latest, latest.c.id == state.c.latest_id)
            .outerjoin(bp, bp.c.id == state.c.bp_id)
            .outerjoin(patients, patients.c.id == sessions.c.patient_id)
            .outerjoin(chairs, chairs.c.id == sessions.c.chair_id)
            .where(_on_board(today)))


_SESSIONS_FROM = "FROM sessions LEFT OUTER JOIN"
_TIMES = ("infusion_started_at", "infusion_stopped_at", "latest_at", "bp_at")


@lru_cache(maxsize=16)
def _statement(dialect) -> str:
    """The query compiled once per dialect (it is polled every few seconds by every open board): its SQL, with
    one parameter standing for the clinic's date. The query's constants are written into the SQL: only the
    date is bound, so PostgreSQL can keep one plan for the prepared statement."""
    query = board_query(_PLACEHOLDER_DAY, aware=dialect.name == "postgresql")
    sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    day = f"'{_PLACEHOLDER_DAY.isoformat()}'"
    assert sql.count(day) == 1, "the board's query no longer names the clinic's date once"
    sql = sql.replace(day, "?" if dialect.paramstyle == "qmark" else "%(today)s")
    if dialect.name == "sqlite":
        # SQLite's statistics know how many statuses there are, not how few sessions are running: told
        # nothing, it scans every session ever held instead of the few in the (status, day) index
        assert sql.count(_SESSIONS_FROM) == 1, "the board's sessions are no longer read in one place"
        sql = sql.replace(_SESSIONS_FROM, "FROM sessions INDEXED BY ix_sessions_status_date LEFT OUTER JOIN")
    return sql


def driver_statement(dialect, today: date) -> tuple[str, tuple | dict]:
    """The board's SQL for this dialect and its parameters for the clinic's date, as the driver takes them."""
    day = today.isoformat()
    return _statement(dialect), (day,) if dialect.paramstyle == "qmark" else {"today": day}


_PLACEHOLDER_DAY = date(1900, 1, 2)  # stands for the clinic's date while compiling; replaced by its parameter
_TIME_AT = tuple(COLUMNS.index(k) for k in _TIMES)
_DATE_AT = COLUMNS.index("session_date")


def board_rows(bind: Bind, today: date) -> list[dict]:
    """One dict per session on the board (in no particular order; core.board orders them): COLUMNS, times aware
    UTC (PostgreSQL's driver makes them so; SQLite's gives their text)."""
    dialect = bind.dialect
    with driver_rows(bind, *driver_statement(dialect, today)) as rows:
        rows = list(rows)
    if dialect.name != "sqlite":
        return [dict(zip(COLUMNS, row)) for row in rows]
    parse = datetime.fromisoformat
    found = []
    for row in rows:
        item = list(row)
        for i in _TIME_AT:
            moment = item[i]
            if moment is not None:  # text parsed with its offset: replace() costs more than the parse
                item[i] = parse(moment + "+00:00")
        item[_DATE_AT] = date.fromisoformat(item[_DATE_AT])
        found.append(dict(zip(COLUMNS, item)))
    return found
