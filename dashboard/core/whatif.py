"""What-if: the alerts a draft protocol would have raised over past sessions, against the current one."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard.core.alerts import evaluate_prepared, prepare
from dashboard.core.protocol import Protocol

PRIORITIES = ("high", "medium", "low")


@dataclass(frozen=True)
class WhatIf:
    totals: pd.DataFrame  # index priority; columns current, draft, change
    per_session: pd.DataFrame  # session_id, then current_<priority> and draft_<priority> counts
    differing: pd.DataFrame  # the sessions whose counts differ

    def summary(self) -> str:
        parts = [f"{p}: {int(self.totals.loc[p, 'current'])} → {int(self.totals.loc[p, 'draft'])}"
                 for p in PRIORITIES]
        return "; ".join(parts) + f" ({len(self.differing)} session(s) differ)"


def _counts(alerts: pd.DataFrame, sessions: pd.Series, label: str) -> pd.DataFrame:
    table = alerts.groupby(["session_id", "priority"]).size().unstack(fill_value=0) if len(alerts) \
        else pd.DataFrame()
    table = table.reindex(index=sessions, columns=list(PRIORITIES), fill_value=0).fillna(0).astype(int)
    return table.add_prefix(f"{label}_")


def compare(readings: pd.DataFrame, sessions: pd.DataFrame, current: Protocol, draft: Protocol) -> WhatIf:
    prep = prepare(readings, sessions)  # sorted and split once for both protocols
    memo: dict = {}  # rules the draft leaves unchanged are computed once
    ids = pd.Series(sessions["session_id"].unique())
    now = _counts(evaluate_prepared(prep, current, memo=memo), ids, "current")
    then = _counts(evaluate_prepared(prep, draft, memo=memo), ids, "draft")
    per_session = now.join(then).rename_axis("session_id").reset_index()
    totals = pd.DataFrame({
        "current": [int(now[f"current_{p}"].sum()) for p in PRIORITIES],
        "draft": [int(then[f"draft_{p}"].sum()) for p in PRIORITIES],
    }, index=list(PRIORITIES))
    totals["change"] = totals["draft"] - totals["current"]
    differs = pd.Series(False, index=per_session.index)
    for p in PRIORITIES:
        differs |= per_session[f"current_{p}"] != per_session[f"draft_{p}"]
    return WhatIf(totals, per_session, per_session[differs].reset_index(drop=True))
