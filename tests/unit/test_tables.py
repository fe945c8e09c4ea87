"""The readings table a nurse or supervisor reads: corrections visible, originals struck through."""

import pandas as pd

from dashboard.core.tables import STRIKE, readings_display


def history():
    t = pd.Timestamp("2026-11-02 14:00", tz="UTC")
    return pd.DataFrame({
        "id": [1, 2, 3], "measured_at": [t, t, t + pd.Timedelta(minutes=5)],
        "sbp": [212.0, 122.0, 130.0], "dbp": [80.0, 80.0, 85.0], "map": [None, 94.0, None],
        "map_computed": [False, True, False], "hr": [70.0, 70.0, 165.0], "spo2": [98.0, 98.0, 79.0],
        "rr": [14.0, 14.0, 14.0], "temp_c": [None] * 3, "bp_method": ["cuff"] * 3, "note": [None, None, "<b>x</b>"],
        "source": ["manual"] * 3, "entered_at": [t] * 3, "entered_by": ["ana"] * 3,
        "supersedes_id": [None, 1, None], "correction_reason": [None, "digits transposed", "motion"],
        "entered_in_error": [False, False, True], "replaced_by": pd.array([2, None, None], dtype="Int64"),
        "is_current": [False, True, True],
    })


def test_replaced_reading_is_struck_through_and_says_by_what():
    table = readings_display(history(), "America/New_York")
    original = table[table["#"] == 1].iloc[0]
    assert original["BP"] == "".join(c + STRIKE for c in "212/80")
    assert original["Status"] == "replaced by #2"
    assert original["Time"].replace(STRIKE, "") == "09:00"


def test_correction_names_original_and_reason():
    table = readings_display(history(), "UTC")
    assert table[table["#"] == 2].iloc[0]["Status"] == "correction of #1 (digits transposed)"
    assert table[table["#"] == 2].iloc[0]["MAP"] == "94 (calc.)"


def test_entered_in_error_is_struck_and_explained():
    row = readings_display(history(), "UTC").set_index("#").loc[3]
    assert row["Status"] == "entered in error: motion" and STRIKE in row["HR"]
    assert row["Note"] == "<b>x</b>"


def test_a_late_typed_reading_is_marked_a_correction_is_not():
    h = history()
    h["entered_at"] = [h["measured_at"][0] + pd.Timedelta(minutes=20), h["measured_at"][1] + pd.Timedelta(minutes=30),
                       h["measured_at"][2] + pd.Timedelta(seconds=1)]
    times = readings_display(h, "UTC").set_index("#")["Time"].str.replace(STRIKE, "")
    assert times.to_dict() == {1: "14:00 (late entry)", 2: "14:00", 3: "14:05"}
