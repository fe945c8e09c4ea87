"""The project's CSV template, export in that format, and text made safe to open in a spreadsheet."""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import PureWindowsPath

import pandas as pd

TEMPLATE_COLUMNS = ("session_id", "timestamp", "sbp", "dbp", "map", "hr", "spo2", "rr", "temp_c", "note")
EXPORT_COLUMNS = (*TEMPLATE_COLUMNS, "bp_method")
TEMPLATE_EXAMPLE = (
    "S-0001,2026-11-02T09:00:00-05:00,128,82,,74,98,14,,baseline\n"
    "S-0001,2026-11-02T09:10:00-05:00,141,88,,81,97,15,,infusion start 09:05\n"
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def template_csv() -> str:
    """The template with two example lines (the downloadable file)."""
    return ",".join(TEMPLATE_COLUMNS) + "\n" + TEMPLATE_EXAMPLE


def neutralise(text: str) -> str:
    """A cell a spreadsheet would run as a formula (=HYPERLINK(...), +, -, @) gets a leading apostrophe."""
    return "'" + text if isinstance(text, str) and text.startswith(_FORMULA_START) else text


def safe_file_name(name: str | None) -> str:
    """Only the last part of a path-like name ('../../etc/passwd' -> 'passwd'), printable, at most 255 chars."""
    base = PureWindowsPath(str(name or "")).name  # splits on both / and \\
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    base = re.sub(r"^\.+", "", base).strip()
    return (base or "upload.csv")[:255]


def _one_line_breaks(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _number(value: float) -> str:
    return "" if pd.isna(value) else f"{value:g}"


def export_csv(readings: pd.DataFrame, *, session_code: str, tz: str) -> str:
    """Readings in force (session_readings' frame) in the template's columns, plus bp_method; the text columns
    (session code, note) neutralised for spreadsheets."""
    frame = pd.DataFrame({"session_id": session_code,
                          "timestamp": [t.tz_convert(tz).isoformat() for t in readings["measured_at"]]})
    for key in ("sbp", "dbp", "map", "hr", "spo2", "rr", "temp_c"):
        values = readings[key].copy()
        if key == "map":
            values = values.where(~readings["map_computed"].astype(bool))
        frame[key] = [_number(v) for v in values]
    # A CR inside a cell would end the row for a reader (the writer quotes only cells holding its own "\n"):
    # written as a line break inside the quoted cell instead.
    frame["note"] = [_one_line_breaks(neutralise(n)) if isinstance(n, str) else "" for n in readings["note"]]
    frame["session_id"] = _one_line_breaks(neutralise(session_code))
    frame["bp_method"] = readings["bp_method"].fillna("").to_numpy()
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n", columns=list(EXPORT_COLUMNS))
    return buffer.getvalue()
