"""The separator, the header line (below any metadata lines a device writes) and the line ends."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass

from dashboard.core.csvfile.columns import recognise
from dashboard.core.csvfile.errors import UnusableFile

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
SCAN_LINES = 60
SCAN_BYTES = 2**20
MAX_SCORED = 2000  # names looked at per line (a hostile line may have tens of thousands)


@dataclass(frozen=True)
class Dialect:
    delimiter: str
    header_line: int  # physical line number of the header, from 1
    header: tuple[str, ...]
    metadata: tuple[str, ...]  # the lines above the header, as found
    line_ends: str  # "CRLF", "LF" or "CR"
    data_offset: int  # byte offset of the first line after the header

    def describe(self) -> str:
        text = f"{DELIMITERS[self.delimiter]}-separated, {self.line_ends} line ends"
        if self.metadata:
            text += f", {len(self.metadata)} line(s) above the header skipped"
        return text


def _split(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return line.split(delimiter)


def sniff(utf8: bytes) -> Dialect:
    """Choose the header line and separator that name the most known columns (first such line wins)."""
    sample = utf8[:SCAN_BYTES]
    raw_lines = sample.split(b"\n", SCAN_LINES)[:SCAN_LINES]
    lines = [raw.decode("utf-8", errors="replace").rstrip("\r") for raw in raw_lines]
    crlf = sum(raw.endswith(b"\r") for raw in raw_lines[:-1])
    line_ends = "CRLF" if crlf and crlf >= (len(raw_lines) - 1) / 2 else "LF"
    best: tuple[int, int, int] | None = None  # (score, fields, -index)
    choice: tuple[int, str, list[str]] | None = None
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        for delimiter in DELIMITERS:
            if delimiter not in line and delimiter != ",":
                continue
            fields = _split(line, delimiter)
            score = len({r.field for f in fields[:MAX_SCORED] if (r := recognise(f)) is not None})
            if score == 0:
                continue
            key = (score, len(fields), -index)
            if best is None or key > best:
                best, choice = key, (index, delimiter, fields)
        if best is not None and best[0] >= 2 and 2 * best[0] >= min(best[1], MAX_SCORED):
            break  # a line made mostly of known column names: the header
    if choice is None:
        choice = _by_shape(lines)
    index, delimiter, fields = choice
    offset = sum(len(raw) + 1 for raw in raw_lines[:index + 1])
    header = tuple(field.strip().lstrip("\ufeff") for field in fields)
    metadata = tuple(line for line in lines[:index] if line.strip())
    return Dialect(delimiter, index + 1, header, metadata, line_ends, offset)


def _by_shape(lines: list[str]) -> tuple[int, str, list[str]]:
    """No known column name: the separator that splits most lines the same way, its first such line."""
    best: tuple[int, int, str] | None = None
    for delimiter in DELIMITERS:
        counts = [len(_split(line, delimiter)) for line in lines if line.strip()]
        common = Counter(c for c in counts if c >= 2).most_common(1)
        if common and (best is None or common[0][1] > best[0]):
            best = (common[0][1], common[0][0], delimiter)
    if best is None:
        raise UnusableFile("this is not a table: no line has values separated by commas, semicolons or tabs")
    _, width, delimiter = best
    for index, line in enumerate(lines):
        fields = _split(line, delimiter)
        if line.strip() and len(fields) == width:
            return index, delimiter, fields
    raise UnusableFile("this is not a table: no header line found")
