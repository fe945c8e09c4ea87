"""One vitals CSV file to readings and problems, every line accounted for: the import's entry point."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.core.clock import utcnow
from dashboard.core.csvfile import assemble
from dashboard.core.csvfile.cells import split_pressure, to_numbers
from dashboard.core.csvfile.checks import GROUP_OF, GROUPS, check_columns
from dashboard.core.csvfile.columns import FIELD_LABELS, NUMERIC_FIELDS, VITAL_FIELDS, ColumnMap, detect, elapsed_unit
from dashboard.core.csvfile.decode import MAX_BYTES, decode, size_check
from dashboard.core.csvfile.dialect import Dialect, sniff
from dashboard.core.csvfile.errors import NeedsSetting, UnusableFile
from dashboard.core.csvfile.problems import Batch, Problems, fixed, listed
from dashboard.core.csvfile.result import ImportOptions, ParsedFile
from dashboard.core.csvfile.table import Rows, read_rows
from dashboard.core.csvfile.template import safe_file_name
from dashboard.core.csvfile.times import read_times
from dashboard.core.validation import FUTURE_TOLERANCE
from dashboard.core.vitals import BP_METHODS, VITAL_KEYS

MAX_NOTE = 2000
PREFIX_BYTES = 1 << 18
# field -> (which reading it feeds, vital key)
_TARGET = {"sbp": ("main", "sbp"), "dbp": ("main", "dbp"), "map": ("main", "map"), "hr": ("main", "hr"),
           "spo2": ("main", "spo2"), "rr": ("main", "rr"), "temp_c": ("main", "temp_c"),
           "temp_f": ("main", "temp_c"), "art_sbp": ("arterial", "sbp"), "art_dbp": ("arterial", "dbp"),
           "art_map": ("arterial", "map")}
Progress = Callable[[float, str], None]


def parse_file(source: bytes | str | Path | BinaryIO, options: ImportOptions | None = None, *,
               file_name: str | None = None, progress: Progress | None = None) -> ParsedFile:
    """Read a file (bytes, a path or a binary stream); raises UnusableFile when nothing in it can be used."""
    options = options or ImportOptions()
    options = replace(options, tz=options.tz or "UTC")
    data, size, name, partial = _load(source, file_name, options.max_lines)
    try:
        return _parse(data, size, name, partial, options, progress or (lambda fraction, text: None))
    except UnusableFile:
        raise
    except (pa.ArrowException, csv.Error, UnicodeError, OverflowError, pd.errors.OutOfBoundsDatetime) as error:
        raise UnusableFile(f"the file cannot be read as a table of vitals: {error}") from None


def read_header(data: bytes) -> Dialect:
    """The header line and separator only (for choosing the mapping before a full read)."""
    size_check(len(data))
    prefix = data[: 1 << 20]
    if len(data) > len(prefix) and b"\n" in prefix:
        prefix = prefix[: prefix.rfind(b"\n") + 1]
    utf8 = decode(prefix).utf8
    if b"\n" not in utf8 and b"\r" in utf8:
        utf8 = utf8.replace(b"\r", b"\n")
    return sniff(utf8)


def _load(source, file_name: str | None, max_lines: int | None) -> tuple[bytes, int, str, bool]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = memoryview(source)
        head, partial = _prefix(data, max_lines)
        return head, len(data), safe_file_name(file_name), partial
    if hasattr(source, "read"):
        data = source.read(MAX_BYTES + 1)
        head, partial = _prefix(memoryview(data), max_lines)
        return head, len(data), safe_file_name(file_name or getattr(source, "name", None)), partial
    path = Path(source)
    size = path.stat().st_size
    size_check(size)
    name = safe_file_name(file_name or path.name)
    with path.open("rb") as handle:
        if max_lines is None:
            return handle.read(), size, name, False
        data, chunk = b"", PREFIX_BYTES
        while True:  # a preview reads only as far as it needs
            more = handle.read(chunk - len(data))
            data += more
            if len(data) >= size or not more:
                return data, size, name, False
            if data.count(b"\n") > max_lines + 100:  # the preview's lines and any metadata above the header
                return data[: data.rfind(b"\n") + 1], size, name, True
            chunk *= 4


def _prefix(data: memoryview, max_lines: int | None) -> tuple[bytes, bool]:
    """A preview's part of a file in memory: its first lines (and any metadata above the header), not the rest."""
    if max_lines is None or len(data) > MAX_BYTES:
        return bytes(data), False
    chunk = PREFIX_BYTES
    while chunk < len(data):
        head = bytes(data[:chunk])
        if head.count(b"\n") > max_lines + 100:
            return head[: head.rfind(b"\n") + 1], True
        chunk *= 4
    return bytes(data), False


