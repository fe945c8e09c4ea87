"""Alert events: the rule-level alerts that one set of readings fired, grouped into one thing to act on."""

from __future__ import annotations

import pandas as pd

from dashboard.core.vitals import VITAL_BY_KEY, VITAL_KEYS

PRIORITY_RANK = {"high": 0, "medium": 1, "low": 2}
EVENT_KEY = ["session_id", "started_at"]
RULE_ORDER = ("limit", "baseline_change", "multiple_warnings", "pre_dose_caution", "bp_overdue")
EVENT_COLUMNS = ["session_id", "started_at", "ended_at", "priority", "withdrawn", "members", "summary"]


def highest(priorities) -> str:
    """The most urgent of some priorities ('high' before 'medium' before 'low')."""
    return min(priorities, key=lambda p: PRIORITY_RANK.get(p, len(PRIORITY_RANK)))


def member_label(row) -> str:
    """One rule of an event in a few words, e.g. 'SBP 185 beyond critical'."""
    vital = VITAL_BY_KEY[row.vital].short if row.vital in VITAL_BY_KEY else row.vital
    peak = "" if pd.isna(row.peak_value) else f" {_number(row.vital, row.peak_value)}"
    if row.rule == "limit":
        return f"{vital}{peak} {'beyond critical' if row.level == 'critical' else 'outside warning'}"
    if row.rule == "baseline_change":
        return f"{vital}{peak} changed from baseline"
    return str(row.message)


def _number(vital: str, value: float) -> str:
    """Whole numbers as a monitor shows them (a computed MAP 136.3 is 136); temperature to a tenth."""
    return f"{value:.1f}" if vital == "temp_c" else f"{value:.0f}"


def _rows(members) -> list:
    return list(members.itertuples(index=False)) if isinstance(members, pd.DataFrame) else list(members)


def _order_key(row) -> tuple[int, int, int]:
    """Most urgent rules first; within a priority: limits, baseline, escalation, pre-dose, overdue, and
    vitals in their usual order (SBP, DBP, MAP, HR, ...)."""
    return (PRIORITY_RANK.get(row.priority, len(PRIORITY_RANK)),
            RULE_ORDER.index(row.rule) if row.rule in RULE_ORDER else len(RULE_ORDER),
            VITAL_KEYS.index(row.vital) if row.vital in VITAL_KEYS else len(VITAL_KEYS))


def describe(members, priority: str | None = None) -> str:
    """'High: SBP 185 beyond critical, DBP 112 beyond critical, MAP 136 beyond critical, ...'."""
    rows = _rows(members)
    priority = priority or highest(r.priority for r in rows)
    return f"{priority.capitalize()}: " + ", ".join(member_label(r) for r in sorted(rows, key=_order_key))


def summarise(members) -> dict:
    """An event's state from its members (a frame, or rows with priority, ended_at, withdrawn_at, ...):

    priority is the highest of the live members, the end is the last member's end (open while any member
    is active), and the event is withdrawn only when every member is."""
    rows = _rows(members)
    live = [r for r in rows if pd.isna(getattr(r, "withdrawn_at", None))]
    basis = live or rows
    ends = [r.ended_at for r in basis]
    priority = highest(r.priority for r in basis)
    return {"priority": priority, "ended_at": pd.NaT if any(pd.isna(e) for e in ends) else max(ends),
            "withdrawn": not live, "members": len(basis), "summary": describe(basis, priority)}


def summaries(alerts: pd.DataFrame, by: list[str]) -> dict[tuple, dict]:
    """summarise() for every group of alerts with the same values of the `by` columns."""
    groups: dict[tuple, list] = {}
    for row in alerts.itertuples(index=False):
        groups.setdefault(tuple(getattr(row, c) for c in by), []).append(row)
    return {key: summarise(rows) for key, rows in groups.items()}


def group(alerts: pd.DataFrame) -> pd.DataFrame:
    """Alert episodes (from dashboard.core.alerts.evaluate, or stored) grouped into events: those of a
    session that start at the same reading time are one event. One row per event, in time order."""
    if alerts.empty:
        return pd.DataFrame(columns=EVENT_COLUMNS)
    states = summaries(alerts, EVENT_KEY)
    rows = [{"session_id": key[0], "started_at": key[1], **state} for key, state in sorted(states.items())]
    return pd.DataFrame(rows, columns=EVENT_COLUMNS)
