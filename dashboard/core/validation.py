"""Plausibility checks of readings, vectorized over a frame: one rule set for typed entry and files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from dashboard.core.entry_time import FUTURE_TOLERANCE, clock_text
from dashboard.core.vitals import VITAL_BY_KEY, VITAL_KEYS, Range, compute_map, plausibility_limits

MISSING_TOKENS = {"", "-", "--", "na", "n/a", "nan", "none", "null", "err", "error", "?"}
SESSION_WINDOW_BEFORE = timedelta(hours=12)
SESSION_WINDOW_AFTER = timedelta(hours=24)

# Pulse pressure below these, for a systolic band, is a cuff artifact or a keying error.
PULSE_PRESSURE_BANDS = ((0, 100, 10), (100, 150, 15), (150, 200, 30), (200, np.inf, 50))


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    value: object
    reason: str


def _fmt(value: float) -> str:
    return f"{value:g}"


def coerce_numbers(raw: pd.DataFrame, columns: tuple[str, ...] = VITAL_KEYS) -> tuple[pd.DataFrame, list[Problem]]:
    """Turn text cells into floats with the file importer's cell parser, so typed and imported text agree.

    Blanks and placeholders ('--', 'NA', 'ERR') are not measured; '98%', '36,8' and '120 mmHg' are numbers;
    a temperature written in °F ('98.6 F') is converted to °C.
    """
    import pyarrow as pa

    # Imported here: the cell parser itself reads MISSING_TOKENS from this module.
    from dashboard.core.csvfile.cells import to_numbers

    numbers = pd.DataFrame(index=raw.index)
    problems: list[Problem] = []
    for column in columns:
        if column not in raw:
            numbers[column] = np.nan
            continue
        cells = raw[column]
        if pd.api.types.is_numeric_dtype(cells):
            numbers[column] = cells.astype("float64")
            continue
        text = pa.array([None if pd.isna(v) else str(v) for v in cells], type=pa.string())
        parsed = to_numbers(text)
        values = parsed.values
        if column == "temp_c":
            values = np.where(parsed.fahrenheit, np.round((values - 32) * 5 / 9, 1), values)
        for row in np.flatnonzero(parsed.not_number):
            value = cells.iloc[row]
            problems.append(Problem(int(row), column, value, f"'{str(value).strip()}' is not a number"))
        numbers[column] = pd.Series(values, index=raw.index, dtype="float64")
    return numbers, problems


def check_values(values: pd.DataFrame, limits: dict[str, Range] | None = None) -> list[Problem]:
    """Every plausibility problem in a frame of numeric vitals (NaN = not measured)."""
    limits = limits or plausibility_limits()
    problems: list[Problem] = []

    def flag(mask: pd.Series, column: str, reason) -> None:
        for row in np.flatnonzero(mask.to_numpy(dtype=bool, na_value=False)):
            problems.append(Problem(int(row), column, values[column].iloc[row], reason(row)))

    for key in VITAL_KEYS:
        if key not in values:
            continue
        vital, bounds, col = VITAL_BY_KEY[key], limits[key], values[key]
        out = (col < bounds.min) | (col > bounds.max)
        if key == "temp_c":
            fahrenheit = col.between(90, 113)
            flag(fahrenheit, key, lambda r, c=col: (
                f"temperature {_fmt(c.iloc[r])} looks like Fahrenheit "
                f"({_fmt(round((c.iloc[r] - 32) * 5 / 9, 1))} °C); enter °C"))
            out &= ~fahrenheit
        flag(out, key, lambda r, v=vital, b=bounds, c=col: (
            f"{v.short} {_fmt(c.iloc[r])} {v.unit} is outside the possible range "
            f"{_fmt(b.min)}-{_fmt(b.max)} {v.unit}"))

    sbp, dbp = values.get("sbp"), values.get("dbp")
    if sbp is not None and dbp is not None:
        flag(sbp.isna() & dbp.notna(), "sbp", lambda r: "systolic is missing: enter both systolic and diastolic")
        flag(sbp.notna() & dbp.isna(), "dbp", lambda r: "diastolic is missing: enter both systolic and diastolic")
        both = sbp.notna() & dbp.notna()
        not_below = both & (dbp >= sbp)
        flag(not_below, "dbp", lambda r: f"diastolic {_fmt(dbp.iloc[r])} is not below systolic {_fmt(sbp.iloc[r])}")
        pulse = sbp - dbp
        for low, high, minimum in PULSE_PRESSURE_BANDS:
            narrow = both & ~not_below & (sbp >= low) & (sbp < high) & (pulse < minimum)
            flag(narrow, "dbp", lambda r, m=minimum: (
                f"pulse pressure {_fmt(pulse.iloc[r])} mmHg ({_fmt(sbp.iloc[r])}/{_fmt(dbp.iloc[r])}) is too "
                f"narrow for that systolic: at least {m} expected; check the cuff and the digits"))
        mean = values.get("map")
        if mean is not None:
            outside = both & ~not_below & mean.notna() & ((mean <= dbp) | (mean >= sbp))
            flag(outside, "map", lambda r: (
                f"MAP {_fmt(mean.iloc[r])} is not between diastolic {_fmt(dbp.iloc[r])} "
                f"and systolic {_fmt(sbp.iloc[r])}"))

    present = [k for k in VITAL_KEYS if k in values]
    empty = values[present].isna().all(axis=1)
    for row in np.flatnonzero(empty.to_numpy()):
        problems.append(Problem(int(row), "", None, "no vital sign entered"))
    return problems


def check_times(measured_at: pd.Series, *, reference: datetime | None, now: datetime,
                tz: str | None = None) -> list[Problem]:
    """Times in the future, or far outside the session they are recorded for.

    With tz (the clinic's zone) the messages name clinic clock times, as the page shows them; else UTC.
    """
    problems: list[Problem] = []
    times = pd.to_datetime(measured_at, utc=True)

    def named(row: int) -> str:
        moment = times.iloc[row]
        return f"{moment:%Y-%m-%d %H:%M} UTC" if tz is None else clock_text(moment.to_pydatetime(), tz, now=now)

    future = times > pd.Timestamp(now) + FUTURE_TOLERANCE
    for row in np.flatnonzero(future.to_numpy()):
        now_text = "" if tz is None else f" (now {clock_text(now, tz)})"
        problems.append(Problem(int(row), "measured_at", times.iloc[row], f"{named(row)} is in the future{now_text}"))
    if reference is not None:
        ref = pd.Timestamp(reference)
        early = times < ref - SESSION_WINDOW_BEFORE
        late = times > ref + SESSION_WINDOW_AFTER
        for row in np.flatnonzero(early.to_numpy()):
            problems.append(Problem(int(row), "measured_at", times.iloc[row],
                                    f"{named(row)} is more than 12 h before this session"))
        for row in np.flatnonzero((late & ~future).to_numpy()):
            problems.append(Problem(int(row), "measured_at", times.iloc[row],
                                    f"{named(row)} is more than 24 h after this session began"))
    return problems


def complete_map(values: pd.DataFrame) -> pd.DataFrame:
    """Fill a missing MAP from SBP and DBP and flag it as computed; a measured MAP is kept as is."""
    out = values.copy()
    computable = out["map"].isna() & out["sbp"].notna() & out["dbp"].notna()
    out["map_computed"] = computable
    out.loc[computable, "map"] = compute_map(out.loc[computable, "sbp"], out.loc[computable, "dbp"])
    return out


@dataclass(frozen=True)
class EntryResult:
    values: dict[str, float | bool | None] | None
    problems: list[Problem]
    measured_at: datetime | None = None  # the moment the entry is for (None when its time was unreadable)

    def by_field(self) -> dict[str, str]:
        """Reasons keyed by field, for showing beside each input."""
        reasons: dict[str, list[str]] = {}
        for p in self.problems:
            reasons.setdefault(p.column, []).append(p.reason)
        return {field: "; ".join(texts) for field, texts in reasons.items()}


def validate_entry(raw: dict[str, object], *, measured_at: datetime, now: datetime,
                   session_reference: datetime | None, tz: str | None = None) -> EntryResult:
    """Check one typed-in set of vitals; values come back only when nothing is wrong (times named in tz).

    The rules are those of a file's rows (check_many, check_times); a typed entry is checked without building
    frames, as a nurse saves one every few minutes on every chair at once."""
    numbers, problems = _entry_numbers(raw)
    problems = check_many({k: np.array([numbers[k]]) for k in VITAL_KEYS}, problems)  # keeps the unreadable
    problems += _entry_time_problems(measured_at, session_reference, now, tz)
    problems = _drop_followups(problems)
    if problems:
        return EntryResult(None, problems, measured_at)
    values = {k: (None if np.isnan(numbers[k]) else float(numbers[k])) for k in VITAL_KEYS}
    sbp, dbp = numbers["sbp"], numbers["dbp"]
    computable = bool(np.isnan(numbers["map"]) and not np.isnan(sbp) and not np.isnan(dbp))
    if computable:  # as complete_map does, in numpy's rounding
        values["map"] = float(compute_map(sbp, dbp))
    values["map_computed"] = computable
    return EntryResult(values, [], measured_at)


def _entry_numbers(raw: dict[str, object]) -> tuple[dict[str, np.float64], list[Problem]]:
    """coerce_numbers for one entry: plain numbers (or blanks) in one cast; anything else as a file's cells."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = [raw.get(k) for k in VITAL_KEYS]
    texts = [None if pd.isna(v) else str(v) for v in cells]
    try:
        parsed = np.asarray(pc.cast(pa.array(texts, type=pa.string()), pa.float64()).to_numpy(zero_copy_only=False),
                            dtype="float64")
        return dict(zip(VITAL_KEYS, parsed, strict=True)), []
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        numbers, problems = coerce_numbers(pd.DataFrame([dict(zip(VITAL_KEYS, cells, strict=True))], dtype="object"))
        return {k: numbers[k].to_numpy(dtype="float64", na_value=np.nan)[0] for k in VITAL_KEYS}, problems


def _entry_time_problems(measured_at: datetime, reference: datetime | None, now: datetime,
                         tz: str | None) -> list[Problem]:
    """check_times for one moment, which is nearly always in its window: compared as it is, named by
    check_times when it is not."""
    aware = all(t is None or t.tzinfo is not None for t in (measured_at, reference, now))
    if aware and measured_at <= now + FUTURE_TOLERANCE and (
            reference is None or reference - SESSION_WINDOW_BEFORE <= measured_at <= reference + SESSION_WINDOW_AFTER):
        return []
    return check_times(pd.Series([measured_at]), reference=reference, now=now, tz=tz)


def _drop_followups(problems: list[Problem]) -> list[Problem]:
    """A cell that is not a number is also 'missing' to the pair rules; say only the first thing."""
    not_numbers = {(p.row, p.column) for p in problems if p.reason.endswith("is not a number")}
    pair_partner = {"sbp": "dbp", "dbp": "sbp"}
    kept = []
    for p in problems:
        partner = pair_partner.get(p.column)
        if "is missing" in p.reason and partner and (p.row, p.column) in not_numbers:
            continue
        if p.column == "" and not_numbers and any(r == p.row for r, _ in not_numbers):
            continue
        kept.append(p)
    return kept


def _floats(column) -> np.ndarray:
    """A column of a frame (NA as NaN) or an array, as float64."""
    if isinstance(column, pd.Series):
        return column.to_numpy(dtype="float64", na_value=np.nan)
    return np.asarray(column, dtype="float64")


def suspect_rows(values: pd.DataFrame | dict[str, np.ndarray], limits: dict[str, Range] | None = None
                 ) -> np.ndarray:
    """Rows any rule of check_values could flag: a cheap numpy superset, so a large clean file is checked fast."""
    limits = limits or plausibility_limits()
    present = [k for k in VITAL_KEYS if k in values]
    arrays = {k: _floats(values[k]) for k in present}
    n = len(next(iter(arrays.values()))) if arrays else len(values)
    suspect = np.zeros(n, dtype=bool)
    anything = np.zeros(n, dtype=bool)
    with np.errstate(invalid="ignore"):
        for key, col in arrays.items():
            seen = ~np.isnan(col)
            anything |= seen
            suspect |= seen & ~((col >= limits[key].min) & (col <= limits[key].max))
        sbp, dbp, mean = arrays.get("sbp"), arrays.get("dbp"), arrays.get("map")
        if sbp is not None and dbp is not None:
            has_s, has_d = ~np.isnan(sbp), ~np.isnan(dbp)
            suspect |= has_s ^ has_d
            both = has_s & has_d
            suspect |= both & ~(dbp < sbp)
            for low, high, minimum in PULSE_PRESSURE_BANDS:
                suspect |= both & (sbp >= low) & (sbp < high) & (sbp - dbp < minimum)
            if mean is not None:
                suspect |= has_s & has_d & ~np.isnan(mean) & ~((mean > dbp) & (mean < sbp))
    return suspect | ~anything


def check_many(values: pd.DataFrame | dict[str, np.ndarray], not_numbers: list[Problem] = (),
               limits: dict[str, Range] | None = None) -> list[Problem]:
    """check_values over many rows, run only on the rows it could flag; problems carry positions in values.

    not_numbers: cells already reported as unreadable; as for a typed entry, their follow-ups (a pair's
    'is missing', 'no vital sign entered') are left out.
    """
    rows = suspect_rows(values, limits)
    rows[[p.row for p in not_numbers]] = True
    positions = np.flatnonzero(rows)
    problems: list[Problem] = []
    if len(positions):
        subset = pd.DataFrame({k: _floats(values[k])[positions] for k in VITAL_KEYS if k in values})
        problems = [Problem(int(positions[p.row]), p.column, p.value, p.reason) for p in check_values(subset, limits)]
    # What _drop_followups does for one entry, with sets: many rows may have unreadable cells.
    unreadable = {(p.row, p.column) for p in not_numbers}
    unreadable_rows = {row for row, _ in unreadable}
    kept = [p for p in problems
            if not ("is missing" in p.reason and p.column in ("sbp", "dbp") and (p.row, p.column) in unreadable)
            and not (p.column == "" and p.row in unreadable_rows)]
    return list(not_numbers) + kept
