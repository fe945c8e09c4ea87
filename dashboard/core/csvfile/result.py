"""What an import was asked to do (options) and what it found (the parsed file, its problems, its counts)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow as pa

from dashboard.core.csvfile.columns import ColumnMap
from dashboard.core.csvfile.dialect import Dialect
from dashboard.core.csvfile.times import TimeHandling

MAX_PROBLEMS_KEPT = 100_000  # beyond this only the count is kept (every rejected line is still rejected)


@dataclass(frozen=True)
class ImportOptions:
    tz: str | None = None  # the clinic's zone, in which times without offset are read (None: UTC)
    dayfirst: bool | None = None  # 11/02/2026: True day/month, False month/day, None detect or refuse
    start: datetime | None = None  # for elapsed times; a naive start is in tz
    session: str | None = None  # one chosen session code for every line
    session_column: str | None = None  # or the column holding each line's session code
    mapping: Mapping[str, str | None] = field(default_factory=dict)  # field -> column name (None: not imported)
    bp_method: str = "cuff"  # method of plain (not NBP/ABP) blood-pressure columns
    now: datetime | None = None  # for 'in the future'; the current time when None
    max_lines: int | None = None  # a preview reads only the first lines


@dataclass(frozen=True)
class ImportProblem:
    line: int | None  # physical line in the file, from 1
    column: str
    value: str | None
    reason: str

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "value": self.value, "reason": self.reason}


@dataclass(frozen=True, eq=False)
class ParsedFile:
    file_name: str
    size_bytes: int
    encoding: str
    dialect: Dialect
    mapping: ColumnMap
    time: TimeHandling
    readings: pd.DataFrame  # session, measured_at (UTC), vitals, map_computed, bp_method, note, source_line
    problems: tuple[ImportProblem, ...]
    problems_total: int
    lines: np.ndarray  # int64: the physical line of every row read, ascending
    rejected: np.ndarray  # bool per row read
    raw: pa.Table  # the rows' text cells, one column per header position
    notes: tuple[str, ...]  # what was done, said plainly (zeros, held repeats, °F, skipped lines)
    counts: Mapping[str, int]
    truncated: bool  # a preview that did not read the whole file

    @property
    def columns(self) -> tuple[str, ...]:
        return self.mapping.headers

    @property
    def rows_read(self) -> int:
        return int(len(self.lines))

    @property
    def rows_rejected(self) -> int:
        return int(self.rejected.sum())

    @property
    def rows_accepted(self) -> int:
        return self.rows_read - self.rows_rejected

    def reject(self, problems: list[ImportProblem]) -> ParsedFile:
        """The same file with more problems: their lines are rejected and their readings taken out."""
        if not problems:
            return self
        lines = np.array(sorted({p.line for p in problems if p.line is not None}), dtype=np.int64)
        rows = np.searchsorted(self.lines, lines)
        rejected = self.rejected.copy()
        rejected[rows[(rows < len(self.lines))]] = True
        readings = self.readings[~self.readings["source_line"].isin(lines)].reset_index(drop=True)
        merged = sorted([*self.problems, *problems], key=lambda p: (p.line or 0))
        return replace(self, readings=readings, rejected=rejected, problems=tuple(merged[:MAX_PROBLEMS_KEPT]),
                       problems_total=self.problems_total + len(problems))

    def problems_frame(self) -> pd.DataFrame:
        return pd.DataFrame([p.as_dict() for p in self.problems], columns=["line", "column", "value", "reason"])

    def rejected_rows(self) -> pd.DataFrame:
        """The rejected lines as they were in the file, with their line number and the reasons."""
        from dashboard.core.csvfile.template import neutralise
        rows = np.flatnonzero(self.rejected)
        table = self.raw.take(pa.array(rows, pa.int64()))
        reasons: dict[int, list[str]] = {}
        for p in self.problems:
            if p.line is not None:
                reasons.setdefault(p.line, []).append(f"{p.column}: {p.reason}" if p.column else p.reason)
        frame = pd.DataFrame({"line": self.lines[rows]})
        for i, header in enumerate(self.columns):
            name = header or f"column {i + 1}"
            name = name if name not in frame else f"{name} (column {i + 1})"
            frame[name] = [None if v is None else neutralise(v) for v in table.column(i).to_pylist()]
        frame["reason"] = [neutralise("; ".join(reasons.get(int(line), ["not listed (too many problems)"])))
                           for line in frame["line"]]
        return frame

    def rejected_csv(self) -> str:
        buffer = io.StringIO()
        self.rejected_rows().to_csv(buffer, index=False, lineterminator="\n")
        return buffer.getvalue()

    def summary(self) -> dict:
        return {"file": self.file_name, "rows_read": self.rows_read, "rows_accepted": self.rows_accepted,
                "rows_rejected": self.rows_rejected, "readings": int(len(self.readings)),
                "encoding": self.encoding, "dialect": self.dialect.describe(), "time": self.time.description,
                "mapping": self.mapping.named(), **dict(self.counts)}
