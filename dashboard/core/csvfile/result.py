"""What an import was asked to do (options) and what it found (the parsed file, its problems, its counts)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from typing import TextIO

import numpy as np
import pandas as pd
import pyarrow as pa

from dashboard.core.csvfile.columns import ColumnMap
from dashboard.core.csvfile.dialect import Dialect
from dashboard.core.csvfile.problems import Batch, Problems
from dashboard.core.csvfile.times import TimeHandling

MAX_PROBLEMS_SHOWN = 1_000  # listed with their sentences; every one is counted and in the rejected-rows file
REJECTS_CHUNK = 50_000  # rows written at a time to the rejected-rows file


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
    issues: Problems  # every problem, as arrays
    lines: np.ndarray  # int64: the physical line of every row read, ascending
    rejected: np.ndarray  # bool per row read: nothing of the line is kept
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

    @property
    def problems_total(self) -> int:
        return len(self.issues)

    @property
    def problems_by_reason(self) -> dict[str, int]:
        return self.issues.by_reason()

    @cached_property
    def problems(self) -> tuple[ImportProblem, ...]:
        """The first MAX_PROBLEMS_SHOWN problems, in the file's order, with line, column, value and reason."""
        out = []
        for row, batch, reason in self.issues.first(MAX_PROBLEMS_SHOWN):
            value = None
            if batch.position >= 0:
                cell = self.raw.column(batch.position)[row].as_py()
                value = None if cell is None else str(cell)
            out.append(ImportProblem(int(self.lines[row]), batch.column, value, reason))
        return tuple(out)

    def rows_of(self, lines: np.ndarray) -> np.ndarray:
        """Row positions of physical line numbers (each one read)."""
        return np.searchsorted(self.lines, np.asarray(lines, np.int64))

    def reject(self, batches: list[Batch]) -> ParsedFile:
        """The same file with more problems, each rejecting its lines as a whole: their readings are taken out."""
        batches = [b for b in batches if len(b.rows)]
        if not batches:
            return self
        rows = np.unique(np.concatenate([b.rows for b in batches]))
        rejected = self.rejected.copy()
        rejected[rows] = True
        readings = self.readings[~self.readings["source_line"].isin(self.lines[rows])].reset_index(drop=True)
        return replace(self, readings=readings, rejected=rejected, issues=self.issues.plus(batches))

    def problems_frame(self) -> pd.DataFrame:
        return pd.DataFrame([p.as_dict() for p in self.problems], columns=["line", "column", "value", "reason"])

    def _rejects_header(self) -> list[str]:
        names = ["line"]
        for i, header in enumerate(self.columns):
            name = header or f"column {i + 1}"
            names.append(name if name not in names else f"{name} (column {i + 1})")
        return [*names, "stored", "reason"]

    def write_rejected(self, out: TextIO) -> int:
        """Every line with a problem, as it was in the file, with what was stored of it and the reasons.

        Written in chunks (memory stays flat for a file whose every line is rejected); returns the lines written.
        """
        from dashboard.core.csvfile.template import neutralise
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self._rejects_header())
        wanted = self.issues.rows()
        for rows, reasons in self.issues.reasons(wanted, REJECTS_CHUNK):
            table = self.raw.take(pa.array(rows, pa.int64()))
            cells = [[None if v is None else neutralise(v) for v in column.to_pylist()] for column in table.columns]
            stored = np.where(self.rejected[rows], "nothing", "the line's other values")
            writer.writerows(zip(self.lines[rows].tolist(), *cells, stored.tolist(),
                                 [neutralise(r) for r in reasons]))
        return int(len(wanted))

    def rejected_csv(self) -> str:
        buffer = io.StringIO()
        self.write_rejected(buffer)
        return buffer.getvalue()

    def rejected_rows(self) -> pd.DataFrame:
        """The rejected-rows file as a frame (small files: tests and the page's table)."""
        return pd.read_csv(io.StringIO(self.rejected_csv()), dtype=str, keep_default_na=False,
                           converters={"line": int})

    def summary(self) -> dict:
        return {"file": self.file_name, "rows_read": self.rows_read, "rows_accepted": self.rows_accepted,
                "rows_rejected": self.rows_rejected, "readings": int(len(self.readings)),
                "encoding": self.encoding, "dialect": self.dialect.describe(), "time": self.time.description,
                "mapping": self.mapping.named(), **dict(self.counts)}
