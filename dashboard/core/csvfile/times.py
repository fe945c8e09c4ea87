"""Times to UTC: ISO with or without offset, 11/02/2026 dates, date + time columns, epoch, elapsed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.core.csvfile.cells import to_numbers
from dashboard.core.csvfile.errors import NeedsSetting, UnusableFile

NAT = np.datetime64("NaT", "us")
_ISO = (r"(?i)^\d{4}-\d{1,2}-\d{1,2}(?:[t ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?"
        r"\s*(?:z|utc|gmt|[+-]\d{2}(?::?\d{2})?)?$")
_OFFSET = r"(?i)\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:z|utc|gmt|[+-]\d{2}(?::?\d{2})?)$"
_DMY = (r"(?i)^(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<y>\d{4}|\d{2})"
        r"(?:[ t,]+(?P<hh>\d{1,2})[:.](?P<mm>\d{2})(?::(?P<ss>\d{2}))?\s*(?P<ampm>am|pm)?)?$")
_CLOCK = r"(?i)^\d{1,2}:\d{2}(?::\d{2})?\s*(?:am|pm)?$"
_ELAPSED = r"^(?P<sign>[+-]?)(?P<a>\d+):(?P<b>\d{1,2})(?::(?P<c>\d{1,2}(?:\.\d+)?))?$"


@dataclass(frozen=True)
class TimeHandling:
    kind: str  # "iso", "dates", "date+clock", "epoch", "elapsed"
    columns: tuple[str, ...]
    description: str  # said to the user: which column, which zone, which order
    dayfirst: bool | None = None
    start: datetime | None = None


@dataclass(frozen=True)
class Times:
    utc: np.ndarray  # datetime64[us] in UTC; NaT where a line has no usable time
    problems: list[tuple[int, str, str]]  # (row, header, reason)
    handling: TimeHandling


def _bools(array) -> np.ndarray:
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)


def _present(cells) -> np.ndarray:
    return _bools(pc.is_valid(cells)) & ~_bools(pc.equal(pc.utf8_trim_whitespace(cells), ""))


def _ints(array, default: int = 0) -> np.ndarray:
    """Digits captured by a regex group ('' or null when the optional group was absent)."""
    array = pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)
    return np.asarray(pc.fill_null(pc.cast(array, pa.int64()), default).to_numpy(zero_copy_only=False))


def _example(cells, mask: np.ndarray) -> str:
    """The first such cell, for a message (control characters shown escaped, at most 40 characters)."""
    rows = np.flatnonzero(mask)
    text = str(cells[int(rows[0])]) if len(rows) else ""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)[:40]


def read_times(cells: dict[str, pa.ChunkedArray], headers: dict[str, str], *, tz: str, dayfirst: bool | None,
               start: datetime | None, elapsed_unit: str) -> Times:
    """Choose the clock the file gives and read every line's time; unusable lines are named, not guessed."""
    time, date, clock, elapsed = (cells.get(k) for k in ("time", "date", "clock", "elapsed"))
    if elapsed is not None and (start is not None or (time is None and date is None)):
        return _elapsed(elapsed, headers["elapsed"], elapsed_unit, start, tz)
    hint = (f"; the file also has '{headers['elapsed']}': give the start time to use it instead"
            if elapsed is not None else "")
    if time is not None:
        name = headers["time"]
        fast = _uniform(time, (name,), tz, hint)  # the usual file first: one vectorized parse
        if fast is not None:
            return fast
        present = _present(time)
        sample = pc.drop_null(time.slice(0, 1000))
        numeric = None
        if len(sample) and _bools(pc.match_substring_regex(sample, r"^\s*[+-]?\d+(\.\d*)?\s*$")).all():
            numeric = to_numbers(time)
        if numeric is not None and present.any() and not numeric.not_number.any():
            if np.nanmedian(numeric.values[present]) >= 1e9:
                return _epoch(time, numeric.values, present, name, hint)
            return _elapsed(time, name, "s", start, tz)
        trimmed = pc.utf8_trim_whitespace(time)
        clocks = _bools(pc.match_substring_regex(trimmed, _CLOCK))
        signed = _bools(pc.match_substring_regex(trimmed, r"^[+-]\d"))
        if present.any() and (clocks | signed)[present].all():
            if date is not None and not signed.any():
                return _date_and_clock(date, time, headers["date"], name, tz, dayfirst)
            if signed.any():
                return _elapsed(time, name, "min", start, tz)
            raise UnusableFile(f"the times in '{name}' (like '{_example(time, clocks)}') have no date: "
                               "add a date column, or map the column as elapsed time and give the start")
        return _datetimes(time, (name,), tz, dayfirst, hint)
    if date is not None and clock is not None:
        return _date_and_clock(date, clock, headers["date"], headers["clock"], tz, dayfirst)
    if date is not None:
        raise UnusableFile(f"the file has dates ('{headers['date']}') but no time of day: add a time column")
    raise UnusableFile("no time column found: name one timestamp, time, date and time, or elapsed_min "
                       "(or choose it in the mapping)")


