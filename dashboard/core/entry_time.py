"""When a typed entry happened: the moment of saving, or a clinic clock time the nurse set (a late entry)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

# Entered this long after it was measured, a manual entry is a late entry (shown as such).
LATE_ENTRY_AFTER = timedelta(minutes=1)
FUTURE_TOLERANCE = timedelta(minutes=5)
_CLOCK = re.compile(r"^(\d{1,2})[:.h](\d{2})(?:[:.](\d{2}))?$")


def parse_clock(text: str) -> time:
    """'9:05', '09:05:30' (also 09.05, 9h05) as a clock time; ValueError says what is expected."""
    cleaned = text.strip()
    match = _CLOCK.match(cleaned)
    if not match:
        raise ValueError(f"'{cleaned}' is not a clock time: type HH:MM or HH:MM:SS, e.g. 09:05 or 09:05:30")
    hours, minutes, seconds = (int(part) if part else 0 for part in match.groups())
    if hours > 23 or minutes > 59 or seconds > 59:
        raise ValueError(f"'{cleaned}' is not a clock time: hours 0-23, minutes and seconds 0-59")
    return time(hours, minutes, seconds)


def moment_of_clock(clock: time, *, session_date: date, tz: str, reference: datetime, now: datetime) -> datetime:
    """The moment a clock time means for a session: on its date or the next (a session may cross midnight).

    The candidate nearest the reference (infusion start, or now) that is not in the future is taken.
    """
    zone = ZoneInfo(tz)
    candidates = [datetime.combine(session_date + timedelta(days=d), clock, tzinfo=zone) for d in (0, 1)]
    past = [c for c in candidates if c <= now + FUTURE_TOLERANCE] or candidates[:1]
    return min(past, key=lambda c: abs(c - reference))


def entry_moment(given: datetime | str | None, *, session_date: date, tz: str, reference: datetime | None,
                 now: datetime) -> datetime:
    """None or '' is now (the moment of saving, to the second); a datetime is kept; text is a clinic clock time."""
    if isinstance(given, datetime):
        return given
    if given is None or not given.strip():
        return now
    return moment_of_clock(parse_clock(given), session_date=session_date, tz=tz, reference=reference or now,
                           now=now)


def is_late(measured_at, entered_at) -> bool:
    """Entered well after it was measured (works on scalars and on pandas Series)."""
    return (entered_at - measured_at) > LATE_ENTRY_AFTER


def typed_after(readings: pd.DataFrame, moment: datetime) -> pd.DataFrame:
    """Readings typed in (not imported from a file, not corrections) after `moment`, in order of entry: the late
    entries a discharge note names. A monitor export filed after the session is not a late entry."""
    typed = readings[(readings["source"] == "manual") & readings["supersedes_id"].isna()
                     & (readings["entered_at"] > pd.Timestamp(moment))]
    return typed.sort_values(["entered_at", "id"])


def clock_text(moment: datetime, tz: str, *, now: datetime | None = None) -> str:
    """'09:05:30' in the clinic's zone, with the date when it is not the day of `now`."""
    local = moment.astimezone(ZoneInfo(tz))
    if now is not None and local.date() != now.astimezone(ZoneInfo(tz)).date():
        return f"{local:%Y-%m-%d %H:%M:%S}"
    return f"{local:%H:%M:%S}"
