"""The board for nurses and supervisors: every chair's session on one screen, most urgent first."""

from __future__ import annotations

from datetime import datetime
from threading import Lock

from sqlalchemy import Engine

from dashboard.core import board as core_board
from dashboard.core.board import Tile
from dashboard.core.clock import today_in, utcnow
from dashboard.core.protocol import default_protocol
from dashboard.core.roles import Actor
from dashboard.store import board as store_board
from dashboard.store import protocols as store_protocols

# A stored protocol version never changes, so its BP interval is read once per process.
_intervals: dict[int, float] = {}
_intervals_lock = Lock()


def _bp_intervals(engine: Engine, version_ids: set[int]) -> dict[int, float]:
    from dashboard.services.protocols import parse
    with _intervals_lock:
        missing = version_ids - _intervals.keys()
    found = {vid: parse(store_protocols.by_id(engine, vid).definition).bp_interval_min for vid in missing}
    with _intervals_lock:
        _intervals.update(found)
        return {vid: _intervals[vid] for vid in version_ids}


class Board:
    def __init__(self, engine: Engine, actor: Actor, tz: str = "UTC"):
        self.engine, self.actor, self.tz = engine, actor, tz

    def tiles(self, now: datetime | None = None) -> list[Tile]:
        """One tile per session in progress and per planned session of today (clinic day), most urgent first:
        unacknowledged high, then medium, then BP overdue, then the rest, each by chair; planned last."""
        self.actor.require("session.read")
        now = now or utcnow()
        rows = store_board.board_rows(self.engine, today_in(self.tz))
        intervals = _bp_intervals(self.engine, {r["protocol_version_id"] for r in rows} - {None})
        return core_board.tiles(rows, now, intervals, default_protocol().bp_interval_min)
