"""Readings: append one, append many in one transaction, correct or void by a new version, read back."""

from __future__ import annotations

import io
from datetime import datetime
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import Connection, bindparam, exists, func, insert, select
from sqlalchemy.exc import IntegrityError

from dashboard.core.clock import utcnow
from dashboard.store.board import keep_readings
from dashboard.store.db import Bind, begin, connect
from dashboard.core.vitals import BP_METHODS, SOURCES, VITAL_KEYS
from dashboard.store.errors import Conflict, NotFound
from dashboard.store.schema import readings

VALUE_COLUMNS = (*VITAL_KEYS, "map_computed")
BULK_COLUMNS = ("session_id", "measured_at", "entered_at", "entered_by", "source", *VITAL_KEYS,
                "map_computed", "bp_method", "note", "entered_in_error", "source_file", "source_line")
FRAME_COLUMNS = ("id", "session_id", "measured_at", *VITAL_KEYS, "map_computed", "bp_method", "note",
                 "source", "entered_at", "entered_by", "supersedes_id", "correction_reason",
                 "entered_in_error", "source_file", "source_line")
_successor = readings.alias("successor")
SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's own text form of a DateTime on SQLite


def current_filter():
    """Versions nobody has replaced yet (a voided reading's current version is the void marker)."""
    return ~exists().where(_successor.c.supersedes_id == readings.c.id)


def in_force_filter():
    """The readings that count: current versions not marked entered in error."""
    return current_filter() & ~readings.c.entered_in_error


def add_reading(bind: Bind, session_id: int, values: dict, *, measured_at: datetime, by: str,
                source: str = "manual", bp_method: str | None = "cuff", note: str | None = None) -> int:
    """Store one validated set of vitals; values holds the keys of VALUE_COLUMNS (None = not measured)."""
    _check_kinds(source, bp_method)
    with begin(bind) as conn:
        return _insert(conn, session_id=session_id, measured_at=measured_at, entered_at=utcnow(),
                       entered_by=by, source=source, bp_method=bp_method if values.get("sbp") is not None else None,
                       note=note or None, **_values(values))


def correct_reading(bind: Bind, reading_id: int, values: dict, *, reason: str, by: str,
                    measured_at: datetime | None = None, note: str | None = None) -> int:
    """A new version of a reading; the original stays, marked as replaced."""
    if not reason or not reason.strip():
        raise Conflict("a correction needs a reason")
    with begin(bind) as conn:
        original = _current_version(conn, reading_id)
        return _insert(conn, session_id=original["session_id"],
                       measured_at=measured_at or original["measured_at"], entered_at=utcnow(),
                       entered_by=by, source="manual", bp_method=original["bp_method"],
                       note=note if note is not None else original["note"],
                       supersedes_id=reading_id, correction_reason=reason.strip(), **_values(values))


def mark_entered_in_error(bind: Bind, reading_id: int, *, reason: str, by: str) -> int:
    """Void a reading: a new version flagged 'entered in error'; nothing is removed."""
    if not reason or not reason.strip():
        raise Conflict("marking a reading as entered in error needs a reason")
    with begin(bind) as conn:
        original = _current_version(conn, reading_id)
        return _insert(conn, session_id=original["session_id"], measured_at=original["measured_at"],
                       entered_at=utcnow(), entered_by=by, source="manual", bp_method=original["bp_method"],
                       note=original["note"], supersedes_id=reading_id, correction_reason=reason.strip(),
                       entered_in_error=True, **{k: original[k] for k in VALUE_COLUMNS})


def _values(values: dict) -> dict:
    out = {k: values.get(k) for k in VITAL_KEYS}
    out["map_computed"] = bool(values.get("map_computed", False))
    return out


def _check_kinds(source: str, bp_method: str | None) -> None:
    if source not in SOURCES:
        raise Conflict(f"unknown source {source!r}: one of {', '.join(SOURCES)}")
    if bp_method is not None and bp_method not in BP_METHODS:
        raise Conflict(f"unknown BP method {bp_method!r}: one of {', '.join(BP_METHODS)}")


