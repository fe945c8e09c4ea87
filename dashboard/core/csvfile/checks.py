"""The typed-entry plausibility rules on whole columns of a file, per measurement, with reasons made when shown."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dashboard.core.validation import PULSE_PRESSURE_BANDS
from dashboard.core.vitals import VITAL_BY_KEY, Range, plausibility_limits

# A measurement is rejected as a whole: a blood pressure's systolic, diastolic and mean together.
GROUP_OF = {"sbp": "bp", "dbp": "bp", "map": "bp", "hr": "hr", "spo2": "spo2", "rr": "rr", "temp_c": "temp_c"}
GROUPS = {"bp": ("sbp", "dbp", "map"), "hr": ("hr",), "spo2": ("spo2",), "rr": ("rr",), "temp_c": ("temp_c",)}


@dataclass(frozen=True)
class Finding:
    """One rule broken on some rows: which vital it names, a reason code, and the sentences on demand."""

    rows: np.ndarray  # int64 row positions
    key: str  # the vital the reason is about
    code: str  # reason code, for counting (problems_by_reason)
    text: Callable[[np.ndarray], list[str]]  # sentences for positions into rows


def _fmt(value: float) -> str:
    return f"{value:g}"


def _finding(mask: np.ndarray, key: str, code: str, make: Callable[..., str], *columns: np.ndarray) -> Finding | None:
    rows = np.flatnonzero(mask)
    if not len(rows):
        return None
    picked = [np.asarray(c)[rows] for c in columns]  # copies: the caller may clear the values afterwards
    return Finding(rows, key, code, lambda at: [make(*(float(c[i]) for c in picked)) for i in at])


def check_columns(values: dict[str, np.ndarray], unreadable: dict[str, np.ndarray] | None = None,
                  limits: dict[str, Range] | None = None) -> list[Finding]:
    """Every rule of validation.check_values over columns (NaN = not measured), without per-row Python.

    unreadable: per vital, cells that were text, not numbers (already reported): as for a typed entry, a
    pair's 'is missing' is not said again for them. The sentences are exactly those of typed entry.
    """
    limits = limits or plausibility_limits()
    unreadable = unreadable or {}
    found: list[Finding | None] = []
    with np.errstate(invalid="ignore"):
        for key, col in values.items():
            vital, bounds = VITAL_BY_KEY[key], limits[key]
            out = (col < bounds.min) | (col > bounds.max)
            if key == "temp_c":
                fahrenheit = (col >= 90) & (col <= 113)
                found.append(_finding(fahrenheit, key, "fahrenheit_in_celsius", lambda v: (
                    f"temperature {_fmt(v)} looks like Fahrenheit ({_fmt(round((v - 32) * 5 / 9, 1))} °C); enter °C"),
                    col))
                out &= ~fahrenheit
            found.append(_finding(out, key, "outside_possible_range", lambda v, s=vital, b=bounds: (
                f"{s.short} {_fmt(v)} {s.unit} is outside the possible range {_fmt(b.min)}-{_fmt(b.max)} {s.unit}"),
                col))
        sbp, dbp, mean = values.get("sbp"), values.get("dbp"), values.get("map")
        if sbp is not None and dbp is not None:
            has_s, has_d = ~np.isnan(sbp), ~np.isnan(dbp)
            no_s = ~has_s & has_d & ~unreadable.get("sbp", np.zeros(len(sbp), bool))
            no_d = has_s & ~has_d & ~unreadable.get("dbp", np.zeros(len(dbp), bool))
            found.append(_finding(no_s, "sbp", "systolic_missing",
                                  lambda: "systolic is missing: enter both systolic and diastolic"))
            found.append(_finding(no_d, "dbp", "diastolic_missing",
                                  lambda: "diastolic is missing: enter both systolic and diastolic"))
            both = has_s & has_d
            not_below = both & (dbp >= sbp)
            found.append(_finding(not_below, "dbp", "diastolic_not_below_systolic",
                                  lambda d, s: f"diastolic {_fmt(d)} is not below systolic {_fmt(s)}", dbp, sbp))
            for low, high, minimum in PULSE_PRESSURE_BANDS:
                narrow = both & ~not_below & (sbp >= low) & (sbp < high) & (sbp - dbp < minimum)
                found.append(_finding(narrow, "dbp", "pulse_pressure_too_narrow", lambda s, d, m=minimum: (
                    f"pulse pressure {_fmt(s - d)} mmHg ({_fmt(s)}/{_fmt(d)}) is too narrow for that systolic: "
                    f"at least {m} expected; check the cuff and the digits"), sbp, dbp))
            if mean is not None:
                outside = both & ~not_below & ~np.isnan(mean) & ((mean <= dbp) | (mean >= sbp))
                found.append(_finding(outside, "map", "map_not_between", lambda m, d, s: (
                    f"MAP {_fmt(m)} is not between diastolic {_fmt(d)} and systolic {_fmt(s)}"), mean, dbp, sbp))
    return [f for f in found if f is not None]
