"""Session event kinds: side effects and the sedation (MOAA/S) and dissociation (CADSS) scales."""

from __future__ import annotations

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
