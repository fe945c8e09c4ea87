"""A signed session's lock: what was entered after the signature is an addendum, and the session as signed
stays what the supervisor saw."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.core.addenda import (addenda_count, addenda_lines, events_as_signed, is_addendum, locked_at,
                                    readings_as_signed)
from dashboard.core.events import events_display
from dashboard.core.signoff import Signoff
from dashboard.core.tables import readings_display
from dashboard.core.versions import in_force

T0 = pd.Timestamp("2026-11-02 14:00", tz="UTC")
SIGNED = (T0 + pd.Timedelta(hours=3)).to_pydatetime()
TZ = "America/New_York"


def at(minutes: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(minutes=minutes)


def history() -> pd.DataFrame:
    """#1-#3 entered during the session; after the signature: #4 a late entry, #5 corrects #1, #6 voids #2."""
    frame = pd.DataFrame({
        "id": [1, 2, 3, 4, 5, 6], "session_id": 1,
        "measured_at": [at(0), at(10), at(20), at(30), at(0), at(10)],
        "sbp": [128.0, 186.0, 130.0, 140.0, 118.0, 186.0], "dbp": [82.0, 110.0, 84.0, 88.0, 80.0, 110.0],
        "map": np.nan, "map_computed": False, "hr": 74.0, "spo2": 98.0, "rr": 14.0, "temp_c": np.nan,
        "bp_method": "cuff", "note": None, "source": "manual",
        "entered_at": [at(0), at(10), at(20), at(240), at(250), at(260)], "entered_by": ["ana"] * 3 + ["bo"] * 3,
        "supersedes_id": pd.array([None, None, None, None, 1, 2], dtype="Int64"),
        "correction_reason": [None, None, None, None, "digits transposed", "wrong patient"],
        "entered_in_error": [False, False, False, False, False, True],
    }).sort_values(["measured_at", "id"], ignore_index=True)
    frame["replaced_by"] = frame["id"].map({1: 5, 2: 6}).astype("Int64")
    frame["is_current"] = frame["replaced_by"].isna()
    return frame


def events() -> pd.DataFrame:
    return pd.DataFrame({"id": [1, 2], "kind": ["side_effect", "moaa_s"], "label": ["Nausea", "MOAA/S"],
                         "score": pd.array([None, 3], dtype="Int64"), "severity": ["mild", None], "note": None,
                         "occurred_at": [at(12), at(25)], "entered_at": [at(12), at(245)],
                         "entered_by": ["ana", "bo"]})


def signature(minutes_after: float = 0, meaning: str = "reviewed") -> Signoff:
    return Signoff(1, 1, SIGNED + pd.Timedelta(minutes=minutes_after).to_pytimedelta(), "sam", "Sam Smith", meaning)


def test_the_first_signature_locks_the_session():
    assert locked_at([]) is None
    assert locked_at([signature(60, "approved"), signature()]) == SIGNED


def test_nothing_is_an_addendum_before_a_signature():
    assert not is_addendum(history()["entered_at"], None).any()
    assert readings_as_signed(history(), None) is not None and addenda_count(history(), events(), None) == 0


def test_entries_after_the_signature_are_addenda():
    rows = history()
    marked = dict(zip(rows["id"], is_addendum(rows["entered_at"], SIGNED), strict=True))
    assert marked == {1: False, 2: False, 3: False, 4: True, 5: True, 6: True}
    assert addenda_count(rows, events(), SIGNED) == 4


def test_the_signed_version_is_what_the_supervisor_saw():
    signed = readings_as_signed(history(), SIGNED)
    assert signed["id"].tolist() == [1, 2, 3]
    assert signed["is_current"].tolist() == [True, True, True]  # #1 and #2 were replaced only after signing
    assert in_force(signed)["sbp"].tolist() == [128.0, 186.0, 130.0]
    assert in_force(history())["sbp"].tolist() == [118.0, 130.0, 140.0]  # the record now, addenda included
    assert events_as_signed(events(), SIGNED)["label"].tolist() == ["Nausea"]


def test_the_tables_mark_each_addendum_after_signing():
    table = readings_display(history(), TZ, SIGNED)
    assert table.columns[0] == "After signing"
    assert dict(zip(table["#"], table["After signing"], strict=True)) == {
        1: "", 5: "addendum", 2: "", 6: "addendum", 3: "", 4: "addendum"}
    assert "After signing" not in readings_display(history(), TZ).columns  # an unsigned session: no column
    listed = events_display(events(), TZ, SIGNED)  # beside the forms: the time says it, no column to spare
    assert listed[["Time", "What"]].values.tolist() == [["09:12:00", "Nausea"],
                                                        ["09:25:00 (late entry, addendum)", "MOAA/S"]]
    assert events_display(events(), TZ)["Time"].tolist() == ["09:12:00", "09:25:00 (late entry)"]


def test_addenda_are_listed_in_the_order_entered_with_who_and_when():
    assert addenda_lines(history(), events(), SIGNED, TZ) == [
        "Reading #4, measured 09:30, entered 2026-11-02 13:00 by bo",
        "Event MOAA/S 3 at 09:25, entered 2026-11-02 13:05 by bo",
        "Correction #5 of reading #1 (digits transposed), measured 09:00, entered 2026-11-02 13:10 by bo",
        "Reading #2 marked as entered in error (wrong patient), measured 09:10, entered 2026-11-02 13:20 by bo",
    ]
    assert addenda_lines(history(), events(), None, TZ) == []
