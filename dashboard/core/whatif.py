"""What-if: the alerts a draft protocol would have raised over past sessions, against the current one."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.core.alerts import ALERT_COLUMNS, Episodes, episodes_frame, evaluate_prepared, prepare
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

    def __getitem__(self, key):
        self.used.add(key)
        return super().__getitem__(key)

    def take(self) -> set:
        used, self.used = self.used, set()
        return used


def _frame(value) -> pd.DataFrame:
    """A memoized rule result (episodes, or (episodes, active flags)) as an alert frame."""
    return episodes_frame(value[0] if isinstance(value, tuple) else value)


def _rule(value) -> str | None:
    """The rule name of a memoized result, without building its frame (None when it found nothing)."""
    found = value[0] if isinstance(value, tuple) else value
    if not len(found):
        return None
    return found.tag[0] if isinstance(found, Episodes) else found.iat[0, found.columns.get_loc("rule")]


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
    first = tuple(frame.iat[0, frame.columns.get_loc(c)] for c in KIND)
    if not one_kind:
        rows = frame[KIND].to_numpy(dtype=object)
        one_kind = bool((rows == np.array(first, dtype=object)).all())
    parts = [(first, frame)] if one_kind else frame.groupby(KIND, sort=False)
    for kind, part in parts:
        kinds.setdefault(tuple(kind), []).append(part)


def _candidates(memo: _Recording, used_now: set, used_draft: set, now: pd.DataFrame, draft: pd.DataFrame):
    """The alerts that may differ, by kind: rules whose parameters changed, and the rules not memoized.

    Rules the draft leaves unchanged share one result object, so comparing only the rest keeps a what-if
    close to the cost of its two evaluations.
    """
    if memo and not (used_now and used_draft):  # the memo was not used as expected: compare every alert
        memo.clear()
    memoized = {rule for value in memo.values() if (rule := _rule(value)) is not None}
    before: dict[tuple, list[pd.DataFrame]] = {}
    after: dict[tuple, list[pd.DataFrame]] = {}
    for k in used_now - used_draft:
        _add(before, _frame(memo[k]), one_kind=True)
    for k in used_draft - used_now:
        _add(after, _frame(memo[k]), one_kind=True)
    rest_now, rest_draft = (np.flatnonzero(~frame["rule"].isin(memoized).to_numpy()) for frame in (now, draft))
    if not _same_rows(now, rest_now, draft, rest_draft):
        _add(before, now.take(rest_now), one_kind=False)
        _add(after, draft.take(rest_draft), one_kind=False)
    return before, after


def _same_rows(a: pd.DataFrame, at_a: np.ndarray, b: pd.DataFrame, at_b: np.ndarray) -> bool:
    """Whether these rows of two alert frames (both sorted by session and start) hold the same episodes."""
    if len(at_a) != len(at_b):
        return False
    if not len(at_a):
        return True
    return (np.array_equal(a["session_id"].to_numpy()[at_a], b["session_id"].to_numpy()[at_b])
            and np.array_equal(_start_ns(a, at_a), _start_ns(b, at_b))
            and all(np.array_equal(np.asarray(a[c].array.take(at_a), dtype=object),
                                   np.asarray(b[c].array.take(at_b), dtype=object)) for c in KIND))


def _only_in(mine: pd.DataFrame, theirs: pd.DataFrame) -> pd.DataFrame:
    """Rows of `mine` whose (session, start) is not among `theirs` (both of one kind)."""
    if not len(theirs) or not len(mine):
        return mine
    session = np.r_[mine["session_id"].to_numpy(dtype="int64"), theirs["session_id"].to_numpy(dtype="int64")]
    start = np.r_[_start_ns(mine), _start_ns(theirs)]
    # one integer per (session, start): positions among the distinct sessions and the distinct starts
    session_code = np.unique(session, return_inverse=True)[1]
    start_values, start_code = np.unique(start, return_inverse=True)
    key = session_code.astype("int64") * len(start_values) + start_code
    return mine[~np.isin(key[:len(mine)], key[len(mine):])]


def _start_ns(frame: pd.DataFrame, at: np.ndarray | None = None) -> np.ndarray:
    """Episode starts as int64 ns (of the rows `at` only, when given: converting all of them costs)."""
    starts = frame["started_at"].array
    return pd.DatetimeIndex(starts if at is None else starts.take(at)).as_unit("ns").asi8


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


def _explained(added: pd.DataFrame, removed: pd.DataFrame, context: Context, codes: dict) -> pd.DataFrame:
    """The changed episodes with start, session and why, by session and start (explained only when changed)."""
    if not len(added) and not len(removed):
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    changes = pd.concat([explain(added, "added", context, removed), explain(removed, "removed", context, added)],
                        ignore_index=True)
    changes.insert(1, "session", _labels(changes["session_id"], codes))
    return changes.sort_values(["session", "started_at", "change"], kind="stable").reset_index(drop=True)


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
    changes = _explained(added, removed, Context(prep, current, draft, tz, now, then), codes)

    per_session = _counts(now, ids, "current").join(_counts(then, ids, "draft")).rename_axis("session_id")
    for change, episodes in (("added", added), ("removed", removed)):
        per_session[change] = episodes["session_id"].value_counts().reindex(per_session.index, fill_value=0) \
            if len(episodes) else 0
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