def _parse(data: bytes, size: int, name: str, partial: bool, options: ImportOptions, step: Progress) -> ParsedFile:
    size_check(size)
    decoded = decode(data)
    utf8 = decoded.utf8
    cr_only = b"\n" not in utf8 and b"\r" in utf8
    if cr_only:
        utf8 = utf8.replace(b"\r", b"\n")
    dialect = sniff(utf8)
    if cr_only:
        dialect = replace(dialect, line_ends="CR")
    overrides = dict(options.mapping)
    if options.session_column:
        overrides["session"] = options.session_column
    mapping = detect(dialect.header, overrides)
    _require_columns(mapping)
    step(0.1, "reading the rows")
    rows = read_rows(utf8, dialect, max_lines=options.max_lines)
    if rows.table.num_rows == 0:
        raise UnusableFile("the file has a header but no rows of values below it")
    step(0.4, "reading the values")
    lines = _Lines(rows, mapping, options)
    step(0.6, "reading the times")
    lines.read_sessions()
    lines.read_times()
    lines.read_text()
    step(0.7, "checking the values")
    return lines.finish(name, size, decoded.encoding, dialect, truncated=partial or not rows.complete)


def _require_columns(mapping: ColumnMap) -> None:
    if not any(field in mapping.fields for field in VITAL_FIELDS):
        shown = ", ".join(repr(h) for h in mapping.headers[:20]) + (" ..." if len(mapping.headers) > 20 else "")
        raise UnusableFile(f"no vital-sign column recognised (expected names like sbp, dbp, hr, spo2, rr, temp); "
                           f"the columns are {shown}: choose them in the mapping")
    if not ({"time", "elapsed"} & set(mapping.fields) or {"date", "clock"} <= set(mapping.fields)):
        raise UnusableFile("no time column found: name one timestamp, time, date and time, or elapsed_min "
                           "(or choose it in the mapping)")


