"""NEWS2 (Royal College of Physicians) for every complete set of vitals, vectorized."""

from __future__ import annotations

import numpy as np
import pandas as pd

# (upper bound inclusive, points) per parameter, scanned in order; values above the last bound score `top`.
_BANDS = {
    "rr": ([8, 11, 20, 24], [3, 1, 0, 2], 3),
    "spo2": ([91, 93, 95], [3, 2, 1], 0),
    "sbp": ([90, 100, 110, 219], [3, 2, 1, 0], 3),
    "hr": ([40, 50, 90, 110, 130], [3, 1, 0, 1, 2], 3),
    "temp_c": ([35.0, 36.0, 38.0, 39.0], [3, 1, 0, 1], 2),
}
REQUIRED = ("rr", "spo2", "sbp", "hr")  # temperature counts when measured


def _points(values: np.ndarray, key: str) -> np.ndarray:
    bounds, points, top = _BANDS[key]
    return np.select([values <= b for b in bounds], points, default=top)


def news2(readings: pd.DataFrame) -> pd.DataFrame:
    """score, the highest single-parameter points, and the response band; NaN/None where a set is incomplete.

    Assumes room air and an alert patient (the chart records sedation separately).
    """
    complete = readings[list(REQUIRED)].notna().all(axis=1).to_numpy()
    parts = [_points(readings[key].to_numpy(dtype="float64"), key) for key in REQUIRED]
    temp = readings["temp_c"].to_numpy(dtype="float64") if "temp_c" in readings else np.full(len(readings), np.nan)
    parts.append(np.where(np.isnan(temp), 0, _points(temp, "temp_c")))
    stacked = np.vstack(parts)
    score = stacked.sum(axis=0).astype(float)
    single = stacked.max(axis=0)
    band = np.select([score >= 7, score >= 5, single >= 3, score >= 1], ["high", "medium", "low-medium", "low"],
                     default="none")
    return pd.DataFrame({
        "news2": np.where(complete, score, np.nan),
        "news2_max_single": np.where(complete, single, np.nan),
        "news2_response": np.where(complete, band, None),
    }, index=readings.index)


RESPONSE_TEXT = {
    "none": "routine monitoring",
    "low": "nurse assessment",
    "low-medium": "urgent ward-based review (a 3 in one parameter)",
    "medium": "urgent review",
    "high": "emergency response",
}


def last_complete(readings: pd.DataFrame) -> pd.Series | None:
    """news2, news2_max_single, news2_response of the last complete set (rows in time order), None if none.

    Scores that one row only: the page needs the latest score, not one per reading of a long session.
    """
    if readings.empty or any(key not in readings for key in REQUIRED):
        return None
    complete = np.flatnonzero(readings[list(REQUIRED)].notna().all(axis=1).to_numpy())
    if not len(complete):
        return None
    return news2(readings.iloc[[complete[-1]]]).iloc[0]
