"""Session event kinds (side effects, the MOAA/S sedation and CADSS dissociation scales), their rules and list."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from dashboard.core.addenda import with_addenda
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
    signed session (locked_at: its first signature) an 'After signing' column marks the addenda."""
    columns = ["Time", "What", "Severity / score", "By"]
    if events.empty:
        return with_addenda(pd.DataFrame(columns=columns), events, locked_at)
    e = events.sort_values(["occurred_at", "id"])
    late = is_late(e["occurred_at"], e["entered_at"]).to_numpy()
    times = e["occurred_at"].dt.tz_convert(tz).dt.strftime("%H:%M:%S").to_numpy()
    grade = [severity if isinstance(severity, str) else (f"{int(score)}" if pd.notna(score) else "")
             for severity, score in zip(e["severity"], e["score"])]
    return with_addenda(pd.DataFrame({
        "Time": [f"{t} (late entry)" if lt else t for t, lt in zip(times, late)],
        "What": e["label"].to_numpy(),
        "Severity / score": grade,
        "By": [f"{by} {at.tz_convert(tz):%H:%M}" for by, at in zip(e["entered_by"], e["entered_at"])],
    }), e, locked_at)