class _Lines:
    """The rows of one file while they are being read: values, problems and counts, by row position."""

    def __init__(self, rows: Rows, mapping: ColumnMap, options: ImportOptions):
        self.rows, self.mapping, self.options = rows, mapping, options
        self.n = rows.table.num_rows
        self.issues: list[Batch] = []
        self.line_bad = np.zeros(self.n, bool)  # a problem with the line as a whole: nothing of it is kept
        self.values = {"main": {k: np.full(self.n, np.nan) for k in VITAL_KEYS},
                       "arterial": {k: np.full(self.n, np.nan) for k in assemble.BP}}
        self.unreadable = {reading: {k: np.zeros(self.n, bool) for k in keys} for reading, keys in self.values.items()}
        self.dropped = {reading: {GROUP_OF[k]: np.zeros(self.n, bool) for k in keys}
                        for reading, keys in self.values.items()}  # measurements rejected, the line's others kept
        self.source: dict[tuple[str, str], str] = {}  # (reading, vital) -> the column it came from
        self.zero_rows = np.zeros(self.n, bool)
        self.zeros: dict[str, int] = {}
        self.fahrenheit = 0
        self.decimal_commas = 0
        width = len(mapping.headers)
        wide = np.flatnonzero(rows.widths > width)
        counts = rows.widths[wide]
        self._line(wide, "", "line_too_wide", lambda at: [
            f"this line has {int(counts[i])} values but the header has {width} columns: a separator inside a value, "
            "or a shifted line?" for i in at])
        if rows.unclosed_quote:
            self._line(np.array([self.n - 1]), "", "quote_never_closed", fixed(
                'a quote (") opened on this line is never closed: the rest of the file was read as one value'))
        self._read_numbers()

    def cells(self, field: str) -> pa.ChunkedArray:
        return self.rows.table.column(self.mapping.fields[field])

    def _batch(self, rows: np.ndarray, column: str, code: str, text) -> Batch:
        position = self.mapping.headers.index(column) if column in self.mapping.headers else -1
        batch = Batch(np.asarray(rows, np.int64), column, position, code, text)
        self.issues.append(batch)
        return batch

    def _line(self, rows: np.ndarray, column: str, code: str, text) -> None:
        """A problem that rejects the whole line."""
        rows = np.asarray(rows, np.int64)
        if len(rows):
            self._batch(rows, column, code, text)
            self.line_bad[rows] = True

    def _measurement(self, reading: str, key: str, rows: np.ndarray, column: str, code: str, text) -> None:
        """A problem that rejects one measurement of the line (a BP as a whole); its others are kept."""
        if len(rows):
            self._batch(rows, column, code, text)
            self.dropped[reading][GROUP_OF[key]][rows] = True

    # values
    def _put(self, reading: str, key: str, header: str, values: np.ndarray) -> None:
        zero = values == 0
        if zero.any():
            self.zeros[header] = self.zeros.get(header, 0) + int(zero.sum())
            self.zero_rows |= zero
            values = np.where(zero, np.nan, values)
        target = self.values[reading]
        target[key] = np.where(np.isnan(target[key]), values, target[key])
        self.source.setdefault((reading, key), header)

    def _not_numbers(self, reading: str, keys: tuple[str, ...], header: str, mask: np.ndarray, cells, reason) -> None:
        rows = np.flatnonzero(mask)
        if not len(rows):
            return
        texts = pc.take(cells, pa.array(rows)).to_pylist()
        for key in keys:
            self.unreadable[reading][key][rows] = True
        self._measurement(reading, keys[0], rows, header, "not_a_number", lambda at: [reason(texts[i]) for i in at])

    def _read_numbers(self) -> None:
        for field in NUMERIC_FIELDS:
            if field not in self.mapping.fields:
                continue
            header = self.mapping.header(field)
            numbers = to_numbers(self.cells(field))
            self.decimal_commas += numbers.decimal_commas
            values = numbers.values
            if field == "temp_f":
                self.fahrenheit += int((~np.isnan(values) & (values != 0)).sum())
                values = np.round((values - 32) * 5 / 9, 1)
            elif field == "temp_c" and numbers.fahrenheit.any():
                self.fahrenheit += int(numbers.fahrenheit.sum())
                values = np.where(numbers.fahrenheit, np.round((values - 32) * 5 / 9, 1), values)
            reading, key = _TARGET[field]
            self._put(reading, key, header, values)
            self._not_numbers(reading, (key,), header, numbers.not_number, self.cells(field),
                              lambda text: f"'{text}' is not a number")
        for field, reading in (("bp", "main"), ("art_bp", "arterial")):
            if field not in self.mapping.fields:
                continue
            header = self.mapping.header(field)
            pressures = split_pressure(self.cells(field))
            for key, numbers in (("sbp", pressures.sbp), ("dbp", pressures.dbp), ("map", pressures.map)):
                self.decimal_commas += numbers.decimal_commas
                self._put(reading, key, header, numbers.values)
            self._not_numbers(reading, ("sbp", "dbp"), header, pressures.not_pressure, self.cells(field),
                              lambda text: f"'{text}' is not a blood pressure like 128/82")

    # sessions
    def read_sessions(self) -> None:
        chosen = self.options.session
        header = self.mapping.header("session")
        if header is None and not chosen:
            raise NeedsSetting("session", "the file has no session column: choose the session to import into "
                                          "(or the column that holds each line's session code)")
        if chosen:
            self.session = pd.Categorical.from_codes(np.zeros(self.n, np.int64), categories=[chosen])
            if header is not None:
                codes = pc.utf8_trim_whitespace(self.cells("session"))
                other = pc.fill_null(pc.and_(pc.not_equal(codes, ""), pc.not_equal(codes, chosen)), False)
                rows = np.flatnonzero(other.to_numpy(zero_copy_only=False))
                named = pc.take(codes, pa.array(rows)).to_pylist() if len(rows) else []
                self._line(rows, header, "another_session", lambda at: [
                    f"this line is for session '{named[i]}', not the chosen session '{chosen}'" for i in at])
            return
        encoded = pc.dictionary_encode(pc.utf8_trim_whitespace(self.cells("session"))).combine_chunks()
        categories = encoded.dictionary.to_pylist()
        codes = np.asarray(pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
        if "" in categories:
            codes = np.where(codes == categories.index(""), -1, codes)
        self.session = pd.Categorical.from_codes(codes, categories=categories)
        self._line(np.flatnonzero(codes < 0), header, "no_session_code", fixed("no session code on this line"))

    # times
    def read_times(self) -> None:
        fields = {f: self.cells(f) for f in ("time", "date", "clock", "elapsed") if f in self.mapping.fields}
        headers = {f: self.mapping.header(f) for f in fields}
        unit = elapsed_unit(headers["elapsed"]) if "elapsed" in headers else "min"
        times = read_times(fields, headers, tz=self.options.tz, dayfirst=self.options.dayfirst,
                           start=self.options.start, elapsed_unit=unit)
        self.utc, self.time_handling = times.utc, times.handling
        self.time_column = " + ".join(times.handling.columns)
        by_header: dict[str, list[tuple[int, str]]] = {}
        for row, header, reason in times.problems:
            by_header.setdefault(header, []).append((row, reason))
        for header, found in by_header.items():
            reasons = [reason for _, reason in found]
            self._line(np.array([row for row, _ in found], np.int64), header, "time_not_readable", listed(reasons))
        now = pd.Timestamp(self.options.now or utcnow()).tz_convert("UTC").tz_localize(None)
        future = ~np.isnat(self.utc) & (self.utc > (now + FUTURE_TOLERANCE).to_datetime64())
        rows = np.flatnonzero(future)
        moments = self.utc[rows]
        self._line(rows, self.time_column, "time_in_future", lambda at: [
            f"{pd.Timestamp(moments[i]):%Y-%m-%d %H:%M} UTC is in the future" for i in at])

    # method and note
    def read_text(self) -> None:
        self.method = np.full(self.n, assemble.METHOD_NAMES.index(self.options.bp_method), dtype=np.int8)
        if "bp_method" in self.mapping.fields:
            header = self.mapping.header("bp_method")
            text = pc.utf8_lower(pc.utf8_trim_whitespace(self.cells("bp_method")))
            for code, name in enumerate(assemble.METHOD_NAMES):
                if name is not None:
                    given = pc.fill_null(pc.equal(text, name), False).to_numpy(zero_copy_only=False)
                    self.method[given] = code
            known = pc.fill_null(pc.or_(pc.is_in(text, value_set=pa.array(BP_METHODS)), pc.equal(text, "")), True)
            rows = np.flatnonzero(~known.to_numpy(zero_copy_only=False))
            named = pc.take(text, pa.array(rows)).to_pylist() if len(rows) else []
            self._measurement("main", "sbp", rows, header, "unknown_bp_method", lambda at: [
                f"'{named[i]}' is not a BP method ({', '.join(BP_METHODS)})" for i in at])
        self.note = np.full(self.n, None, dtype=object)
        if "note" in self.mapping.fields:
            header = self.mapping.header("note")
            text = pc.utf8_trim_whitespace(self.cells("note"))
            self.note = np.asarray(pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
                                   .to_numpy(zero_copy_only=False), dtype=object)
            long = pc.fill_null(pc.greater(pc.utf8_length(text), MAX_NOTE), False).to_numpy(zero_copy_only=False)
            rows = np.flatnonzero(long)
            notes = self.note
            self._line(rows, header, "note_too_long", lambda at: [
                f"the note is {len(notes[rows[i]]):,} characters long; at most {MAX_NOTE:,} are kept with a reading"
                for i in at])

    # checks and readings
    def _check(self, reading: str) -> None:
        for finding in check_columns(self.values[reading], self.unreadable[reading]):
            default = FIELD_LABELS.get(finding.key if reading == "main" else "art_" + finding.key, finding.key)
            header = self.source.get((reading, finding.key), default)
            self._measurement(reading, finding.key, finding.rows, header, finding.code, finding.text)

    def _anything(self) -> np.ndarray:
        anything = np.zeros(self.n, bool)
        for reading in self.values.values():
            for values in reading.values():
                anything |= ~np.isnan(values)
        return anything

    def _drop_rejected_measurements(self) -> int:
        """Clear the rejected measurements from the values; returns how many there were."""
        count = 0
        for reading, groups in self.dropped.items():
            for group, rows in groups.items():
                if rows.any():
                    count += int(rows.sum())
                    for key in GROUPS[group]:
                        if key in self.values[reading]:
                            self.values[reading][key][rows] = np.nan
        return count

    def finish(self, name: str, size: int, encoding: str, dialect, *, truncated: bool) -> ParsedFile:
        codes = np.asarray(self.session.codes, dtype=np.int64)
        order = assemble.time_order(codes, self.utc)
        usable = ~np.isnat(self.utc) & (codes >= 0)
        held = np.zeros(0, np.int64)
        if self.mapping.device_cuff:
            held = assemble.drop_held(self.values["main"], codes, order, usable)
        self._check("main")
        self._check("arterial")
        unreadable = np.zeros(self.n, bool)
        for reading in self.unreadable.values():
            for mask in reading.values():
                unreadable |= mask
        quiet = self.zero_rows.copy()
        quiet[held] = True  # only zeros or held repeats: read, with nothing new to store
        self._line(np.flatnonzero(~self._anything() & ~quiet & ~unreadable), "", "no_vital_sign",
                   fixed("no vital sign entered"))
        values_rejected = self._drop_rejected_measurements()
        had_problem = np.zeros(self.n, bool)
        for batch in self.issues:
            had_problem[batch.rows] = True
        rejected = self.line_bad | (had_problem & ~self._anything())  # rejected: nothing of the line is kept
        built = assemble.build(rows=np.flatnonzero(~rejected), order=order, session=self.session, utc=self.utc,
                               lines=self.rows.lines, main=self.values["main"], arterial=self.values["arterial"],
                               method=self.method, note=self.note)
        readings = built.readings
        if built.conflicts:
            rows = np.array([row for row, _, _ in built.conflicts], np.int64)
            texts = [f"another line ({int(self.rows.lines[earlier])}) has a different reading for the same time "
                     f"({method})" for _, earlier, method in built.conflicts]
            self._line(rows, self.time_column, "conflict_in_file", listed(texts))
            rejected[rows] = True
            readings = readings[~readings["source_line"].isin(self.rows.lines[rows])].reset_index(drop=True)
        counts = {"sensor_off_zeros": sum(self.zeros.values()), "held_repeats": int(len(held)),
                  "fahrenheit_converted": self.fahrenheit, "duplicates_in_file": built.duplicates,
                  "out_of_order": assemble.out_of_order(codes, self.utc, usable & ~rejected),
                  "decimal_commas": self.decimal_commas, "empty_lines": self.rows.empty_lines,
                  "values_rejected": values_rejected}
        return ParsedFile(
            file_name=name, size_bytes=size, encoding=encoding, dialect=dialect, mapping=self.mapping,
            time=self.time_handling, readings=readings, issues=Problems(self.issues), lines=self.rows.lines,
            rejected=rejected, raw=self.rows.table, notes=tuple(self._notes(counts, dialect, truncated)),
            counts=counts, truncated=truncated)

    def _notes(self, counts: dict, dialect, truncated: bool) -> list[str]:
        notes = []
        if truncated:
            notes.append(f"preview: only the first {self.options.max_lines:,} lines were read")
        if dialect.metadata:
            notes.append(f"{len(dialect.metadata)} line(s) above the header skipped (device information)")
        if self.zeros:
            each = ", ".join(f"{header} {count:,}" for header, count in self.zeros.items())
            notes.append(f"{counts['sensor_off_zeros']:,} zero value(s) read as sensor off, not measured ({each})")
        if counts["held_repeats"]:
            notes.append(f"{counts['held_repeats']:,} repeated cuff reading(s) dropped: the monitor repeats the "
                         "last cuff reading on every row until the next measurement")
        if counts["fahrenheit_converted"]:
            notes.append(f"{counts['fahrenheit_converted']:,} temperature(s) converted from °F to °C")
        if counts["duplicates_in_file"]:
            notes.append(f"{counts['duplicates_in_file']:,} reading(s) appear twice in the file: stored once")
        if counts["out_of_order"]:
            notes.append(f"{counts['out_of_order']:,} line(s) are earlier than the line before them: "
                         "readings are stored in time order")
        if counts["decimal_commas"]:
            notes.append(f"decimal commas read as decimal points ({counts['decimal_commas']:,} values, like 36,8)")
        if counts["empty_lines"]:
            notes.append(f"{counts['empty_lines']:,} line(s) with no values skipped")
        arterial = any(f.startswith("art_") for f in self.mapping.fields)
        cuff = any(f in self.mapping.fields for f in ("sbp", "dbp", "map", "bp"))
        if arterial and cuff:
            notes.append("arterial-line and cuff pressures are kept apart (BP method arterial / cuff)")
        return notes
