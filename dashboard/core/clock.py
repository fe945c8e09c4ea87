"""Time helpers shared by every layer: the current UTC time and UTC normalisation."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pandas as pd


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime | pd.Timestamp | str) -> datetime:
    """Return an aware UTC datetime; a naive value is taken to be UTC already."""
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.to_pydatetime()


def today_in(tz: str) -> date:
    """The calendar date now at the clinic."""
    return utcnow().astimezone(ZoneInfo(tz)).date()
