"""Why a draft protocol adds or removes an alert, in plain words naming the values and limits involved."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.core.alerts import Prepared
from dashboard.core.protocol import Persistence, Protocol
from dashboard.core.vitals import VITAL_BY_KEY

GROUP = ["session_id", "rule", "vital", "level"]
FAR = pd.Timestamp("2262-01-01", tz="UTC")


@dataclass(frozen=True)
class Context:
    """What the reasons are read from: the prepared readings, both protocols and both alert lists."""

    prep: Prepared
    current: Protocol
    draft: Protocol
    tz: str
    current_alerts: pd.DataFrame
    draft_alerts: pd.DataFrame


def explain(episodes: pd.DataFrame, change: str, ctx: Context, counterpart: pd.DataFrame) -> pd.DataFrame:
    """The episodes one protocol raises and the other does not, with start (clinic zone) and why.

    counterpart: the episodes only the other protocol raises (an overlap with one of them is a moved alert).
    """
    columns = ["session_id", "change", "alert", "priority", "rule", "vital", "level", "started_at", "start", "peak_value",
               "why"]
    if not len(episodes):
        return pd.DataFrame(columns=columns)
    episodes = episodes.reset_index(drop=True)
    other = _overlapping(episodes, ctx.current_alerts if change == "added" else ctx.draft_alerts, counterpart)
    why = [_why(row, change, ctx, other.get(i)) for i, row in enumerate(episodes.itertuples(index=False))]
    local = episodes["started_at"].dt.tz_convert(ctx.tz).dt.strftime("%Y-%m-%d %H:%M")
    return episodes.assign(change=change, alert=episodes["message"], start=local, why=why)[columns]


def _overlapping(episodes: pd.DataFrame, other: pd.DataFrame, counterpart: pd.DataFrame) -> dict[int, tuple]:
    """For each episode, the earliest episode of the same kind the other protocol raises at an overlapping
    time: (its start, whether it too is only in the other protocol, i.e. the same alert moved)."""
    theirs = other[other["session_id"].isin(episodes["session_id"].unique())][GROUP + ["started_at", "ended_at"]]
    pairs = episodes[GROUP + ["started_at", "ended_at"]].reset_index(names="row").merge(
        theirs, on=GROUP, suffixes=("", "_other"))
    if not len(pairs):
        return {}
    hit = pairs[(pairs["started_at_other"] < pairs["ended_at"].fillna(FAR))
                & (pairs["started_at"] < pairs["ended_at_other"].fillna(FAR))]
    moved = hit.merge(counterpart[GROUP + ["started_at"]].rename(columns={"started_at": "started_at_other"}),
                      on=GROUP + ["started_at_other"], how="left", indicator=True)["_merge"].eq("both").to_numpy()
    hit = hit.assign(moved=moved).sort_values("started_at_other").groupby("row").first()
    return {row: (start, bool(m)) for row, start, m in zip(hit.index, hit["started_at_other"], hit["moved"])}


def _why(row, change: str, ctx: Context, other: tuple | None) -> str:
    reason = {"limit": _limit, "baseline_change": _baseline, "multiple_warnings": _escalation,
              "pre_dose_caution": _pre_dose, "bp_overdue": _overdue}.get(row.rule, _other)(row, change, ctx)
    if other is None:
        return reason if change == "added" else f"no longer raised: {reason}"
    start, moved = other
    at, mine = _hm(start, ctx.tz), _hm(row.started_at, ctx.tz)
    if moved:
        lead = f"raised at {mine} instead of {at}" if change == "added" else f"the draft raises it at {at} instead"
    elif change == "added":
        lead = f"a separate alert (the current version still counts it as the one from {at})"
    else:
        lead = f"no longer separate: part of the draft's alert from {at}"
    return f"{lead}: {reason}"


def _hm(ts: pd.Timestamp, tz: str) -> str:
    return pd.Timestamp(ts).tz_convert(tz).strftime("%H:%M")


def _num(value: float | None, key: str | None = None) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "none"
    decimals = VITAL_BY_KEY[key].decimals if key in VITAL_BY_KEY else 1
    return f"{round(float(value), decimals):g}"


def _protocols(change: str, ctx: Context) -> tuple[Protocol, Protocol]:
    """(the protocol that raises the episode, the one that does not)."""
    return (ctx.draft, ctx.current) if change == "added" else (ctx.current, ctx.draft)


def _value_at(ctx: Context, key: str, session_id, started_at: pd.Timestamp) -> float:
    s = ctx.prep.series.get(key)
    if s is None:
        return float("nan")
    lo, hi = np.searchsorted(s.session, session_id, "left"), np.searchsorted(s.session, session_id, "right")
    at = lo + np.searchsorted(s.time[lo:hi], pd.Timestamp(started_at).value)
    return float(s.value[at]) if at < hi and s.time[at] == pd.Timestamp(started_at).value else float("nan")


def _persistence_text(p: Persistence) -> str:
    text = "1 reading" if p.readings == 1 else f"{p.readings} readings in a row"
    return text + (f" or {p.minutes:g} min" if p.minutes is not None else "")


def _rule_settings(key: str, level: str, ctx: Context) -> list[str]:
    """The persistence and hysteresis differences that move an alert even where the limits agree."""
    draft_p, current_p = ctx.draft.persistence.get(level, Persistence()), ctx.current.persistence.get(
        level, Persistence())
    notes = []
    if draft_p != current_p:
        notes.append(f"the draft raises it after {_persistence_text(draft_p)} (current "
                     f"{_persistence_text(current_p)})")
    if ctx.draft.margin(key) != ctx.current.margin(key):
        unit = VITAL_BY_KEY[key].unit
        notes.append(f"the draft clears it {_num(ctx.draft.margin(key), key)} {unit} back inside the limit "
                     f"(current {_num(ctx.current.margin(key), key)})")
    return notes


def _limit(row, change: str, ctx: Context) -> str:
    key, level = row.vital, row.level
    raising, other = _protocols(change, ctx)
    value = _value_at(ctx, key, row.session_id, row.started_at)
    value = row.peak_value if np.isnan(value) else value
    short, at = VITAL_BY_KEY[key].short, _hm(row.started_at, ctx.tz)
    high = _bound(raising, key, level, "high")
    side = "high" if high is not None and value > high else "low"
    bound, other_bound = _bound(raising, key, level, side), _bound(other, key, level, side)
    direction = "above" if side == "high" else "below"
    other_catches = other_bound is not None and (value > other_bound if side == "high" else value < other_bound)
    seen = f"{short} {_num(value, key)} at {at}"
    if bound == other_bound:
        text = f"{seen} is {direction} the {level} {side} {_num(bound, key)} (both versions)"
    elif change == "added":
        text = f"{seen} is {direction} the draft's {level} {side} {_num(bound, key)} (current {_num(other_bound, key)})"
    elif other_catches:
        text = f"{seen} is {direction} the {level} {side} {_num(bound, key)} (draft {_num(other_bound, key)})"
    elif other_bound is None:
        text = f"{seen}: the draft has no {level} {side} limit (current {_num(bound, key)})"
    else:
        text = f"{seen} is inside the draft's {level} {side} {_num(other_bound, key)} (current {_num(bound, key)})"
    if other_catches:
        text = "; ".join([text, *_rule_settings(key, level, ctx)])
    return text


def _bound(protocol: Protocol, key: str, level: str, side: str) -> float | None:
    limits = protocol.limits.get(key)
    return None if limits is None else getattr(limits, f"{level}_{side}")


def _change_rule_text(protocol: Protocol, key: str) -> str:
    change = protocol.baseline_change.get(key)
    if change is None:
        return "no rule"
    unit = VITAL_BY_KEY[key].unit
    parts = [f"rise {change.rise_abs:g} {unit}" if change.rise_abs else None,
             f"rise {change.rise_pct:g} %" if change.rise_pct else None,
             f"fall {change.fall_pct:g} %" if change.fall_pct else None]
    return " or ".join(p for p in parts if p) or "no rule"


def _baseline(row, change: str, ctx: Context) -> str:
    key = row.vital
    short, unit, at = VITAL_BY_KEY[key].short, VITAL_BY_KEY[key].unit, _hm(row.started_at, ctx.tz)
    value = _value_at(ctx, key, row.session_id, row.started_at)
    base = _baseline_of(ctx, key, row.session_id)
    draft_rule, current_rule = _change_rule_text(ctx.draft, key), _change_rule_text(ctx.current, key)
    if np.isnan(value) or np.isnan(base):
        text = f"{short} changed from its pre-infusion baseline at {at}"
    else:
        sign = "+" if value >= base else "-"
        text = (f"{short} {_num(value, key)} at {at} is {sign}{_num(abs(value - base), key)} {unit} "
                f"({(value - base) / base * 100:+.0f} %) from its baseline {_num(base, key)}")
    if draft_rule != current_rule:
        text += f"; the draft alerts on {draft_rule} (current {current_rule})"
    else:
        text = "; ".join([text, *_rule_settings(key, "warning", ctx)])
    return text


def _baseline_of(ctx: Context, key: str, session_id) -> float:
    """Median of the session's readings before infusion start, as the baseline-change rule takes it."""
    s = ctx.prep.series.get(key)
    if s is None:
        return float("nan")
    lo, hi = np.searchsorted(s.session, session_id, "left"), np.searchsorted(s.session, session_id, "right")
    before = s.value[lo:hi][s.time[lo:hi] < ctx.prep.starts[s.row[lo:hi]]]
    return float(np.median(before)) if len(before) else float("nan")


