"""Importing vitals files for a signed-in actor: preview, then store all or nothing, audited, never twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, time
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine

from dashboard import oplog
from dashboard.core.clock import utcnow
from dashboard.core.csvfile import ImportOptions, ImportProblem, ParsedFile, export_csv, parse_file, template_csv
from dashboard.core.csvfile.decode import MAX_BYTES
from dashboard.core.csvfile.parse import Progress
from dashboard.core.csvfile.problems import Batch, fixed
from dashboard.core.roles import Actor
from dashboard.core.validation import FUTURE_TOLERANCE, SESSION_WINDOW_AFTER, SESSION_WINDOW_BEFORE
from dashboard.core.vitals import VITAL_KEYS
from dashboard.services import alerting
from dashboard.store import audit
from dashboard.store import imports as store_imports
from dashboard.store import readings as store_readings
from dashboard.store import sessions as store_sessions
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
    problems: tuple[ImportProblem, ...]  # the first ones (MAX_PROBLEMS_SHOWN), in the file's order
    problems_total: int
    problems_by_reason: dict[str, int]  # reason code -> exact count
    values_rejected: int  # measurements rejected on lines whose other measurements may be kept (a BP counts once)
    notes: tuple[str, ...]
    dry_run: bool
    alerts_raised: int = 0  # alerts the stored readings raised (0 for a dry run)
    parsed: ParsedFile | None = field(default=None, repr=False, compare=False)  # for writing the rejected rows

    def as_dict(self) -> dict:
        return {
            "file": self.file_name, "dry_run": self.dry_run, "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted, "rows_rejected": self.rows_rejected,
            "readings_stored": self.readings_stored, "readings_to_store": self.readings_to_store,
            "duplicates_skipped": self.duplicates_skipped,
            "sessions": [{"code": code, "readings_stored" if not self.dry_run else "readings_to_store": n}
                         for code, n in self.sessions],
            "values_rejected": self.values_rejected,
            "problems": [p.as_dict() for p in self.problems], "problems_total": self.problems_total,
            "problems_by_reason": dict(self.problems_by_reason),
            "notes": list(self.notes), "alerts_raised": self.alerts_raised,
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
    whole_file: Callable[[], ParsedFile] | None = None  # reads the whole file, when the preview read its start only
    in_force: pd.DataFrame | None = None  # the sessions' readings in force when checked (as readings_in_force)

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
            problems=p.problems, problems_total=p.problems_total, problems_by_reason=p.problems_by_reason,
            values_rejected=int(p.counts.get("values_rejected", 0)), notes=p.notes, dry_run=dry_run, parsed=p)


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
        if hasattr(source, "read"):  # a stream is read once: keep its bytes for the commit
            source = source.read(MAX_BYTES + 1)
        parsed = parse_file(source, options, file_name=file_name, progress=progress)
        with connect(self.engine) as conn:
            preview = self._check(conn, parsed)
        if parsed.truncated:
            whole = replace(options, max_lines=None)
            preview = replace(preview, whole_file=lambda: parse_file(source, whole, file_name=file_name))
        if progress:
            progress(1.0, "checked")
        return preview

    def commit(self, preview: ImportPreview) -> ImportReport:
        """Store the file's new readings in one transaction with its audit entry: all or nothing."""
        self.actor.require("reading.write")
        if preview.whole_file is not None:  # the preview read the start of the file: commit reads all of it
            parsed = preview.whole_file()
            with connect(self.engine) as conn:
                preview = self._check(conn, parsed)
        with begin(self.engine) as conn:
            # The same file imported twice at once: the second waits here, then finds the first's readings
            store_sessions.lock(conn, [s.id for s in preview.sessions.values()])
            checked = preview
            if _store_state(conn, preview.sessions) != preview.store_state:
                checked = self._check(conn, preview.source)  # the store changed since the preview: check again
            frame = checked.to_store
            frame["source_file"] = checked.parsed.file_name
            stored = 0
            for first in range(0, len(frame), COMMIT_CHUNK):  # one transaction; smaller batches hold less memory
                stored += store_readings.add_readings(conn, frame.iloc[first:first + COMMIT_CHUNK],
                                                      by=self.actor.username, source="file")
            session_ids = sorted({s.id for s in checked.sessions.values()})
            # as after a typed entry: each session's stored alerts match its readings, here evaluated from the
            # readings in force as checked plus those just stored (an import only adds readings): reading a
            # million rows back would cost more than storing them
            raised = len(alerting.refresh_sessions(conn, _touched(frame), self.actor,
                                                   readings=_in_force_after(checked, frame)))
            report = replace(checked.report(stored=stored, dry_run=False), alerts_raised=raised)
            audit.record(conn, self.actor, "import.commit", "import", checked.parsed.file_name[:40],
                         session_id=session_ids[0] if len(session_ids) == 1 else None,
                         after={"file": report.file_name, "rows_read": report.rows_read,
                                "rows_accepted": report.rows_accepted, "rows_rejected": report.rows_rejected,
                                "values_rejected": report.values_rejected,
                                "readings_stored": stored, "duplicates_skipped": report.duplicates_skipped,
                                "alerts_raised": raised,
                                "sessions": dict(report.sessions), "encoding": checked.parsed.encoding,
                                "time": checked.parsed.time.description,
                                "mapping": checked.parsed.mapping.named()})
        oplog.event("import", user=self.actor.username, file=report.file_name, rows_read=report.rows_read,
                    rows_rejected=report.rows_rejected, readings_stored=stored,
                    duplicates_skipped=report.duplicates_skipped, sessions=dict(report.sessions),
                    alerts_raised=raised)
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
        batches: list[Batch] = []
        column = " + ".join(source.time.columns)
        session_column = source.mapping.header("session") or "session"
        lines = readings["source_line"].to_numpy()
        times = readings["measured_at"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
        now = pd.Timestamp(utcnow()).tz_convert("UTC").tz_localize(None).to_datetime64()
        for code in present:
            rows = np.flatnonzero(codes == categories.index(code))
            if code not in sessions:
                batches.append(_batch(source, np.unique(lines[rows]), session_column, "unknown_session", fixed(
                    f"session '{code}' does not exist: create it first (on the Record page)")))
                continue
            batches += _window(source, lines[rows], times[rows], column, self._reference(sessions[code]), now,
                               sessions[code].discharged_at, self.tz)
        parsed = source.reject(batches)
        state = (store_imports.last_reading_id(conn), tuple(sorted(sessions.items())))  # as _store_state
        existing = store_imports.readings_in_force(conn, sorted({s.id for s in sessions.values()}))
        to_store, duplicates, conflicts = self._against_stored(parsed, sessions, existing)
        if conflicts:
            parsed = parsed.reject(conflicts)
            gone = parsed.lines[np.unique(np.concatenate([b.rows for b in conflicts]))]
            to_store = to_store[~to_store["source_line"].isin(gone)].reset_index(drop=True)
        return ImportPreview(source, parsed, sessions, to_store, duplicates, state, in_force=existing)

    def _against_stored(self, parsed: ParsedFile, sessions: dict[str, Session], existing: pd.DataFrame
                        ) -> tuple[pd.DataFrame, int, list[Batch]]:
        """Readings already in force at the same session, time and method: same values skip, others conflict."""
        readings = parsed.readings
        ids = {code: s.id for code, s in sessions.items()}
        categories, codes = _session_codes(readings)
        id_of = np.array([ids.get(code, -1) for code in categories] + [-1], dtype=np.int64)
        frame = readings.assign(session_id=id_of[codes])  # code -1 (none) takes the last entry
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
        methods = frame["bp_method"].to_numpy()[conflict_pos]
        conflicts = [_batch(parsed, frame["source_line"].to_numpy()[conflict_pos], column, "conflict_with_stored",
                            lambda at: [f"a different reading for this time ({methods[i] or 'no BP'}) is already "
                                        "stored: correct that one on the Record page instead" for i in at])]
        keep = np.ones(len(frame), bool)
        keep[duplicate_pos] = False
        return frame[keep].reset_index(drop=True), int(len(duplicate_pos)), conflicts


def _in_force_after(checked: ImportPreview, stored: pd.DataFrame) -> pd.DataFrame | None:
    """The checked sessions' readings in force once `stored` is added (None: read them from the store)."""
    if checked.in_force is None:
        return None
    added = stored[list(store_imports.IN_FORCE_COLUMNS)].copy()
    added["measured_at"] = pd.to_datetime(added["measured_at"], utc=True)
    added["session_id"] = added["session_id"].astype("int64")
    return pd.concat([checked.in_force, added], ignore_index=True) if len(checked.in_force) else added


def _batch(parsed: ParsedFile, lines: np.ndarray, column: str, code: str, text) -> Batch:
    """A problem rejecting these lines (physical numbers) of the file."""
    position = parsed.columns.index(column) if column in parsed.columns else -1
    return Batch(parsed.rows_of(lines), column, position, code, text)


def _window(parsed: ParsedFile, lines: np.ndarray, times: np.ndarray, column: str, reference: datetime,
            now: np.datetime64, discharged_at: datetime | None, tz: str) -> list[Batch]:
    """Times outside the session they go into, as for a typed entry (validation.check_times and the
    discharge check of Records), on whole arrays (times: naive UTC); the reasons give clinic time."""
    def utc(moment: datetime) -> pd.Timestamp:
        return pd.Timestamp(moment).tz_convert("UTC").tz_localize(None)
    ref = utc(reference)
    future = times > now + FUTURE_TOLERANCE
    early = times < (ref - SESSION_WINDOW_BEFORE).to_datetime64()
    late = (times > (ref + SESSION_WINDOW_AFTER).to_datetime64()) & ~future
    rules = [(future, "time_in_future", "is in the future"),
             (early, "time_before_session", "is more than 12 h before this session"),
             (late, "time_after_session", "is more than 24 h after this session began")]
    if discharged_at is not None:
        after = (times > utc(discharged_at).to_datetime64()) & ~future & ~late
        left = pd.Timestamp(discharged_at).tz_convert(tz)
        rules.append((after, "time_after_discharge", f"is after the discharge at {left:%Y-%m-%d %H:%M:%S}: after "
                      "discharge only readings measured before it can be added"))
    found = []
    for mask, code, words in rules:
        picked = times[mask]
        found.append(_batch(parsed, lines[mask], column, code, lambda at, p=picked, w=words: [
            f"{pd.Timestamp(p[i]).tz_localize('UTC').tz_convert(tz):%Y-%m-%d %H:%M:%S} {w}" for i in at]))
    return [b for b in found if len(b.rows)]


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


def _touched(frame: pd.DataFrame) -> list[int]:
    """The sessions that received readings."""
    return sorted(int(i) for i in pd.unique(frame["session_id"])) if len(frame) else []


