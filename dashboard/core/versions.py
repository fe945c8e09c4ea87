"""A session's reading versions read once: the readings in force, a stamp of its last change, table pages."""

from __future__ import annotations

import math

import pandas as pd


def in_force(history: pd.DataFrame) -> pd.DataFrame:
    """The readings that count (current versions not voided), as session_readings without history gives them."""
    keep = history["is_current"].to_numpy(dtype=bool) & ~history["entered_in_error"].to_numpy(dtype=bool)
    return history.loc[keep].drop(columns=["replaced_by", "is_current"]).reset_index(drop=True)


def change_stamp(history: pd.DataFrame, events: pd.DataFrame) -> tuple[int, int, int, int]:
    """Changes whenever a reading, correction, void or event is stored: the rows are append-only, so their count
    and highest id name the state exactly (a deleted-then-added row cannot happen)."""
    def last(frame: pd.DataFrame) -> int:
        return int(frame["id"].max()) if len(frame) else 0
    return len(history), last(history), len(events), last(events)


def page_count(rows: int, per_page: int) -> int:
    return max(1, math.ceil(rows / per_page))


def newest_page(history: pd.DataFrame, page: int, per_page: int) -> pd.DataFrame:
    """Page 1 is the newest per_page versions (history comes in time order), page 2 the ones before, ..."""
    page = min(max(int(page), 1), page_count(len(history), per_page))
    end = len(history) - (page - 1) * per_page
    return history.iloc[max(end - per_page, 0):end]
