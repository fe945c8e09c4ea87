"""Importing vitals files for a signed-in actor: preview, then store all or nothing, audited, never twice."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine

from dashboard.core.clock import utcnow
from dashboard.core.csvfile import ImportOptions, ImportProblem, ParsedFile, export_csv, parse_file, template_csv
from dashboard.core.csvfile.parse import Progress
from dashboard.core.roles import Actor
from dashboard.core.validation import check_times
from dashboard.core.vitals import VITAL_KEYS
from dashboard.store import audit
from dashboard.store import imports as store_imports
from dashboard.store import readings as store_readings
from dashboard.store.db import begin, connect
from dashboard.store.errors import NotFound
from dashboard.store.sessions import Session


COMMIT_CHUNK = 100_000  # readings per add_readings call, all inside the one transaction


@dataclass(frozen=True)
class ImportReport:
    """What an import did (or, for a dry run, would do); every line read is accepted or rejected."""

    file_name: str
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    readings_stored: int
    readings_to_store: int
    duplicates_skipped: int
    sessions: tuple[tuple[str, int], ...]  # (session code, readings stored or to store)
    problems: tuple[ImportProblem, ...]
    problems_total: int
    notes: tuple[str, ...]
    dry_run: bool

    def as_dict(self) -> dict:
        return {
            "file": self.file_name, "dry_run": self.dry_run, "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted, "rows_rejected": self.rows_rejected,
            "readings_stored": self.readings_stored, "readings_to_store": self.readings_to_store,
            "duplicates_skipped": self.duplicates_skipped,
            "sessions": [{"code": code, "readings_stored" if not self.dry_run else "readings_to_store": n}
                         for code, n in self.sessions],
            "problems": [p.as_dict() for p in self.problems], "problems_total": self.problems_total,
            "notes": list(self.notes),
        }


@dataclass(frozen=True, eq=False)
class ImportPreview:
    """A parsed file checked against the store: what would be stored, and every problem found."""

    source: ParsedFile  # the file as read, before the store's checks (commit checks again from here)
    parsed: ParsedFile  # with unknown sessions, out-of-session times and conflicts with stored readings
    sessions: dict[str, Session]
    to_store: pd.DataFrame  # the readings not stored yet, with session_id
    duplicates_stored: int  # readings already stored with the same values
    store_state: tuple = ()  # what the checks depended on: the newest reading id and the sessions as read

    @property
    def duplicates_skipped(self) -> int:
        return self.duplicates_stored + int(self.parsed.counts.get("duplicates_in_file", 0))

    def report(self, *, stored: int = 0, dry_run: bool = True) -> ImportReport:
        categories, codes = _session_codes(self.to_store)
        counts = dict(zip(categories, np.bincount(codes[codes >= 0], minlength=len(categories)).tolist(), strict=True))
        p = self.parsed
        return ImportReport(
            file_name=p.file_name, rows_read=p.rows_read, rows_accepted=p.rows_accepted,
            rows_rejected=p.rows_rejected, readings_stored=stored, readings_to_store=len(self.to_store),
            duplicates_skipped=self.duplicates_skipped,
            sessions=tuple((code, int(counts.get(code, 0))) for code in sorted(self.sessions)),
            problems=p.problems, problems_total=p.problems_total, notes=p.notes, dry_run=dry_run)


class Imports:
    """Every import of vitals files goes through here (page and command line alike)."""

    def __init__(self, engine: Engine, actor: Actor, tz: str = "UTC"):
        self.engine, self.actor, self.tz = engine, actor, tz

    def template(self) -> str:
        return template_csv()

    def preview(self, source: bytes | str | Path | BinaryIO, *, file_name: str | None = None,
                options: ImportOptions | None = None, progress: Progress | None = None) -> ImportPreview:
        """Read the file and check it against the store; nothing is stored. Raises UnusableFile."""
        self.actor.require("reading.write")
        options = options or ImportOptions()
        options = replace(options, tz=options.tz or self.tz)
        parsed = parse_file(source, options, file_name=file_name, progress=progress)
        with connect(self.engine) as conn:
            preview = self._check(conn, parsed)
        if progress:
            progress(1.0, "checked")
        return preview

    def commit(self, preview: ImportPreview) -> ImportReport:
        """Store the file's new readings in one transaction with its audit entry: all or nothing."""
        self.actor.require("reading.write")
        with begin(self.engine) as conn:
            checked = preview
            if _store_state(conn, preview.sessions) != preview.store_state:
                checked = self._check(conn, preview.source)  # the store changed since the preview: check again
            frame = checked.to_store
            frame["source_file"] = checked.parsed.file_name
            stored = 0
            for first in range(0, len(frame), COMMIT_CHUNK):  # one transaction; smaller batches hold less memory
                stored += store_readings.add_readings(conn, frame.iloc[first:first + COMMIT_CHUNK],
                                                      by=self.actor.username, source="file")
            report = checked.report(stored=stored, dry_run=False)
            session_ids = sorted({s.id for s in checked.sessions.values()})
            audit.record(conn, self.actor, "import.commit", "import", checked.parsed.file_name[:40],
                         session_id=session_ids[0] if len(session_ids) == 1 else None,
                         after={"file": report.file_name, "rows_read": report.rows_read,
                                "rows_accepted": report.rows_accepted, "rows_rejected": report.rows_rejected,
                                "readings_stored": stored, "duplicates_skipped": report.duplicates_skipped,
                                "sessions": dict(report.sessions), "encoding": checked.parsed.encoding,
                                "time": checked.parsed.time.description,
                                "mapping": checked.parsed.mapping.named()})
        return report

    def export(self, session_code: str) -> str:
        """A session's readings in force, in the template's columns (formula-looking text neutralised)."""
        self.actor.require("session.read")
        session = store_imports.sessions_by_code(self.engine, [session_code]).get(session_code)
        if session is None:
            raise NotFound(f"no session with code {session_code!r}")
        readings = store_readings.session_readings(self.engine, session.id)
        return export_csv(readings, session_code=session.code, tz=self.tz)

    # the store's checks
    def _reference(self, session: Session) -> datetime:
        """As for a typed entry (Records._reference): infusion start, else the session day's midnight."""
        return session.infusion_started_at or datetime.combine(session.session_date, time(0),
                                                               tzinfo=ZoneInfo(self.tz))

    def _check(self, conn: Connection, source: ParsedFile) -> ImportPreview:
        readings = source.readings
        categories, codes = _session_codes(readings)
        present = [categories[i] for i in np.unique(codes[codes >= 0])]
        sessions = store_imports.sessions_by_code(conn, present)
        problems: list[ImportProblem] = []
        column = " + ".join(source.time.columns)
        session_column = source.mapping.header("session") or "session"
        lines = readings["source_line"].to_numpy()
        now = utcnow()
        for code in present:
            rows = np.flatnonzero(codes == categories.index(code))
            if code not in sessions:
                problems += [ImportProblem(int(line), session_column, code,
                                           f"session '{code}' does not exist: create it first (on the Record page)")
                             for line in np.unique(lines[rows])]
                continue
            moments = readings["measured_at"].iloc[rows].reset_index(drop=True)
            for p in check_times(moments, reference=self._reference(sessions[code]), now=now):
                problems.append(ImportProblem(int(lines[rows[p.row]]), column, None, p.reason))
        parsed = source.reject(_unique(problems))
        state = (store_imports.last_reading_id(conn), tuple(sorted(sessions.items())))  # as _store_state
        to_store, duplicates, conflicts = self._against_stored(conn, parsed, sessions)
        if conflicts:
            parsed = parsed.reject(conflicts)
            gone = {p.line for p in conflicts}
            to_store = to_store[~to_store["source_line"].isin(gone)].reset_index(drop=True)
        return ImportPreview(source, parsed, sessions, to_store, duplicates, state)

    def _against_stored(self, conn: Connection, parsed: ParsedFile, sessions: dict[str, Session]
                        ) -> tuple[pd.DataFrame, int, list[ImportProblem]]:
        """Readings already in force at the same session, time and method: same values skip, others conflict."""
        readings = parsed.readings
        ids = {code: s.id for code, s in sessions.items()}
        categories, codes = _session_codes(readings)
        id_of = np.array([ids.get(code, -1) for code in categories] + [-1], dtype=np.int64)
        frame = readings.assign(session_id=id_of[codes])  # code -1 (none) takes the last entry
        existing = store_imports.readings_in_force(conn, sorted(set(ids.values())))
        if existing.empty or frame.empty:
            return frame, 0, []
        key = ["session_id", "measured_at", "bp_method"]
        left = frame[key + list(VITAL_KEYS)].assign(_pos=np.arange(len(frame)))
        left["bp_method"] = left["bp_method"].fillna("")
        right = existing.assign(bp_method=existing["bp_method"].fillna(""))
        right["measured_at"] = right["measured_at"].astype(left["measured_at"].dtype)
        pairs = left.merge(right, on=key, suffixes=("", "_stored"))
        if pairs.empty:
            return frame, 0, []
        a = pairs[list(VITAL_KEYS)].to_numpy(dtype="float64")
        b = pairs[[f"{k}_stored" for k in VITAL_KEYS]].to_numpy(dtype="float64")
        same = (np.isclose(a, b, rtol=0, atol=1e-6) | (np.isnan(a) & np.isnan(b))).all(axis=1)
        by_position = pd.Series(same).groupby(pairs["_pos"].to_numpy()).any()
        duplicate_pos = by_position[by_position].index.to_numpy()
        conflict_pos = by_position[~by_position].index.to_numpy()
        column = " + ".join(parsed.time.columns)
        conflicts = [ImportProblem(int(frame["source_line"].iloc[pos]), column, None,
                                   f"a different reading for this time ({frame['bp_method'].iloc[pos] or 'no BP'}) "
                                   "is already stored: correct that one on the Record page instead")
                     for pos in conflict_pos]
        keep = np.ones(len(frame), bool)
        keep[duplicate_pos] = False
        return frame[keep].reset_index(drop=True), int(len(duplicate_pos)), conflicts


def _store_state(conn: Connection, sessions: dict[str, Session]) -> tuple:
    """The newest reading id and the sessions as stored now: equal to a preview's, its checks still hold."""
    current = store_imports.sessions_by_code(conn, sorted(sessions))
    return (store_imports.last_reading_id(conn), tuple(sorted(current.items())))


def _session_codes(readings: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    """The session codes of a readings frame as (categories, integer code per row; -1 = none)."""
    session = readings["session"]
    if not isinstance(session.dtype, pd.CategoricalDtype):
        session = session.astype(str).astype("category")
    return [str(c) for c in session.cat.categories], session.cat.codes.to_numpy().astype(np.int64)


def _unique(problems: list[ImportProblem]) -> list[ImportProblem]:
    return list(dict.fromkeys(problems))
