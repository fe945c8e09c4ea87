"""Replay for training: where a replayed scenario is now (play, pause, seek, speed, step), and what the alert
engine says at that moment (a prefix of the readings gives the alerts of that moment: the engine is causal)."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, replace

import pandas as pd

from dashboard.core.alert_events import group
from dashboard.core.alerts import ALERT_COLUMNS, evaluate
from dashboard.core.protocol import Protocol

SPEEDS = {"1×": 1.0, "5×": 5.0, "20×": 20.0, "60×": 60.0}  # replay seconds per wall second
EPSILON_MIN = 1e-6


@dataclass(frozen=True)
class ReplayClock:
    """Position in session minutes; while playing it advances speed-times real time (wall seconds)."""

    start_min: float
    end_min: float
    speed: float = 30.0
    anchor_min: float | None = None
    playing_since: float | None = None

    def position(self, now: float) -> float:
        base = self.start_min if self.anchor_min is None else self.anchor_min
        if self.playing_since is not None:
            base += (now - self.playing_since) * self.speed / 60.0
        return min(max(base, self.start_min), self.end_min)

    @property
    def playing(self) -> bool:
        return self.playing_since is not None

    def finished(self, now: float) -> bool:
        return self.position(now) >= self.end_min

    def play(self, now: float) -> ReplayClock:
        anchor = self.position(now)
        if anchor >= self.end_min:
            anchor = self.start_min
        return replace(self, anchor_min=anchor, playing_since=now)

    def pause(self, now: float) -> ReplayClock:
        return replace(self, anchor_min=self.position(now), playing_since=None)

    def seek(self, minute: float, now: float) -> ReplayClock:
        minute = min(max(minute, self.start_min), self.end_min)
        return replace(self, anchor_min=minute, playing_since=now if self.playing else None)

    def with_speed(self, speed: float, now: float) -> ReplayClock:
        return replace(self, anchor_min=self.position(now), playing_since=now if self.playing else None, speed=speed)

    def hold_at(self, stop_min: float | None, now: float) -> tuple[ReplayClock, bool]:
        """Paused exactly at stop_min when the clock has reached it (a question waiting); (clock, stopped)."""
        if stop_min is None or self.position(now) < stop_min - EPSILON_MIN:
            return self, False
        return replace(self, anchor_min=max(min(stop_min, self.end_min), self.start_min), playing_since=None), True

    def step_to(self, target_min: float | None, now: float, stop_min: float | None = None) -> ReplayClock:
        """Jump to a target (the next reading or alert), never past a waiting question; paused there."""
        if target_min is None:
            target_min = self.end_min
        if stop_min is not None:
            target_min = min(target_min, stop_min)
        return replace(self.seek(target_min, now), playing_since=None)


def next_after(moments: list[float] | tuple[float, ...], minute: float) -> float | None:
    """The first of the sorted moments strictly after minute, or None."""
    at = bisect_right(moments, minute + EPSILON_MIN)
    return moments[at] if at < len(moments) else None


def visible_until(frame: pd.DataFrame, column: str, origin: pd.Timestamp, minute: float) -> pd.DataFrame:
    """Rows that have happened by `minute` minutes after origin."""
    return frame[frame[column] <= pd.Timestamp(origin) + pd.Timedelta(minutes=minute)]


@dataclass(frozen=True)
class Moment:
    """The alerts at one replay moment, as the engine raises them from the readings so far."""

    alerts: pd.DataFrame  # rule-level episodes (ALERT_COLUMNS), open ones with ended_at NaT
    events: pd.DataFrame  # grouped: started_at, ended_at, priority, summary, ...

    def banner(self) -> pd.DataFrame:
        """High-priority events still active: the banner a nurse would see."""
        e = self.events
        return e[(e["priority"] == "high") & e["ended_at"].isna()] if len(e) else e

    def overdue(self) -> pd.DataFrame:
        a = self.alerts
        return a[(a["rule"] == "bp_overdue") & a["ended_at"].isna()] if len(a) else a

    def started_between(self, after: pd.Timestamp, until: pd.Timestamp) -> pd.DataFrame:
        """Events that started in (after, until]: one toast each."""
        e = self.events
        return e[(e["started_at"] > after) & (e["started_at"] <= until)] if len(e) else e


def alerts_at(readings: pd.DataFrame, sessions: pd.DataFrame, protocol: Protocol, moment: pd.Timestamp) -> Moment:
    """Evaluate the readings measured by `moment` (and the BP interval up to it) under the protocol."""
    shown = readings[pd.to_datetime(readings["measured_at"], utc=True) <= moment].assign(session_id=1)
    found = evaluate(shown, sessions, protocol, now=moment) if len(shown) else pd.DataFrame(columns=ALERT_COLUMNS)
    found = found[pd.to_datetime(found["started_at"], utc=True) <= moment] if len(found) else found
    return Moment(found, group(found))


def alert_starts(readings: pd.DataFrame, sessions: pd.DataFrame, protocol: Protocol, origin: pd.Timestamp
                 ) -> list[float]:
    """Minutes (from origin) at which alert events start over the whole replay, sorted (for 'next alert')."""
    found = evaluate(readings.assign(session_id=1), sessions, protocol) if len(readings) else pd.DataFrame()
    if found.empty:
        return []
    starts = (pd.to_datetime(found["started_at"], utc=True) - origin).dt.total_seconds() / 60
    return sorted(set(round(float(m), 6) for m in starts))
