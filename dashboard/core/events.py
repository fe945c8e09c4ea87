"""Session event kinds (side effects, the MOAA/S sedation and CADSS dissociation scales), their rules and list."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from dashboard.core.addenda import ADDENDUM, is_addendum
from dashboard.core.entry_time import is_late

SIDE_EFFECTS = ("Nausea", "Vomiting", "Headache", "Dizziness", "Dissociation", "Hallucinations", "Sedation",
                "Anxiety", "Other")
SEVERITIES = ("mild", "moderate", "severe")
# kind -> (label, lowest score, highest score); None when the kind carries no score.
EVENT_KINDS = {
    "side_effect": ("Side effect", None),
    "moaa_s": ("MOAA/S", (0, 5)),
    "cadss": ("CADSS", (0, 92)),
    "note": ("Note", None),
}
SCALE_HELP = {
    "moaa_s": "5 responds readily to name … 0 no response to painful stimulus",
    "cadss": "clinician-rated dissociation, 23 items scored 0-4: 0 none … 92 extreme",
}


def check_event(kind: str, label: str, score: int | None, severity: str | None) -> str | None:
    """Why this event cannot be recorded, or None."""
    if kind not in EVENT_KINDS:
        return f"unknown event kind {kind!r}"
    if not label or not label.strip():
        return "an event needs a label"
    score_range = EVENT_KINDS[kind][1]
    if score_range is None and score is not None:
        return f"{EVENT_KINDS[kind][0]} takes no score"
    if score_range is not None:
        if score is None:
            return f"{EVENT_KINDS[kind][0]} needs a score"
        low, high = score_range
        if not low <= score <= high:
            return f"{EVENT_KINDS[kind][0]} score {score} is outside {low}-{high}"
    if severity is not None and severity not in SEVERITIES:
        return f"severity must be one of {', '.join(SEVERITIES)}"
    return None


def event_caption(kind: str, label: str, score: int | None) -> str:
    """Short text for the chart: 'Nausea', 'MOAA/S 3'."""
    return f"{EVENT_KINDS[kind][0]} {score}" if score is not None and kind in ("moaa_s", "cadss") else label


def score_range(kind: str) -> tuple[int, int]:
    """Lowest and highest score of a scored kind (MOAA/S, CADSS)."""
    scores = EVENT_KINDS[kind][1]
    if scores is None:
        raise ValueError(f"{EVENT_KINDS[kind][0]} takes no score")
    return scores


def events_display(events: pd.DataFrame, tz: str, locked_at: datetime | None = None) -> pd.DataFrame:
    """A session's events for reading: time (late entries marked), what, severity or score, who entered it; for a
    signed session (locked_at: its first signature) the time of an event entered after it says 'addendum' (a
    narrow table beside the forms: no column to spare)."""
    columns = ["Time", "What", "Severity / score", "By"]
    if events.empty:
        return pd.DataFrame(columns=columns)
    e = events.sort_values(["occurred_at", "id"])
    late = is_late(e["occurred_at"], e["entered_at"]).to_numpy()
    added = is_addendum(e["entered_at"], locked_at)
    times = e["occurred_at"].dt.tz_convert(tz).dt.strftime("%H:%M:%S").to_numpy()
    grade = [severity if isinstance(severity, str) else (f"{int(score)}" if pd.notna(score) else "")
             for severity, score in zip(e["severity"], e["score"])]
    marks = [", ".join(mark for mark, on in (("late entry", lt), (ADDENDUM, ad)) if on)
             for lt, ad in zip(late, added, strict=True)]
    return pd.DataFrame({
        "Time": [f"{t} ({mark})" if mark else t for t, mark in zip(times, marks, strict=True)],
        "What": e["label"].to_numpy(),
        "Severity / score": grade,
        "By": [f"{by} {at.tz_convert(tz):%H:%M}" for by, at in zip(e["entered_by"], e["entered_at"])],
    })
