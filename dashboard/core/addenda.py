"""A signed session's lock: the readings and events entered after its first signature are addenda, and the
session as it was signed is the versions and events entered up to that moment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pandas as pd

from dashboard.core.signoff import Signoff

ADDENDUM = "addendum"  # the mark of a row entered after the session was signed


def locked_at(signoffs: Sequence[Signoff]) -> datetime | None:
    """When the session was locked: its first signature; None while unsigned."""
    return min((s.signed_at for s in signoffs), default=None)


def is_addendum(entered_at: pd.Series, locked: datetime | None) -> np.ndarray:
    """True for each row entered after the lock (nothing is an addendum before a signature)."""
    if locked is None or entered_at.empty:
        return np.zeros(len(entered_at), dtype=bool)
    return (entered_at > pd.Timestamp(locked)).to_numpy(dtype=bool)


def with_addenda(table: pd.DataFrame, rows: pd.DataFrame, locked: datetime | None) -> pd.DataFrame:
    """The table with an 'After signing' column first ('addendum' for rows entered after the lock), when the
    session is signed; unchanged otherwise. rows: the source rows in the table's order (entered_at)."""
    if locked is None:
        return table
    marks = [] if rows.empty else np.where(is_addendum(rows["entered_at"], locked), ADDENDUM, "")
    return table.assign(**{"After signing": marks})[["After signing", *table.columns]]


def readings_as_signed(history: pd.DataFrame, locked: datetime | None) -> pd.DataFrame:
    """The reading versions stored when the session was signed, with 'replaced_by' and 'is_current' as they
    stood then (a version replaced only by an addendum correction was in force when signed).

    history: every version of the session's readings (store session_readings with history)."""
    if locked is None:
        return history
    kept = history.loc[~is_addendum(history["entered_at"], locked)].copy()
    corrections = kept.dropna(subset=["supersedes_id"])
    successors = pd.Series(corrections["id"].to_numpy(), index=corrections["supersedes_id"].astype("int64").to_numpy())
    kept["replaced_by"] = kept["id"].map(successors).astype("Int64")
    kept["is_current"] = kept["replaced_by"].isna()
    return kept.reset_index(drop=True)


def events_as_signed(events: pd.DataFrame, locked: datetime | None) -> pd.DataFrame:
    """The side effects and scores recorded when the session was signed."""
    if locked is None:
        return events
    return events.loc[~is_addendum(events["entered_at"], locked)].reset_index(drop=True)


def addenda_count(history: pd.DataFrame, events: pd.DataFrame, locked: datetime | None) -> int:
    """Readings (new, corrected or voided versions) and events entered after the lock."""
    return int(is_addendum(history["entered_at"], locked).sum() + is_addendum(events["entered_at"], locked).sum())


def addenda_lines(history: pd.DataFrame, events: pd.DataFrame, locked: datetime | None, tz: str) -> list[str]:
    """One line per addendum, in the order entered: what it is, when it was measured and when and by whom it
    was entered ('Reading #41 measured 09:30, entered 2026-11-03 14:02 by ana')."""
    found: list[tuple[pd.Timestamp, int, str]] = []
    for row in history.loc[is_addendum(history["entered_at"], locked)].itertuples():
        if row.entered_in_error:
            what = f"Reading #{int(row.supersedes_id)} marked as entered in error ({row.correction_reason})"
        elif pd.notna(row.supersedes_id):
            what = f"Correction #{int(row.id)} of reading #{int(row.supersedes_id)} ({row.correction_reason})"
        else:
            what = f"Reading #{int(row.id)}"
        found.append((row.entered_at, 0, f"{what}, measured {row.measured_at.tz_convert(tz):%H:%M}, "
                                         f"entered {row.entered_at.tz_convert(tz):%Y-%m-%d %H:%M} by {row.entered_by}"))
    for row in events.loc[is_addendum(events["entered_at"], locked)].itertuples():
        grade = f" {int(row.score)}" if pd.notna(row.score) else (f" ({row.severity})" if isinstance(
            row.severity, str) else "")
        what = f"{row.label}{grade}"
        found.append((row.entered_at, 1, f"Event {what} at {row.occurred_at.tz_convert(tz):%H:%M}, entered "
                                         f"{row.entered_at.tz_convert(tz):%Y-%m-%d %H:%M} by {row.entered_by}"))
    return [line for _, _, line in sorted(found, key=lambda item: (item[0], item[1]))]
