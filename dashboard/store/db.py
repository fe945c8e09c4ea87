"""Engines per database URL, transactions safe for many writers, named locks, and migrating under a lock."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from threading import Lock

from alembic import command
from alembic.config import Config
import pandas as pd
from sqlalchemy import Connection, Engine, Select, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_engines: dict[str, Engine] = {}
_lock = Lock()


def normalise_url(url: str) -> str:
    """Accept the usual forms (postgres://, postgresql://) and use the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


BUSY_TIMEOUT_S = 60  # how long an SQLite writer waits for another's transaction before giving up
WRITE = "iv_write"  # execution option: this transaction will write (SQLite takes the write lock at BEGIN)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # The driver opens no transaction by itself; _sqlite_begin does, so a writer's BEGIN can be IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")  # first: switching to WAL may wait too
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    """A writing unit takes SQLite's write lock at BEGIN (waiting its turn under the busy timeout). A deferred
    transaction that reads and then writes fails at once with 'database is locked' when another writer
    committed in between, and no busy timeout helps it; readers stay deferred and never wait for writers (WAL)."""
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")


def _postgres_session(dbapi_connection, _record) -> None:
    """The session's time zone is UTC, as the stored times are: a time the server hands over with its zone
    (timestamptz) arrives aware in UTC, made so by the driver."""
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    try:
        dbapi_connection.execute("SET TIME ZONE 'UTC'")
    finally:
        dbapi_connection.autocommit = autocommit


_UNCHECKED = ContextVar("iv_unchecked_checkout", default=False)


def _ping_on_checkout(dialect):
    """What pool_pre_ping does: a pooled PostgreSQL connection is tried before it is handed out, so one left
    dead by a server restart or failover is replaced instead of failing the write it was taken for. Skipped
    for a read that retries by itself (driver_rows): the board, polled every few seconds by every open screen,
    would otherwise pay a round trip for it on every poll."""
    def ping(dbapi_connection, _record, _proxy) -> None:
        if _UNCHECKED.get():
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            raise DisconnectionError(str(error)) from error  # the pool connects anew and tries again
    return ping


def get_engine(url: str) -> Engine:
    """One engine per URL for the whole process."""
    url = normalise_url(url)
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            parsed = make_url(url)
            if parsed.get_backend_name() == "sqlite":
                if parsed.database and parsed.database != ":memory:":
                    Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
                engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})
                event.listen(engine, "connect", _sqlite_pragmas)
                event.listen(engine, "begin", _sqlite_begin)
            else:
                engine = create_engine(url)
                event.listen(engine, "connect", _postgres_session)
                event.listen(engine, "checkout", _ping_on_checkout(engine.dialect))
            event.listen(engine, "commit", _run_on_commit)
            event.listen(engine, "rollback", _drop_on_commit)
            _engines[url] = engine
        return engine


def dispose(url: str) -> None:
    """Close an engine's connections and forget it (a test database about to be thrown away)."""
    with _lock:
        engine = _engines.pop(normalise_url(url), None)
    if engine is not None:
        engine.dispose()


def dispose_all() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Bring the database at url to the newest schema (creates it when empty).

    Under a lock: processes started together on a fresh database migrate it once, the others wait and find
    it up to date."""
    engine = get_engine(url)
    with begin(engine) as connection:
        hold(connection, "migrate")
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


Bind = Engine | Connection


@contextmanager
def begin(bind: Bind) -> Iterator[Connection]:
    """A transaction of its own on an engine, or the caller's on a connection (one unit of work that writes)."""
    if isinstance(bind, Connection):
        yield bind
    else:
        with bind.connect() as conn:
            conn.execution_options(**{WRITE: True})
            with conn.begin():
                yield conn


ON_COMMIT = "iv_on_commit"


def on_commit(conn: Connection, fn) -> None:
    """Call fn() when the caller's transaction commits; never when it rolls back (a log line for a change
    that was not kept would mislead)."""
    conn.info.setdefault(ON_COMMIT, []).append(fn)


