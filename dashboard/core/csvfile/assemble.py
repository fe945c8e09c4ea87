"""Lines to readings: time order, sample-and-hold repeats, one reading per BP method, duplicates in the file."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.core.vitals import VITAL_KEYS

BP = ("sbp", "dbp", "map")
METHOD_NAMES = (None, "cuff", "manual", "arterial")  # bp_method by code
_NAMES = np.array(METHOD_NAMES, dtype=object)
ARTERIAL = 3


def time_order(session: np.ndarray, utc: np.ndarray) -> np.ndarray:
    """Row positions by session then time (file order kept for ties); NaT last."""
    t = utc.view("int64")
    ds, dt = np.diff(session), np.diff(t)
    if not len(ds) or bool(np.all((ds > 0) | ((ds == 0) & (dt >= 0)))):
        return np.arange(len(session))
    return np.lexsort((t, session))


def out_of_order(session: np.ndarray, utc: np.ndarray, valid: np.ndarray) -> int:
    """Lines earlier in time than the line before them in the same session."""
    rows = np.flatnonzero(valid)
    s, t = session[rows], utc[rows].view("int64")
    return int(np.count_nonzero((s[1:] == s[:-1]) & (t[1:] < t[:-1])))


def drop_held(cuff: dict[str, np.ndarray], session: np.ndarray, order: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """A monitor repeats the last cuff reading on every row until the next cycle: repeats are not measurements.

    Clears the repeats in cuff (in place) and returns the rows cleared.
    """
    rows = order[usable[order]]
    values = np.column_stack([cuff[k][rows] for k in BP])
    has = ~np.isnan(values).all(axis=1)
    same = np.zeros(len(rows), dtype=bool)
    if len(rows) > 1:
        equal = (values[1:] == values[:-1]) | (np.isnan(values[1:]) & np.isnan(values[:-1]))
        same[1:] = equal.all(axis=1) & has[1:] & has[:-1] & (session[rows][1:] == session[rows][:-1])
    held = rows[same]
    for key in BP:
        cuff[key][held] = np.nan
    return held


def complete_map(values: dict[str, np.ndarray]) -> np.ndarray:
    """Fill MAP from SBP and DBP where missing, as validation.complete_map does; returns 'computed'."""
    computable = np.isnan(values["map"]) & ~np.isnan(values["sbp"]) & ~np.isnan(values["dbp"])
    estimate = np.round((values["sbp"] + 2 * values["dbp"]) / 3, 1)  # vitals.compute_map, on arrays
    values["map"] = np.where(computable, estimate, values["map"])
    return computable


@dataclass(frozen=True)
class Built:
    readings: pd.DataFrame
    conflicts: list[tuple[int, int, str]]  # (row, earlier row, method) with different values at the same time
    duplicates: int  # readings repeated exactly in the file, dropped


def build(*, rows: np.ndarray, order: np.ndarray, session: pd.Categorical, utc: np.ndarray, lines: np.ndarray,
          main: dict[str, np.ndarray], arterial: dict[str, np.ndarray], method: np.ndarray,
          note: np.ndarray) -> Built:
    """One reading per line and method (main: cuff or plain BP with the other vitals; arterial apart)."""
    ordered = order[np.isin(order, rows)] if len(rows) != len(order) else order
    main_has = np.zeros(len(lines), bool)
    for key in VITAL_KEYS:
        main_has |= ~np.isnan(main[key])
    art_has = np.zeros(len(lines), bool)
    for key in BP:
        art_has |= ~np.isnan(arterial[key])
    parts = []
    for values, has, is_arterial in ((main, main_has, False), (arterial, art_has, True)):
        take = ordered[has[ordered]]
        if not len(take):
            continue
        vitals = {key: (values[key][take] if key in values else np.full(len(take), np.nan)) for key in VITAL_KEYS}
        computed = complete_map(vitals)
        if is_arterial:
            codes = np.full(len(take), ARTERIAL, dtype=np.int8)
            notes = np.where(main_has[take], None, note[take])
        else:
            bp_present = ~np.isnan(vitals["sbp"]) | ~np.isnan(vitals["dbp"]) | ~np.isnan(vitals["map"])
            codes = np.where(bp_present, method[take], 0).astype(np.int8)
            notes = note[take]
        parts.append({"row": take, **vitals, "map_computed": computed, "method": codes, "note": notes})
    if not parts:
        parts.append({"row": np.zeros(0, np.int64), **{k: np.zeros(0) for k in VITAL_KEYS},
                      "map_computed": np.zeros(0, bool), "method": np.zeros(0, np.int8),
                      "note": np.zeros(0, object)})
    columns = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
    sessions = np.asarray(session.codes, dtype=np.int64)
    if len(parts) > 1:  # arterial readings among the others, by session, time and line
        position = np.lexsort((columns["row"], utc[columns["row"]].view("int64"), sessions[columns["row"]]))
        columns = {key: values[position] for key, values in columns.items()}
    keep, conflicts, duplicates = _dedupe(columns, sessions, utc)
    if not keep.all():
        columns = {key: values[keep] for key, values in columns.items()}
    row = columns["row"]
    frame = pd.DataFrame({
        "session": pd.Categorical.from_codes(sessions[row], dtype=session.dtype),
        "measured_at": pd.DatetimeIndex(utc[row]).tz_localize("UTC"),
        **{key: columns[key] for key in VITAL_KEYS},
        "map_computed": columns["map_computed"],
        "bp_method": _NAMES[columns["method"]],
        "note": columns["note"],
        "source_line": lines[row],
    })
    return Built(frame, conflicts, duplicates)


def _dedupe(columns: dict[str, np.ndarray], sessions: np.ndarray, utc: np.ndarray
            ) -> tuple[np.ndarray, list[tuple[int, int, str]], int]:
    """Same session, time and method: an exact repeat is dropped; different values name a conflict."""
    rows = columns["row"]
    n = len(rows)
    keep = np.ones(n, bool)
    if n < 2:
        return keep, [], 0
    codes, t, m = sessions[rows], utc[rows].view("int64"), columns["method"]
    if not ((codes[1:] == codes[:-1]) & (t[1:] == t[:-1])).any():
        return keep, [], 0
    order = np.lexsort((np.arange(n), m, t, codes))
    c, tt, mm = codes[order], t[order], m[order]
    same = np.zeros(n, bool)
    same[1:] = (c[1:] == c[:-1]) & (tt[1:] == tt[:-1]) & (mm[1:] == mm[:-1])
    if not same.any():
        return keep, [], 0
    values = np.column_stack([columns[k] for k in VITAL_KEYS])[order]
    first = np.maximum.accumulate(np.where(~same, np.arange(n), 0))  # the group's first reading
    equal = ((values == values[first]) | (np.isnan(values) & np.isnan(values[first]))).all(axis=1)
    duplicate, conflict = same & equal, same & ~equal
    conflicts = [(int(rows[order[i]]), int(rows[order[first[i]]]), METHOD_NAMES[mm[i]] or "no BP")
                 for i in np.flatnonzero(conflict)]
    keep[order[duplicate]] = False
    return keep, conflicts, int(duplicate.sum())
