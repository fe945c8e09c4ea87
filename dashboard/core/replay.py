"""Replay clock for training: where a replayed session is now, given play, pause, seek and speed."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd


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


def visible_until(frame: pd.DataFrame, column: str, origin: pd.Timestamp, minute: float) -> pd.DataFrame:
    """Rows that have happened by `minute` minutes after origin."""
    return frame[frame[column] <= pd.Timestamp(origin) + pd.Timedelta(minutes=minute)]
