"""The three blood pressures a Spravato REMS monitoring form records: before dosing, about 40 minutes after the
start, and before discharge, picked from a session's readings in force."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

POINTS = ("before_dosing", "about_40_min", "before_discharge")
POINT_LABELS = {"before_dosing": "before dosing", "about_40_min": "about 40 min after the start",
                "before_discharge": "before discharge"}
AFTER_START = timedelta(minutes=40)
AROUND_40 = timedelta(minutes=15)  # a BP 25-55 min after the start stands for "about 40 minutes after"
BEFORE_DISCHARGE = timedelta(minutes=60)  # the last BP of the hour before discharge, after the infusion stopped


@dataclass(frozen=True)
class Pressure:
    reading_id: int
    measured_at: datetime
    sbp: float
    dbp: float

    @property
    def text(self) -> str:
        return f"{self.sbp:.0f}/{self.dbp:.0f}"


def _pressure(row) -> Pressure:
    return Pressure(int(row["id"]), row["measured_at"].to_pydatetime(), float(row["sbp"]), float(row["dbp"]))


def rems_pressures(readings: pd.DataFrame, started_at: datetime | None, stopped_at: datetime | None,
                   discharged_at: datetime | None) -> dict[str, Pressure | None]:
    """POINTS -> the blood pressure that answers it, or None when the session has none (a gap to warn of).

    readings: the session's readings in force (id, measured_at aware UTC, sbp, dbp)."""
    found: dict[str, Pressure | None] = dict.fromkeys(POINTS)
    if started_at is None or readings.empty:
        return found
    bp = readings[readings["sbp"].notna() & readings["dbp"].notna()].sort_values("measured_at", kind="stable")
    start = pd.Timestamp(started_at)
    before = bp[bp["measured_at"] <= start]
    if len(before):
        found["before_dosing"] = _pressure(before.iloc[-1])
    distance = (bp["measured_at"] - (start + AFTER_START)).abs()
    near = bp[distance <= AROUND_40]
    if len(near):
        found["about_40_min"] = _pressure(near.loc[distance[near.index].idxmin()])
    if discharged_at is not None:
        end = pd.Timestamp(discharged_at)
        after = pd.Timestamp(stopped_at) if stopped_at is not None else start
        last = bp[(bp["measured_at"] <= end) & (bp["measured_at"] >= max(after, end - BEFORE_DISCHARGE))]
        if len(last):
            found["before_discharge"] = _pressure(last.iloc[-1])
    return found


def missing_points(pressures: dict[str, Pressure | None]) -> list[str]:
    """'no REMS blood pressure before dosing', ... for each point without one."""
    return [f"no REMS blood pressure {POINT_LABELS[point]}" for point in POINTS if pressures.get(point) is None]
