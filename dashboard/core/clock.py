"""Time helpers shared by every layer: the current UTC time and UTC normalisation."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pandas as pd


CLOCK_OFFSET_FILE = "IV_CLOCK_OFFSET_FILE"


def utcnow() -> datetime:
    return datetime.now(timezone.utc) + clock_offset()


def clock_offset() -> timedelta:
    """Seconds to add to the real clock, read from the file named by $IV_CLOCK_OFFSET_FILE (unset: none).

    Browser tests and training rooms use it to let clinical time pass (readings minutes apart) without
    waiting; the file is read on every call so a running server follows it at once.
    """
    path = os.environ.get(CLOCK_OFFSET_FILE)
    if not path:
        return timedelta(0)
    try:
        return timedelta(seconds=float(open(path).read().strip() or 0))
    except (OSError, ValueError):
        return timedelta(0)


def as_utc(value: datetime | pd.Timestamp | str) -> datetime:
    """Return an aware UTC datetime; a naive value is taken to be UTC already."""
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.to_pydatetime()


def today_in(tz: str) -> date:
    """The calendar date now at the clinic."""
    return utcnow().astimezone(ZoneInfo(tz)).date()
