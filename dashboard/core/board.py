"""The board's tiles: one per session in progress (and today's planned ones), most urgent first.

Pure: rows as the store's board query gives them in, tiles and their order out. The page draws them, the
command line prints them, and both agree because the order and every word are decided here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from dashboard.core.vitals import VITAL_KEYS

PRIORITY = {2: "high", 1: "medium"}  # the store's active_rank
ALERT_WORDS = {"high": "High alert", "medium": "Medium alert", None: "No active alert"}
ALERT_COLOURS = {"high": "red", "medium": "orange", None: "green"}  # shown with the words, never alone
PHASES = {"planned": "Planned", "infusing": "Infusing", "recovery": "Recovery"}
# Urgency, most urgent first: what the tile's reason says.
URGENT_HIGH, URGENT_MEDIUM, OVERDUE, RUNNING, PLANNED = range(5)
REASONS = {URGENT_HIGH: "high-priority alert to acknowledge", URGENT_MEDIUM: "medium-priority alert to acknowledge",
           OVERDUE: "blood pressure overdue", RUNNING: "", PLANNED: "planned today"}


@dataclass(frozen=True)
class Tile:
    session_id: int
    session: str
    patient: str
    chair: str | None
    phase: str  # planned, infusing, recovery
    elapsed_min: int | None  # since infusion start (infusing) or stop (recovery)
    latest: dict = field(default_factory=dict)  # the newest reading's vitals (measured only), at, age_min
    last_bp: dict | None = None  # sbp, dbp, at, age_min of the newest blood pressure
    bp_interval_min: float | None = None
    overdue: bool = False
    overdue_min: int = 0  # minutes past the interval
    highest_alert: str | None = None  # the highest priority among active alert events: high, medium or None
    unacknowledged_high: int = 0
    unacknowledged_medium: int = 0
    urgency: int = RUNNING

    @property
    def unacknowledged(self) -> int:
        """Alert events waiting for acknowledgement (high ones latch; medium ones while active)."""
        return self.unacknowledged_high + self.unacknowledged_medium

    @property
    def planned(self) -> bool:
        return self.phase == "planned"

    def as_dict(self) -> dict:
        """As `python -m dashboard board --json` prints it."""
        return {"session": self.session, "chair": self.chair, "phase": self.phase, "patient": self.patient,
                "elapsed_min": self.elapsed_min, "latest": self.latest, "last_bp": self.last_bp,
                "highest_alert": self.highest_alert, "overdue": self.overdue,
                "minutes_since_bp": None if self.last_bp is None else self.last_bp["age_min"],
                "bp_interval_min": self.bp_interval_min, "unacknowledged": self.unacknowledged,
                "unacknowledged_high": self.unacknowledged_high,
                "unacknowledged_medium": self.unacknowledged_medium, "urgency": REASONS[self.urgency] or None}


def _minutes(since: datetime | None, now: datetime) -> int | None:
    return None if since is None else max(0, int((now - since).total_seconds() // 60))


def tile(row: dict, now: datetime, bp_interval_min: float) -> Tile:
    """One session's tile; bp_interval_min: its protocol's BP interval."""
    phase = row["status"]
    started, stopped = row["infusion_started_at"], row["infusion_stopped_at"]
    latest = {}
    if row["latest_at"] is not None:
        latest = {k: row[k] for k in VITAL_KEYS if row[k] is not None}
        latest |= {"at": row["latest_at"].isoformat(), "age_min": _minutes(row["latest_at"], now)}
    last_bp = None
    if row["bp_at"] is not None:
        last_bp = {"sbp": row["bp_sbp"], "dbp": row["bp_dbp"], "at": row["bp_at"].isoformat(),
                   "age_min": _minutes(row["bp_at"], now)}
    overdue_min = 0
    if phase in ("infusing", "recovery") and started is not None:
        # as the alert engine's BP-overdue rule: from the infusion start or the last BP after it
        since = max(started, row["bp_at"]) if row["bp_at"] is not None else started
        late = (now - since).total_seconds() / 60 - bp_interval_min
        overdue_min = int(late) if late > 0 else 0
        overdue = late > 0
    else:
        overdue = False
    elapsed = _minutes(stopped, now) if phase == "recovery" else _minutes(started, now) if phase == "infusing" \
        else None
    highest = PRIORITY.get(row["active_rank"])
    high, medium = int(row["unacked_high"]), int(row["unacked_medium"])
    urgency = PLANNED if phase == "planned" else URGENT_HIGH if high else URGENT_MEDIUM if medium \
        else OVERDUE if overdue else RUNNING
    return Tile(row["session_id"], row["code"], row["patient"], row["chair"], phase, elapsed, latest, last_bp,
                bp_interval_min if phase != "planned" else None, overdue, overdue_min, highest, high, medium, urgency)


def chair_key(name: str | None) -> tuple:
    """'Chair 2' before 'Chair 10'; a session in no chair after those in one."""
    if name is None:
        return (1,)
    return (0, *[(0, int(p), "") if p.isdigit() else (1, 0, p.lower()) for p in re.split(r"(\d+)", name) if p])


def order(tiles: list[Tile]) -> list[Tile]:
    """Unacknowledged high first, then medium, then BP overdue, then the rest; within each by chair."""
    return sorted(tiles, key=lambda t: (t.urgency, chair_key(t.chair), t.session))


def tiles(rows: list[dict], now: datetime, bp_intervals: dict, default_interval: float) -> list[Tile]:
    """The board in order; bp_intervals: BP interval per pinned protocol version id."""
    return order([tile(row, now, bp_intervals.get(row["protocol_version_id"], default_interval)) for row in rows])


# Words the page and the command line share.

def phase_text(t: Tile) -> str:
    if t.phase == "planned":
        return "Planned (not started)"
    since = "since start" if t.phase == "infusing" else "since stop"
    return f"{PHASES[t.phase]} · {t.elapsed_min} min {since}"


def vitals_text(t: Tile) -> str:
    """'BP 128/82 · HR 74 · SpO2 98 · RR 14 — 3 min ago', or 'no readings yet'."""
    if not t.latest:
        return "no readings yet"
    v = t.latest
    parts = []
    if "sbp" in v or "dbp" in v:
        parts.append(f"BP {_n(v.get('sbp'))}/{_n(v.get('dbp'))}")
    for key, label in (("hr", "HR"), ("spo2", "SpO2"), ("rr", "RR")):
        if key in v:
            parts.append(f"{label} {_n(v[key])}")
    if "temp_c" in v:
        parts.append(f"T {v['temp_c']:.1f}")
    return f"{' · '.join(parts) or 'no vitals'} — {_ago(v['age_min'])}"


def bp_text(t: Tile) -> str:
    """'Last BP 12 min ago' with 'OVERDUE by 3 min' when it is."""
    if t.planned:
        return ""
    last = "no BP yet" if t.last_bp is None else f"last BP {_ago(t.last_bp['age_min'])}"
    if t.overdue:
        return f"BP OVERDUE by {t.overdue_min} min ({last}; every {t.bp_interval_min:g} min)"
    return last[0].upper() + last[1:]


def overdue_detail(t: Tile) -> str:
    """Beside an 'overdue' badge: 'by 5 min · last BP 30 min ago · every 15 min'."""
    last = "no BP yet" if t.last_bp is None else f"last BP {_ago(t.last_bp['age_min'])}"
    return f"by {t.overdue_min} min · {last} · every {t.bp_interval_min:g} min"


def acknowledgement_text(t: Tile) -> str:
    if not t.unacknowledged:
        return ""
    n = t.unacknowledged
    return f"{n} alert{'s' if n > 1 else ''} waiting for acknowledgement"


def _ago(minutes: int) -> str:
    return "just now" if minutes < 1 else f"{minutes} min ago"


def _n(value) -> str:
    return "–" if value is None else f"{value:g}"