def _run_on_commit(conn: Connection) -> None:
    for fn in conn.info.pop(ON_COMMIT, []):
        fn()


def _drop_on_commit(conn: Connection) -> None:
    conn.info.pop(ON_COMMIT, None)


def hold(conn: Connection, name: str) -> None:
    """Wait for, then hold until the transaction ends, the lock called name: two units that must not run at
    once (storing the presets, giving the next session code) take turns. PostgreSQL: an advisory lock;
    SQLite: every writing transaction already holds the database's one write lock from its BEGIN."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": zlib.crc32(f"iv:{name}".encode())})


@contextmanager
def connect(bind: Bind) -> Iterator[Connection]:
    if isinstance(bind, Connection):
        yield bind
    else:
        with bind.connect() as conn:
            yield conn


@contextmanager
def driver_rows(bind: Bind, sql: str, params) -> Iterator[list[tuple]]:
    """Rows of one read straight through the database driver, on a pooled connection: no SQLAlchemy result,
    transaction or event handling (for a read polled every few seconds by every open screen). One statement
    reads one snapshot by itself, so it runs outside a transaction: SQLite in its own read snapshot,
    PostgreSQL in autocommit. There that saves the BEGIN and ROLLBACK round trips and keeps the statement
    prepared on the connection (psycopg prepares a statement run often, and forgets all it prepared at a
    ROLLBACK, which the pool sends when a connection in a transaction comes back). The connection is not
    checked before use (a round trip on every poll): one found dead is dropped and the read made once more
    on a checked one."""
    if isinstance(bind, Connection):
        cursor = bind.connection.driver_connection.cursor()
        try:
            yield cursor.execute(sql, params).fetchall()
        finally:
            cursor.close()
        return
    try:
        rows = _fetch_outside(bind, sql, params, checked=False)
    except bind.dialect.loaded_dbapi.OperationalError:  # a pooled connection left dead: once more, tried first
        rows = _fetch_outside(bind, sql, params, checked=True)
    yield rows


def _fetch_outside(engine: Engine, sql: str, params, *, checked: bool) -> list[tuple]:
    """One read on a pooled connection outside any transaction; a connection found dead is dropped from the
    pool before the error goes on."""
    token = _UNCHECKED.set(not checked)
    try:
        raw = engine.raw_connection()
    finally:
        _UNCHECKED.reset(token)
    driver = raw.driver_connection
    outside = engine.dialect.name == "postgresql" and not driver.autocommit
    try:
        if outside:
            driver.autocommit = True  # a connection just checked out is idle: no transaction to leave
        cursor = driver.cursor()
        try:
            return cursor.execute(sql, params).fetchall()
        finally:
            cursor.close()
    except engine.dialect.loaded_dbapi.OperationalError:
        if engine.dialect.name == "postgresql" and driver.closed:
            raw.invalidate()
        raise
    finally:
        try:
            if outside and not driver.closed:
                driver.autocommit = False
        finally:
            raw.close()


def read_frame(conn: Connection, query: Select, columns: tuple[str, ...]) -> pd.DataFrame:
    """Rows straight from the driver into columns: no per-value result processing (the hot read path).

    Only for queries whose parameters are plain ints, floats or strings; the caller converts the
    columns' types (timestamps come back as text on SQLite, naive UTC datetimes on PostgreSQL).
    """
    compiled = query.compile(dialect=conn.dialect)
    values = [compiled.params[name] for name in (compiled.positiontup or compiled.params)]
    if not all(isinstance(v, (int, float, str)) for v in values):
        raise TypeError("read_frame takes plain int, float or str parameters only")
    params = tuple(values) if compiled.positional else dict(compiled.params)
    rows = conn.exec_driver_sql(str(compiled), params).fetchall()
    data = list(zip(*rows, strict=True)) if rows else [[] for _ in columns]
    return pd.DataFrame(dict(zip(columns, data, strict=True)), columns=list(columns))
