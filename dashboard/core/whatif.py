"""What-if: the alerts a draft protocol would have raised over past sessions, against the current one."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard.core.alerts import ALERT_COLUMNS, evaluate_prepared, prepare
from dashboard.core.protocol import Protocol
from dashboard.core.whatif_reasons import Context, explain

PRIORITIES = ("high", "medium", "low")
CHANGE_COLUMNS = ["session_id", "session", "change", "alert", "priority", "rule", "vital", "level", "started_at",
                  "start", "peak_value", "why"]


@dataclass(frozen=True)
class WhatIf:
    totals: pd.DataFrame  # index priority; columns current, draft, change
    per_session: pd.DataFrame  # session_id, session, current_<priority>, draft_<priority>, added, removed
    differing: pd.DataFrame  # the per_session rows of sessions with an alert added or removed
    changes: pd.DataFrame  # CHANGE_COLUMNS: each alert the draft adds or removes, with why

    def summary(self) -> str:
        parts = [f"{p}: {int(self.totals.loc[p, 'current'])} → {int(self.totals.loc[p, 'draft'])}"
                 for p in PRIORITIES]
        added = int((self.changes["change"] == "added").sum())
        removed = len(self.changes) - added
        return ("; ".join(parts) + f" ({len(self.differing)} session(s) differ: the draft adds {added} alert(s) "
                f"and removes {removed})")


class _Recording(dict):
    """A memo for evaluate_prepared that notes which rule results the protocol being evaluated used."""

    def __init__(self):
        super().__init__()
        self.used: set = set()

    def __contains__(self, key) -> bool:
        self.used.add(key)
        return super().__contains__(key)

    def take(self) -> set:
        used, self.used = self.used, set()
        return used


def _frame(value) -> pd.DataFrame:
    return value[0] if isinstance(value, tuple) else value


def _counts(alerts: pd.DataFrame, sessions: pd.Series, label: str) -> pd.DataFrame:
    table = alerts.groupby(["session_id", "priority"]).size().unstack(fill_value=0) if len(alerts) \
        else pd.DataFrame()
    table = table.reindex(index=sessions, columns=list(PRIORITIES), fill_value=0).fillna(0).astype(int)
    return table.add_prefix(f"{label}_")


KIND = ["rule", "vital", "level"]


def _add(kinds: dict[tuple, list[pd.DataFrame]], frame: pd.DataFrame, one_kind: bool) -> None:
    """File an alert frame under its (rule, vital, level); a memoized rule's result is one kind already."""
    if not len(frame):
        return
    first = tuple(frame[c].iat[0] for c in KIND)
    one_kind = one_kind or all(bool((frame[c] == v).all()) for c, v in zip(KIND, first))
    parts = [(first, frame)] if one_kind else frame.groupby(KIND, sort=False)
    for kind, part in parts:
        kinds.setdefault(tuple(kind), []).append(part)


def _candidates(memo: _Recording, used_now: set, used_draft: set, now: pd.DataFrame, draft: pd.DataFrame):
    """The alerts that may differ, by kind: rules whose parameters changed, and the rules not memoized.

    Rules the draft leaves unchanged share one result object, so comparing only the rest keeps a what-if
    close to the cost of its two evaluations.
    """
    memoized = {frame["rule"].iat[0] for value in memo.values() if len(frame := _frame(value))}
    before: dict[tuple, list[pd.DataFrame]] = {}
    after: dict[tuple, list[pd.DataFrame]] = {}
    for k in used_now - used_draft:
        _add(before, _frame(memo[k]), one_kind=True)
    for k in used_draft - used_now:
        _add(after, _frame(memo[k]), one_kind=True)
    _add(before, now[~now["rule"].isin(memoized)], one_kind=False)
    _add(after, draft[~draft["rule"].isin(memoized)], one_kind=False)
    return before, after


def _only_in(mine: pd.DataFrame, theirs: pd.DataFrame) -> pd.DataFrame:
    """Rows of `mine` whose (session, start) is not among `theirs` (both of one kind)."""
    if not len(theirs):
        return mine
    def keys(frame: pd.DataFrame) -> pd.MultiIndex:
        start = pd.DatetimeIndex(frame["started_at"]).as_unit("ns").asi8
        return pd.MultiIndex.from_arrays([frame["session_id"].to_numpy(dtype="int64"), start])
    return mine[~keys(mine).isin(keys(theirs))]


def changed_alerts(before: dict, after: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(added, removed): episodes only the draft raises, and only the current version raises."""
    empty = pd.DataFrame(columns=ALERT_COLUMNS)
    added, removed = [], []
    for kind in before.keys() | after.keys():
        was = pd.concat(before.get(kind, [empty]), ignore_index=True)
        will = pd.concat(after.get(kind, [empty]), ignore_index=True)
        added.append(_only_in(will, was))
        removed.append(_only_in(was, will))
    return _concat(added), _concat(removed)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f[ALERT_COLUMNS] for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=ALERT_COLUMNS)


def _labels(ids: pd.Series, codes: dict) -> pd.Series:
    """Session codes where known, else the id as text."""
    return ids.map(codes).fillna(ids.astype(str)) if codes else ids.astype(str)


def compare(readings: pd.DataFrame, sessions: pd.DataFrame, current: Protocol, draft: Protocol,
            tz: str = "UTC") -> WhatIf:
    """Counts per priority, per session and overall, and each alert the draft adds or removes with why.

    sessions may carry a `code` column (shown instead of the id); times in the reasons are in `tz`.
    """
    prep = prepare(readings, sessions)  # sorted and split once for both protocols
    memo = _Recording()  # rules the draft leaves unchanged are computed once
    now = evaluate_prepared(prep, current, memo=memo)
    used_now = memo.take()
    then = evaluate_prepared(prep, draft, memo=memo)
    used_draft = memo.take()
    ids = pd.Series(sessions["session_id"].unique())
    codes = dict(zip(sessions["session_id"], sessions["code"])) if "code" in sessions else {}

    added, removed = changed_alerts(*_candidates(memo, used_now, used_draft, now, then))
    context = Context(prep, current, draft, tz, now, then)
    changes = pd.concat([explain(added, "added", context, removed), explain(removed, "removed", context, added)],
                        ignore_index=True)
    changes.insert(1, "session", _labels(changes["session_id"], codes))
    changes = changes.sort_values(["session", "started_at", "change"], kind="stable").reset_index(drop=True)

    per_session = _counts(now, ids, "current").join(_counts(then, ids, "draft")).rename_axis("session_id")
    per_session["added"] = (changes[changes["change"] == "added"].groupby("session_id").size()
                            .reindex(per_session.index, fill_value=0))
    per_session["removed"] = (changes[changes["change"] == "removed"].groupby("session_id").size()
                              .reindex(per_session.index, fill_value=0))
    per_session = per_session.reset_index()
    per_session.insert(1, "session", _labels(per_session["session_id"], codes))
    totals = pd.DataFrame({
        "current": [int(per_session[f"current_{p}"].sum()) for p in PRIORITIES],
        "draft": [int(per_session[f"draft_{p}"].sum()) for p in PRIORITIES],
    }, index=list(PRIORITIES))
    totals["change"] = totals["draft"] - totals["current"]
    differs = (per_session["added"] > 0) | (per_session["removed"] > 0)
    differing = per_session[differs].sort_values("session", kind="stable").reset_index(drop=True)
    return WhatIf(totals, per_session, differing, changes[CHANGE_COLUMNS])