def _escalation(row, change: str, ctx: Context) -> str:
    at, count = _hm(row.started_at, ctx.tz), int(row.peak_value)
    draft_n, current_n = ctx.draft.escalate_when_warnings, ctx.current.escalate_when_warnings
    if draft_n != current_n:
        return (f"up to {count} vitals outside their limits at once from {at}; the draft escalates at {draft_n} "
                f"(current {current_n})")
    if change == "added":
        return f"up to {count} vitals outside the draft's limits at once from {at}; fewer under the current version"
    return f"up to {count} vitals outside the current limits at once from {at}; fewer under the draft"


def _pre_dose(row, change: str, ctx: Context) -> str:
    at = _hm(row.started_at, ctx.tz)
    sbp, dbp = _value_at(ctx, "sbp", row.session_id, row.started_at), _bp_dbp(ctx, row)
    draft, current = ctx.draft.pre_dose_caution, ctx.current.pre_dose_caution
    relation = "above" if change == "added" else "within"
    return (f"pre-infusion BP {_num(sbp, 'sbp')}/{_num(dbp, 'dbp')} at {at} is {relation} the draft's caution "
            f"{draft.sbp:g}/{draft.dbp:g} (current {current.sbp:g}/{current.dbp:g})")


def _bp_dbp(ctx: Context, row) -> float:
    """The diastolic measured with the pre-infusion systolic that raised the caution."""
    frame, session, times = ctx.prep.frame, ctx.prep.session, ctx.prep.times
    if "dbp" not in frame:
        return float("nan")
    lo, hi = np.searchsorted(session, row.session_id, "left"), np.searchsorted(session, row.session_id, "right")
    when = pd.Timestamp(row.started_at).value
    first, last = lo + np.searchsorted(times[lo:hi], when, "left"), lo + np.searchsorted(times[lo:hi], when, "right")
    sbp = frame["sbp"].to_numpy(dtype="float64")[first:last]
    at = np.flatnonzero(~np.isnan(sbp))
    return float(frame["dbp"].iloc[first + at[0]]) if len(at) else float("nan")


def _overdue(row, change: str, ctx: Context) -> str:
    raising, _ = _protocols(change, ctx)
    last_bp = row.started_at - pd.Timedelta(minutes=raising.bp_interval_min)
    relation = "longer than" if change == "added" else "within"
    return (f"no BP for {row.peak_value:.0f} min after {_hm(last_bp, ctx.tz)}: {relation} the draft's interval "
            f"{ctx.draft.bp_interval_min:g} min (current {ctx.current.bp_interval_min:g})")


def _other(row, change: str, ctx: Context) -> str:
    name = f"{row.rule.replace('_', ' ')} ({row.vital}, {row.level}) from {_hm(row.started_at, ctx.tz)}"
    return f"{name}: raised under the {'draft' if change == 'added' else 'current version'} only"
