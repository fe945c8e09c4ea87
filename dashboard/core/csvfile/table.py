"""The rows below the header as text columns, each with the physical line it starts on in the file."""

from __future__ import annotations

import csv
import io
import re
import sys
from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from dashboard.core.csvfile.dialect import Dialect
from dashboard.core.csvfile.errors import UnusableFile


@dataclass(frozen=True)
class Rows:
    table: pa.Table  # one string column per header position, named c0, c1, ...; null = empty cell
    lines: np.ndarray  # int64: the physical line each row starts on
    widths: np.ndarray  # int64: how many values the line had (header width when it matched)
    empty_lines: int  # lines with no value at all (blank, or only separators): not rows
    complete: bool = True  # False when only the first lines were read (a preview)
    unclosed_quote: bool = False  # the last row opens a quote never closed: it ran to the end of the file


def column_names(width: int) -> list[str]:
    return [f"c{i}" for i in range(width)]


def read_rows(utf8: bytes, dialect: Dialect, *, max_lines: int | None = None) -> Rows:
    """Parse the data lines: pyarrow when every line is simple, the csv module line by line otherwise."""
    body = utf8[dialect.data_offset:]
    whole = len(body)
    if max_lines is not None:
        body = _first_lines(body, max_lines)
    width = len(dialect.header)
    first_line = dialect.header_line + 1
    rows = _fast(body, dialect.delimiter, width, first_line)
    if rows is None:
        rows = _careful(body, dialect.delimiter, width, first_line)
    rows = _drop_empty(rows)
    return rows if len(body) == whole else replace(rows, complete=False)


def _first_lines(body: bytes, count: int) -> bytes:
    """The first count lines (a preview reads no further than it needs)."""
    chunk = 1 << 16
    while True:
        newlines = np.flatnonzero(np.frombuffer(body[:chunk], dtype=np.uint8) == 10)
        if len(newlines) >= count:
            return body[: int(newlines[count - 1]) + 1]
        if chunk >= len(body):
            return body
        chunk *= 4


def _nonblank_lines(body: bytes, first_line: int) -> np.ndarray:
    """Physical numbers of the lines that are not empty ('' or a lone CR)."""
    raw = np.frombuffer(body, dtype=np.uint8)
    ends = np.flatnonzero(raw == 10)
    if len(raw) and raw[-1] != 10:
        ends = np.append(ends, len(raw))
    starts = np.concatenate(([0], ends[:-1] + 1)) if len(ends) else np.array([], dtype=np.int64)
    lengths = ends - starts
    last = np.where(lengths > 0, raw[np.minimum(ends - 1, len(raw) - 1)], 0) if len(raw) else lengths
    blank = (lengths == 0) | ((lengths == 1) & (last == 13))
    return np.flatnonzero(~blank).astype(np.int64) + first_line


def _fast(body: bytes, delimiter: str, width: int, first_line: int) -> Rows | None:
    """None when a line has more or fewer values than the header, or a quoted value spans lines."""
    if not re.search(rb"\S", body):
        return Rows(_empty_table(width), np.zeros(0, np.int64), np.zeros(0, np.int64), 0)
    invalid: list[int] = []

    def on_invalid(row) -> str:
        invalid.append(row.actual_columns)
        return "skip"

    names = column_names(width)
    try:
        table = pacsv.read_csv(
            io.BytesIO(body),
            read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=True, null_values=[""],
                                                 quoted_strings_can_be_null=True),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if invalid:
        return None
    lines = _nonblank_lines(body, first_line)
    if len(lines) != table.num_rows:
        return None
    return Rows(table, lines, np.full(len(lines), width, np.int64), 0)


def _empty_table(width: int) -> pa.Table:
    return pa.table({name: pa.array([], pa.string()) for name in column_names(width)})


def _careful(body: bytes, delimiter: str, width: int, first_line: int) -> Rows:
    """Line by line: short lines are padded, extra empty values dropped, others kept as too wide."""
    text = body.decode("utf-8", errors="replace")
    csv.field_size_limit(sys.maxsize)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    columns: list[list[str | None]] = [[] for _ in range(width)]
    lines: list[int] = []
    widths: list[int] = []
    previous_end = empty = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise UnusableFile(f"line {first_line + reader.line_num - 1} cannot be read as CSV: {error}") from None
        start = previous_end + 1
        previous_end = reader.line_num
        if not fields:
            continue
        if not any(f.strip() for f in fields):
            empty += 1
            continue
        # a row's own line: the first non-empty physical line it covers
        lines.append(first_line + start - 1)
        count = len(fields)
        if count > width and not any(f.strip() for f in fields[width:]):
            count = width
        widths.append(count)
        for i in range(width):
            value = fields[i] if i < len(fields) else ""
            columns[i].append(value if value != "" else None)
    table = pa.table({name: pa.array(values, pa.string())
                      for name, values in zip(column_names(width), columns, strict=True)})
    unclosed = text.count('"') % 2 == 1 and bool(lines)
    return Rows(table, np.array(lines, np.int64), np.array(widths, np.int64), empty, unclosed_quote=unclosed)


def _drop_empty(rows: Rows) -> Rows:
    """A line of separators only (',,,,') carries nothing: it is not a row."""
    if rows.table.num_rows == 0 or rows.table.num_columns == 0:
        return rows
    import pyarrow.compute as pc
    for column in rows.table.columns:  # the usual file: some column has a value on every line
        if column.null_count == 0 and not pc.any(pc.utf8_is_space(column)).as_py():
            return rows
    anything = None
    for column in rows.table.columns:
        present = pc.and_kleene(pc.is_valid(column), pc.invert(pc.utf8_is_space(column)))
        anything = present if anything is None else pc.or_kleene(anything, present)
    keep = pc.fill_null(anything, False).to_numpy(zero_copy_only=False) | (rows.widths != rows.table.num_columns)
    if keep.all():
        return rows
    return Rows(rows.table.filter(pa.array(keep)), rows.lines[keep], rows.widths[keep],
                rows.empty_lines + int((~keep).sum()))
