"""Store queries an import needs: sessions by code, and the readings in force it must not store twice."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select

from dashboard.core.vitals import VITAL_KEYS
from dashboard.store import sessions as store_sessions
from dashboard.store.db import Bind, connect, read_frame
from dashboard.store.readings import in_force_filter
from dashboard.store.schema import readings
from dashboard.store.sessions import Session

IN_FORCE_COLUMNS = ("session_id", "measured_at", "bp_method", *VITAL_KEYS)


def sessions_by_code(bind: Bind, codes: list[str]) -> dict[str, Session]:
    """The sessions that exist among these codes (unknown codes are left out)."""
    found: dict[str, Session] = {}
    with connect(bind) as conn:
        for code in codes:
            session = store_sessions.find_session(conn, code)
            if session is not None:
                found[code] = session
    return found


def readings_in_force(bind: Bind, session_ids: list[int]) -> pd.DataFrame:
    """Readings in force of these sessions: session_id, measured_at (UTC), bp_method and the vitals."""
    frames = []
    with connect(bind) as conn:
        for session_id in session_ids:  # one indexed query per session: plain parameters, the fast read path
            query = (select(*[readings.c[c] for c in IN_FORCE_COLUMNS])
                     .where(readings.c.session_id == int(session_id)).where(in_force_filter()))
            found = read_frame(conn, query, IN_FORCE_COLUMNS)
            if len(found):
                frames.append(found)
    if not frames:
        return _EMPTY.copy()
    frame = pd.concat(frames, ignore_index=True)
    frame["session_id"] = frame["session_id"].astype("int64")
    frame["measured_at"] = pd.to_datetime(frame["measured_at"], utc=True, format="ISO8601")
    for key in VITAL_KEYS:
        frame[key] = frame[key].astype("float64")
    frame["bp_method"] = frame["bp_method"].astype(object)
    return frame


_EMPTY = pd.DataFrame({"session_id": pd.Series(dtype="int64"),
                       "measured_at": pd.Series(dtype="datetime64[us, UTC]"),
                       "bp_method": pd.Series(dtype=object),
                       **{key: pd.Series(dtype="float64") for key in VITAL_KEYS}})


def last_reading_id(bind: Bind) -> int:
    """The newest reading's id (0 when none): unchanged means nothing was stored since."""
    with connect(bind) as conn:
        return conn.execute(select(func.max(readings.c.id))).scalar() or 0
