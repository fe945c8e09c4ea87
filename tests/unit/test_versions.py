"""One read of a session's versions: what counts, when it changed, pages of the table; NEWS2 of the last set."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.core.news2 import last_complete, news2
from dashboard.core.versions import change_stamp, in_force, newest_page, page_count

T0 = pd.Timestamp("2026-11-02 14:00", tz="UTC")


def history(n: int = 5) -> pd.DataFrame:
    """n readings; #2 corrected by #6, #4 voided by #7 (the void marker keeps the values, flagged in error)."""
    frame = pd.DataFrame({"id": range(1, n + 1), "measured_at": [T0 + pd.Timedelta(minutes=m) for m in range(n)],
                          "sbp": 120.0, "dbp": 80.0, "hr": 70.0, "spo2": 98.0, "rr": 14.0, "temp_c": np.nan,
                          "entered_in_error": False})
    extra = pd.DataFrame({"id": [n + 1, n + 2], "measured_at": [T0 + pd.Timedelta(minutes=1), T0 + pd.Timedelta(minutes=3)],
                          "sbp": [122.0, 120.0], "dbp": 80.0, "hr": 70.0, "spo2": 98.0, "rr": 14.0, "temp_c": np.nan,
                          "entered_in_error": [False, True]})
    frame = pd.concat([frame, extra], ignore_index=True).sort_values(["measured_at", "id"], ignore_index=True)
    replaced = {2: n + 1, 4: n + 2}
    frame["replaced_by"] = frame["id"].map(replaced).astype("Int64")
    frame["is_current"] = frame["replaced_by"].isna()
    return frame


def test_in_force_is_the_current_versions_not_voided():
    shown = in_force(history())
    assert shown["id"].tolist() == [1, 6, 3, 5]  # 2 replaced by 6; 4 voided (7 is the void marker)
    assert "is_current" not in shown and list(shown.index) == [0, 1, 2, 3]


def test_the_stamp_changes_with_every_stored_row_and_only_then():
    events = pd.DataFrame({"id": [1, 2]})
    stamp = change_stamp(history(), events)
    assert change_stamp(history(), events) == stamp
    assert change_stamp(history(6), events) != stamp  # a new reading
    assert change_stamp(history(), pd.DataFrame({"id": [1, 2, 3]})) != stamp  # a new event
    assert change_stamp(history().iloc[:0], events.iloc[:0]) == (0, 0, 0, 0)


def test_pages_run_from_the_newest():
    frame = history(450)
    assert page_count(len(frame), 200) == 3 and page_count(0, 200) == 1
    assert newest_page(frame, 1, 200)["id"].tolist() == frame["id"].iloc[-200:].tolist()
    assert len(newest_page(frame, 3, 200)) == len(frame) - 400
    assert newest_page(frame, 3, 200)["id"].iloc[0] == frame["id"].iloc[0]
    assert newest_page(frame, 99, 200).equals(newest_page(frame, 3, 200))  # past the end: the last page


def test_news2_of_the_last_complete_set_skips_a_later_partial_one():
    frame = pd.DataFrame({"rr": [14, 25, np.nan], "spo2": [98, 98, 90], "sbp": [120, 120, 85], "hr": [70, 70, 130],
                          "temp_c": np.nan})
    last = last_complete(frame)
    assert last["news2"] == news2(frame).iloc[1]["news2"] == 3  # row 3 has no RR: not a complete set
    assert last_complete(frame.iloc[2:]) is None and last_complete(frame.iloc[:0]) is None