def _twenty_four_hour(clock):
    """'9:20 PM' -> '21:20:00'; other cells unchanged."""
    parts = pc.extract_regex(pc.utf8_trim_whitespace(clock),
                             r"(?i)^(?P<h>\d{1,2})[:.](?P<m>\d{2})(?::(?P<s>\d{2}))?\s*(?P<ap>am|pm)$")
    twelve = _bools(pc.is_valid(parts))
    if not twelve.any():
        return pc.utf8_trim_whitespace(clock)
    hour, minute, second = (_ints(pc.struct_field(parts, k)) for k in ("h", "m", "s"))
    ap = np.asarray(pc.fill_null(pc.utf8_lower(pc.struct_field(parts, "ap")), "").to_numpy(zero_copy_only=False))
    hour = np.where((ap == "pm") & (hour < 12), hour + 12, np.where((ap == "am") & (hour == 12), 0, hour))
    text = [f"{h:02d}:{m:02d}:{s:02d}" if t else None for h, m, s, t in zip(hour, minute, second, twelve, strict=True)]
    return pc.if_else(pa.array(twelve), pa.array(text, pa.string()), pc.utf8_trim_whitespace(clock))


def _date_and_clock(date, clock, date_name: str, clock_name: str, tz: str, dayfirst: bool | None) -> Times:
    joined = pc.binary_join_element_wise(pc.utf8_trim_whitespace(date), _twenty_four_hour(clock), " ")
    times = _datetimes(joined, (date_name, clock_name), tz, dayfirst, "")
    handling = times.handling
    return Times(times.utc, times.problems, TimeHandling(
        "date+clock", handling.columns, f"dates in '{date_name}' with times in '{clock_name}'; "
        + handling.description, handling.dayfirst))


def _missing_problems(present: np.ndarray, name: str) -> list[tuple[int, str, str]]:
    return [(int(row), name, "no time on this line") for row in np.flatnonzero(~present)]


def _epoch(cells, seconds: np.ndarray, present: np.ndarray, name: str, hint: str) -> Times:
    seconds = np.where(seconds > 1e11, seconds / 1000, seconds)  # milliseconds
    utc = np.full(len(seconds), NAT)
    utc[present] = (seconds[present] * 1e6).astype("int64").astype("datetime64[us]")
    return Times(utc, _missing_problems(present, name),
                 TimeHandling("epoch", (name,), f"epoch seconds (UTC) in '{name}'{hint}"))


def _elapsed(cells, name: str, unit: str, start: datetime | None, tz: str) -> Times:
    words = "minutes" if unit == "min" else "seconds"
    if start is None:
        raise NeedsSetting("start", f"the times in '{name}' count {words} from the start of the recording: "
                                    "give the start time (date and time)")
    start_utc = pd.Timestamp(start)
    start_utc = (start_utc.tz_localize(ZoneInfo(tz)) if start_utc.tzinfo is None else start_utc).tz_convert("UTC")
    present = _present(cells)
    numeric = to_numbers(cells)
    seconds = numeric.values * (60.0 if unit == "min" else 1.0)
    parts = pc.extract_regex(pc.utf8_trim_whitespace(cells), _ELAPSED)
    matched = _bools(pc.is_valid(parts))
    if matched.any():
        a = _ints(pc.struct_field(parts, "a"))
        b = _ints(pc.struct_field(parts, "b"))
        c_text = pc.struct_field(parts, "c")
        has_c = _bools(pc.and_(pc.is_valid(c_text), pc.not_equal(c_text, "")))
        c = np.asarray(pc.fill_null(pc.cast(pc.if_else(has_c, c_text, pa.scalar(None, pa.string())),
                                            pa.float64()), 0).to_numpy(zero_copy_only=False))
        sign_text = pc.struct_field(parts, "sign")
        signed = _bools(pc.not_equal(sign_text, ""))
        negative = np.where(_bools(pc.equal(sign_text, "-")), -1.0, 1.0)
        # +hh:mm and h:mm:ss count hours; a bare mm:ss counts minutes
        text_seconds = np.where(has_c, a * 3600 + b * 60 + c, np.where(signed, a * 3600 + b * 60, a * 60 + b))
        seconds = np.where(matched, negative * text_seconds, seconds)
    ok = present & ~np.isnan(seconds)
    utc = np.full(len(seconds), NAT)
    base = np.datetime64(start_utc.tz_localize(None).to_datetime64(), "us")
    utc[ok] = base + (seconds[ok] * 1e6).astype("int64").astype("timedelta64[us]")
    problems = _missing_problems(present, name)
    problems += [(int(r), name, f"'{cells[int(r)]}' is not an elapsed time (minutes, mm:ss or +hh:mm)")
                 for r in np.flatnonzero(present & ~ok)]
    local = start_utc.tz_convert(ZoneInfo(tz))
    return Times(utc, problems, TimeHandling(
        "elapsed", (name,), f"elapsed time in '{name}' ({words}, mm:ss or +hh:mm) from the start "
        f"{local:%Y-%m-%d %H:%M} {tz}", start=start_utc.to_pydatetime()))