def _insert(conn: Connection, **row) -> int:
    try:
        reading_id = conn.execute(insert(readings).values(**row).returning(readings.c.id)).scalar_one()
    except IntegrityError:
        raise Conflict("this reading was corrected meanwhile by someone else: reload and try again") from None
    keep_readings(conn, [row["session_id"]])
    return reading_id


def _current_version(conn: Connection, reading_id: int) -> dict:
    row = conn.execute(select(readings).where(readings.c.id == reading_id)).mappings().first()
    if row is None:
        raise NotFound(f"reading {reading_id} does not exist")
    successor = conn.execute(select(readings.c.id).where(readings.c.supersedes_id == reading_id)).scalar()
    if successor is not None:
        raise Conflict(f"reading {reading_id} was already replaced by reading {successor}: correct that one")
    if row["entered_in_error"]:
        raise Conflict(f"reading {reading_id} is marked entered in error")
    return dict(row)


def add_readings(bind: Bind, frame: pd.DataFrame, *, by: str, source: str = "file") -> int:
    """Append many readings in one transaction (all or nothing) on the database's bulk path.

    frame: session_id, measured_at (tz-aware) and any of the vitals, map_computed, bp_method, note,
    source_file, source_line.
    """
    _check_kinds(source, None)
    n = len(frame)
    if n == 0:
        return 0
    bulk = pd.DataFrame(index=frame.index)
    bulk["session_id"] = frame["session_id"].astype("int64")
    bulk["measured_at"] = pd.to_datetime(frame["measured_at"], utc=True).dt.tz_localize(None)
    bulk["entered_at"] = pd.Timestamp(utcnow()).tz_localize(None)
    bulk["entered_by"] = by
    bulk["source"] = source
    for key in VITAL_KEYS:
        bulk[key] = frame[key].astype("float64") if key in frame else np.nan
    bulk["map_computed"] = frame["map_computed"].astype(bool) if "map_computed" in frame else False
    for key in ("bp_method", "note", "source_file"):
        bulk[key] = frame[key] if key in frame else None
    bulk["entered_in_error"] = False
    bulk["source_line"] = frame["source_line"].astype("Int64") if "source_line" in frame else None
    bulk = bulk[list(BULK_COLUMNS)]
    with begin(bind) as conn:
        if conn.dialect.name == "postgresql":
            _copy_postgres(conn, bulk)
        else:
            _executemany_sqlite(conn, bulk)
        keep_readings(conn, bulk["session_id"].unique().tolist())
    return n


def _executemany_sqlite(conn: Connection, bulk: pd.DataFrame) -> None:
    # Written in SQLAlchemy's text form, so every writer's timestamps compare equal.
    bulk["measured_at"] = bulk["measured_at"].dt.strftime(SQLITE_TIME)
    bulk["entered_at"] = bulk["entered_at"].iloc[0].strftime(SQLITE_TIME)  # one time for the whole batch
    bulk["map_computed"] = bulk["map_computed"].astype(int)
    bulk["entered_in_error"] = 0
    columns = [_as_list(bulk[name]) for name in BULK_COLUMNS]
    placeholders = ", ".join("?" * len(BULK_COLUMNS))
    conn.exec_driver_sql(f"INSERT INTO readings ({', '.join(BULK_COLUMNS)}) VALUES ({placeholders})",  # noqa: S608
                         list(zip(*columns, strict=True)))


def _as_list(column: pd.Series) -> list:
    """Python values for the driver, None where pandas has NaN/NA."""
    if column.isna().any():
        return column.astype(object).where(column.notna(), None).tolist()
    return column.tolist()


def _copy_postgres(conn: Connection, bulk: pd.DataFrame) -> None:
    # pyarrow writes the CSV (pandas' writer costs more than the COPY itself): strings quoted, NULL unquoted
    # empty, timestamps as naive UTC text to the microsecond (the columns hold naive UTC)
    table = pa.Table.from_pandas(bulk, preserve_index=False)
    for name in ("measured_at", "entered_at"):
        as_us = pc.cast(table[name], pa.timestamp("us"), safe=False)  # written as 2026-01-01 10:00:05.250000
        table = table.set_column(table.schema.get_field_index(name), name, as_us)
    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer, write_options=pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    cursor = conn.connection.driver_connection.cursor()
    with cursor.copy(f"COPY readings ({', '.join(BULK_COLUMNS)}) FROM STDIN WITH (FORMAT csv)") as copy:
        copy.write(buffer.getvalue())


