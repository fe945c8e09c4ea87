"""Engines per database URL, and migrating a database to the current schema with Alembic."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from threading import Lock

from alembic import command
from alembic.config import Config
import pandas as pd
from sqlalchemy import Connection, Engine, Select, create_engine, event
from sqlalchemy.engine import make_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_engines: dict[str, Engine] = {}
_lock = Lock()


def normalise_url(url: str) -> str:
    """Accept the usual forms (postgres://, postgresql://) and use the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


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
                engine = create_engine(url)
                event.listen(engine, "connect", _sqlite_pragmas)
            else:
                engine = create_engine(url, pool_pre_ping=True)
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
    """Bring the database at url to the newest schema (creates it when empty)."""
    engine = get_engine(url)
    with engine.begin() as connection:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


Bind = Engine | Connection


@contextmanager
def begin(bind: Bind) -> Iterator[Connection]:
    """A transaction of its own on an engine, or the caller's on a connection (one unit of work)."""
    if isinstance(bind, Connection):
        yield bind
    else:
        with bind.begin() as conn:
            yield conn


@contextmanager
def connect(bind: Bind) -> Iterator[Connection]:
    if isinstance(bind, Connection):
        yield bind
    else:
        with bind.connect() as conn:
            yield conn


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