def _uniform(cells, names: tuple[str, ...], tz: str, hint: str) -> Times | None:
    """The usual file: every time in one ISO form (with offset, or without); one vectorized parse."""
    name = " + ".join(names)
    if cells.null_count:
        return None
    with_offset = pc.strptime(cells, format="%Y-%m-%dT%H:%M:%S%z", unit="us", error_is_null=True)
    if with_offset.null_count == 0:
        utc = with_offset.to_numpy(zero_copy_only=False).astype("datetime64[us]")
        return Times(utc, [], TimeHandling("iso", names, f"ISO 8601 times in '{name}', with UTC offsets "
                                                         f"(the clinic time zone is not needed){hint}"))
    if not _bools(pc.match_substring_regex(cells.slice(0, 1000), r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d")).all():
        return None
    try:
        local = pc.cast(cells, pa.timestamp("us")).to_numpy(zero_copy_only=False).astype("datetime64[us]")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    utc = _localize(local, tz)
    if np.isnat(utc).any():
        return None  # a time that does not exist in the zone: named line by line below
    return Times(utc, [], TimeHandling("iso", names, f"ISO 8601 times in '{name}', without UTC offset, "
                                                     f"read as {tz}{hint}"))


def _datetimes(cells, names: tuple[str, ...], tz: str, dayfirst: bool | None, hint: str) -> Times:
    fast = _uniform(pc.utf8_trim_whitespace(cells), names, tz, hint)
    if fast is not None:
        return fast
    name = " + ".join(names)
    n = len(cells)
    text = pc.utf8_trim_whitespace(cells)
    text = pc.replace_substring_regex(text, r"^(\d{4})/(\d{1,2})/(\d{1,2})", r"\1-\2-\3")
    text = pc.replace_substring_regex(text, r"(?i)\s*(?:utc|gmt)$", "Z")
    present = _present(text)
    iso = _bools(pc.match_substring_regex(text, _ISO))
    offset = iso & _bools(pc.match_substring_regex(text, _OFFSET))
    naive = iso & ~offset
    utc = np.full(n, NAT)
    problems: list[tuple[int, str, str]] = []
    if offset.any():
        utc[offset] = _parse_offset(pc.filter(text, pa.array(offset)))
    local = np.full(n, NAT)
    if naive.any():
        local[naive] = _parse_naive(pc.filter(text, pa.array(naive)))
    parts = pc.extract_regex(text, _DMY)
    dmy = _bools(pc.is_valid(parts)) & ~iso
    order = None
    if dmy.any():
        local, order = _parse_dmy(parts, dmy, local, cells, dayfirst, problems, name)
    local_rows = ~np.isnat(local)
    if local_rows.any():
        converted = _localize(local[local_rows], tz)
        utc[local_rows] = converted
        lost = np.flatnonzero(local_rows)[np.isnat(converted)]
        problems += [(int(r), name, f"'{cells[int(r)]}' does not exist or is ambiguous in {tz} (the clocks change "
                                    "that day): write it with its UTC offset") for r in lost]
    flagged = {row for row, _, _ in problems}
    bad = present & np.isnat(utc)
    problems += [(int(r), name, f"'{cells[int(r)]}' is not a date and time this file's column can be read as "
                                "(like 2026-11-02 09:10, 2026-11-02T09:10:00-05:00 or 02/11/2026 09:10)")
                 for r in np.flatnonzero(bad) if int(r) not in flagged]
    problems += _missing_problems(present, name)
    if offset.all() or not (naive | dmy).any():
        zone = "with UTC offsets (the clinic time zone is not needed)"
    elif offset.any():
        zone = f"with UTC offsets, and without (read as {tz})"
    else:
        zone = f"without UTC offset, read as {tz}"
    if dmy.any():
        kind, what = "dates", f"dates in {'day/month' if order else 'month/day'} order"
    else:
        kind, what = "iso", "ISO 8601 times"
    return Times(utc, problems, TimeHandling(kind, names, f"{what} in '{name}', {zone}{hint}", dayfirst=order))


def _parse_offset(text) -> np.ndarray:
    fast = pc.strptime(text, format="%Y-%m-%dT%H:%M:%S%z", unit="us", error_is_null=True)
    values = fast.to_numpy(zero_copy_only=False).astype("datetime64[us]")
    missing = np.isnat(values)
    if missing.any():
        rest = pd.Series(pc.filter(text, pa.array(missing)).to_pylist(), dtype="object")
        parsed = pd.to_datetime(rest.str.replace(",", ".", regex=False), format="ISO8601", utc=True, errors="coerce")
        values[missing] = parsed.dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
    return values


def _parse_naive(text) -> np.ndarray:
    try:
        return pc.cast(text, pa.timestamp("us")).to_numpy(zero_copy_only=False).astype("datetime64[us]")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        rest = pd.Series(text.to_pylist(), dtype="object").str.replace(",", ".", regex=False)
        parsed = pd.to_datetime(rest, format="ISO8601", errors="coerce")
        if getattr(parsed.dt, "tz", None) is not None:
            parsed = parsed.dt.tz_localize(None)
        return parsed.to_numpy(dtype="datetime64[us]")


def _localize(local: np.ndarray, tz: str) -> np.ndarray:
    if tz == "UTC":
        return local
    index = pd.DatetimeIndex(local).tz_localize(ZoneInfo(tz), ambiguous="NaT", nonexistent="NaT")
    return index.tz_convert("UTC").tz_localize(None).to_numpy(dtype="datetime64[us]")


def _parse_dmy(parts, dmy: np.ndarray, local: np.ndarray, cells, dayfirst: bool | None,
               problems: list, name: str) -> tuple[np.ndarray, bool]:
    a, b, year = (_ints(pc.struct_field(parts, k)) for k in ("a", "b", "y"))
    first_big, second_big = dmy & (a > 12), dmy & (b > 12)
    order = dayfirst
    if order is None:
        if first_big.any() and second_big.any():
            raise NeedsSetting("dayfirst", f"the dates in '{name}' are written both day/month "
                                           f"('{_example(cells, first_big)}') and month/day "
                                           f"('{_example(cells, second_big)}'): set the day/month order")
        if first_big.any() or second_big.any():
            order = bool(first_big.any())
        else:
            raise NeedsSetting("dayfirst", f"dates like '{_example(cells, dmy)}' in '{name}' could be day/month or "
                                           "month/day: set the day/month order")
    day, month = (a, b) if order else (b, a)
    year = np.where(year < 100, year + 2000, year)
    hour = _ints(pc.struct_field(parts, "hh"))
    minute = _ints(pc.struct_field(parts, "mm"))
    second = _ints(pc.struct_field(parts, "ss"))
    ampm = pc.fill_null(pc.utf8_lower(pc.struct_field(parts, "ampm")), "").to_numpy(zero_copy_only=False)
    hour = np.where((ampm == "pm") & (hour < 12), hour + 12, np.where((ampm == "am") & (hour == 12), 0, hour))
    rows = np.flatnonzero(dmy)
    frame = pd.DataFrame({"year": year[rows], "month": month[rows], "day": day[rows], "hour": hour[rows],
                          "minute": minute[rows], "second": second[rows]})
    valid = ((frame["month"].between(1, 12)) & (frame["day"].between(1, 31)) & (frame["hour"] < 24)
             & (frame["minute"] < 60) & (frame["second"] < 60)).to_numpy()
    parsed = np.full(len(rows), NAT)
    if valid.any():
        parsed[valid] = pd.to_datetime(frame[valid], errors="coerce").to_numpy(dtype="datetime64[us]")
    wrong = rows[np.isnat(parsed)]
    words = "day/month" if order else "month/day"
    problems += [(int(r), name, f"'{cells[int(r)]}' is not a date in {words} order") for r in wrong]
    local = local.copy()
    local[rows] = parsed
    return local, order
