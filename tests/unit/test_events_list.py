"""The events list under the Record page's forms: time, what, severity or score, and who entered it."""

import pandas as pd

from dashboard.core.events import events_display

T = pd.Timestamp("2026-11-02 14:05:09", tz="UTC")


def test_severity_and_scores_are_shown_with_time_and_author():
    events = pd.DataFrame({
        "id": [1, 2, 3], "kind": ["side_effect", "moaa_s", "cadss"], "label": ["Nausea", "MOAA/S", "CADSS"],
        "score": pd.array([None, 3, 12], dtype="Int64"), "severity": ["severe", None, None], "note": [None] * 3,
        "occurred_at": [T, T + pd.Timedelta(minutes=5), T - pd.Timedelta(minutes=30)],
        "entered_at": [T, T + pd.Timedelta(minutes=5), T], "entered_by": ["ana", "ana", "bo"],
    })
    table = events_display(events, "America/New_York")
    assert table.to_dict("records") == [
        {"Time": "08:35:09 (late entry)", "What": "CADSS", "Severity / score": "12", "By": "bo 09:05"},
        {"Time": "09:05:09", "What": "Nausea", "Severity / score": "severe", "By": "ana 09:05"},
        {"Time": "09:10:09", "What": "MOAA/S", "Severity / score": "3", "By": "ana 09:10"},
    ]


def test_no_events_is_an_empty_list_with_its_columns():
    empty = pd.DataFrame(columns=["id", "kind", "label", "score", "severity", "note", "occurred_at", "entered_at",
                                  "entered_by"])
    assert list(events_display(empty, "UTC").columns) == ["Time", "What", "Severity / score", "By"]
