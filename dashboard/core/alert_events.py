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


def _ordered(members: pd.DataFrame) -> pd.DataFrame:
    """Most urgent rules first; within a priority: limits, baseline, escalation, pre-dose, overdue, and
    vitals in their usual order (SBP, DBP, MAP, HR, ...)."""
    def rank(values, order):
        return [order.index(v) if v in order else len(order) for v in values]
    keys = pd.DataFrame({"p": rank(members["priority"], list(PRIORITY_RANK)), "r": rank(members["rule"], RULE_ORDER),
                         "v": rank(members["vital"], list(VITAL_KEYS))}, index=members.index)
    return members.loc[keys.sort_values(["p", "r", "v"], kind="stable").index]


def describe(members: pd.DataFrame, priority: str | None = None) -> str:
    """'High: SBP 185 beyond critical, DBP 112 beyond critical, MAP 136 beyond critical, ...'."""
    priority = priority or highest(members["priority"])
    return f"{priority.capitalize()}: " + ", ".join(member_label(r) for r in _ordered(members).itertuples())


def summarise(members: pd.DataFrame) -> dict:
    """An event's state from its members (rows with priority, ended_at, withdrawn_at):

    priority is the highest of the live members, the end is the last member's end (open while any member
    is active), and the event is withdrawn only when every member is."""
    withdrawn = members["withdrawn_at"].notna() if "withdrawn_at" in members else pd.Series(False, members.index)
    live = members[~withdrawn]
    basis = members if live.empty else live
    ended = pd.NaT if basis["ended_at"].isna().any() else basis["ended_at"].max()
    return {"priority": highest(basis["priority"]), "ended_at": ended, "withdrawn": bool(live.empty),
            "members": len(live) if len(live) else len(members), "summary": describe(basis)}


def group(alerts: pd.DataFrame) -> pd.DataFrame:
    """Alert episodes (from dashboard.core.alerts.evaluate, or stored) grouped into events: those of a
    session that start at the same reading time are one event. One row per event, in time order."""
    if alerts.empty:
        return pd.DataFrame(columns=EVENT_COLUMNS)
    rows = []
    for (session_id, started_at), members in alerts.groupby(EVENT_KEY, sort=True):
        rows.append({"session_id": session_id, "started_at": started_at, **summarise(members)})
    return pd.DataFrame(rows, columns=EVENT_COLUMNS)