def reading_versions(bind: Bind, reading_ids: list[int]) -> pd.DataFrame:
    """Given versions by id, whatever their state."""
    query = select(*[readings.c[c] for c in FRAME_COLUMNS]).where(readings.c.id.in_(reading_ids))
    with connect(bind) as conn:
        return pd.DataFrame(conn.execute(query).all(), columns=list(FRAME_COLUMNS))


def reading_fields(bind: Bind, reading_id: int) -> dict:
    """One version's stored fields that hold a value (what the audit log keeps of it); empty if none."""
    with connect(bind) as conn:
        row = conn.execute(_VERSION_BY_ID, {"reading_id": reading_id}).first()
    return {} if row is None else {k: v for k, v in row._mapping.items() if v is not None}


_VERSION_BY_ID = select(*[readings.c[c] for c in FRAME_COLUMNS]).where(readings.c.id == bindparam("reading_id"))


def sessions_readings(bind: Bind, session_ids: list[int]) -> pd.DataFrame:
    """Readings in force of several sessions at once (for evaluating alerts over them)."""
    frames = [session_readings(bind, sid) for sid in session_ids]
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else session_readings(bind, -1)


def session_readings(bind: Bind, session_id: int, *, history: bool = False) -> pd.DataFrame:
    """Readings of a session in time order: current valid versions, or every version with history.

    With history, 'is_current' marks the versions in force and 'replaced_by' names a successor.
    """
    sql, positional = _session_readings_sql(bind.dialect, history)
    with connect(bind) as conn:
        rows = conn.exec_driver_sql(sql, (session_id,) if positional else {"session_id": session_id}).fetchall()
    frame = _readings_frame(rows)
    if history:
        successors = frame.dropna(subset=["supersedes_id"]).set_index(
            frame["supersedes_id"].dropna().astype("int64"))["id"]
        frame["replaced_by"] = frame["id"].map(successors).astype("Int64")
        frame["is_current"] = frame["replaced_by"].isna()
    return frame


_TIME_COLUMNS = ("measured_at", "entered_at")
_BOOL_COLUMNS = ("map_computed", "entered_in_error")
_INT_COLUMNS = ("supersedes_id", "source_line")


@lru_cache(maxsize=16)
def _session_readings_sql(dialect, history: bool) -> tuple[str, bool]:
    """session_readings' statement compiled once per dialect (it runs on every save and every page draw): its
    SQL and whether its one parameter, the session id, is positional."""
    query = select(*[readings.c[c] for c in FRAME_COLUMNS]).where(readings.c.session_id == bindparam("session_id"))
    if not history:
        query = query.where(in_force_filter())
    compiled = query.order_by(readings.c.measured_at, readings.c.id).compile(dialect=dialect)
    assert list(compiled.positiontup or compiled.params) == ["session_id"]
    return str(compiled), compiled.positional


def _readings_frame(rows: list) -> pd.DataFrame:
    """FRAME_COLUMNS from the driver's rows, each column made in its type once (times aware UTC, vitals
    float64, ids nullable Int64, flags bool)."""
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in FRAME_COLUMNS]
    data: dict = {}
    for name, values in zip(FRAME_COLUMNS, columns, strict=True):
        if name in _TIME_COLUMNS:
            data[name] = pd.to_datetime(pd.Series(values, dtype=object), utc=True, format="ISO8601")
        elif name in VITAL_KEYS:
            data[name] = np.array(values, dtype="float64")
        elif name in _INT_COLUMNS:
            data[name] = pd.array(values, dtype="Int64")
        elif name in _BOOL_COLUMNS:
            data[name] = np.array(values, dtype=bool)
        else:
            data[name] = list(values)
    return pd.DataFrame(data, columns=list(FRAME_COLUMNS))


def reading_counts(bind: Bind) -> dict[int, int]:
    """Readings in force per session (a corrected reading counts once, a voided one not at all)."""
    with connect(bind) as conn:
        rows = conn.execute(select(readings.c.session_id, func.count()).where(in_force_filter())
                            .group_by(readings.c.session_id)).all()
    return dict(rows)
