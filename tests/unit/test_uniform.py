"""The chart's cheap tests of a column are exact: one BP method on every row, or readings one fixed step apart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.core.uniform import BLOCK, evenly_stepped, same_text_throughout


def arrow_text(chunks: list[list[str | None]], large: bool = False) -> pd.Series:
    kind = pa.large_string() if large else pa.string()
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([pa.array(c, type=kind) for c in chunks], kind)))


def test_a_column_of_one_method_is_told_from_its_buffers_and_any_other_value_is_seen():
    n = 3 * BLOCK + 17  # several pieces of the pass
    assert same_text_throughout(pd.Series(["arterial"] * n), "arterial")
    for at in (0, BLOCK, n - 1):
        values = ["arterial"] * n
        values[at] = "cuff"
        assert not same_text_throughout(pd.Series(values), "arterial"), at
    assert not same_text_throughout(pd.Series(["arterial"] * n), "cuff")


def test_strings_of_other_lengths_whose_bytes_still_repeat_the_value_are_seen():
    # "a" + "aaa" + "aa" is "aa" three times over: only the strings' lengths tell them apart
    assert not same_text_throughout(pd.Series(["a", "aaa", "aa"]), "aa")
    values = ["cuff"] * 1000
    values[400:402] = ["cu", "ffcuff"]
    assert not same_text_throughout(pd.Series(values), "cuff")


def test_a_missing_method_is_not_the_method():
    assert not same_text_throughout(pd.Series(["cuff", None, "cuff"]), "cuff")
    assert not same_text_throughout(pd.Series(["cuff", None], dtype="string[pyarrow]"), "cuff")
    assert not same_text_throughout(pd.Series(["cuff", None], dtype=object), "cuff")
    assert not same_text_throughout(pd.Series([], dtype="str"), "cuff")


def test_slices_chunks_and_other_storages_give_the_same_answer():
    assert same_text_throughout(pd.Series(["manual"] * 3 + ["cuff"] * 10)[3:], "cuff")  # a slice of the buffers
    assert not same_text_throughout(pd.Series(["manual"] * 3 + ["cuff"] * 10)[2:], "cuff")
    assert same_text_throughout(arrow_text([["cuff", "cuff"], ["cuff"]]), "cuff")
    assert not same_text_throughout(arrow_text([["cuff", "cuff"], ["cufg"]]), "cuff")
    assert same_text_throughout(arrow_text([["cuff"] * 5], large=True), "cuff")
    for dtype in (object, "string[python]", "category"):
        assert same_text_throughout(pd.Series(["cuff"] * 4, dtype=dtype), "cuff")
        assert not same_text_throughout(pd.Series(["cuff"] * 3 + ["arterial"], dtype=dtype), "cuff")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(["", "a", "aa", "aaa", "cuff", "cufff"]), st.none()), min_size=1,
                max_size=40),
       st.sampled_from(["", "a", "aa", "cuff"]), st.integers(0, 3), st.booleans())
def test_the_answer_is_that_of_comparing_every_row(values, value, cut, large):
    expected = bool(values[cut:]) and all(v == value for v in values[cut:])  # no row: no method
    assert same_text_throughout(pd.Series(values)[cut:], value) == expected
    assert same_text_throughout(arrow_text([values[:cut], values[cut:]], large)[cut:], value) == expected
    assert same_text_throughout(pd.Series(values, dtype=object)[cut:], value) == expected


def test_evenly_stepped_needs_every_step_equal():
    times = np.arange(5 * BLOCK, dtype="int64") * 1_000_000 + 7
    assert evenly_stepped(times, 1_000_000) and not evenly_stepped(times, 999_999)
    late = times.copy()
    late[BLOCK + 3] += 1  # one reading a microsecond late: the last is where it should be
    assert not evenly_stepped(late, 1_000_000)
    paired = times.copy()
    paired[[2 * BLOCK, 2 * BLOCK + 1]] = paired[2 * BLOCK + 1], paired[2 * BLOCK]  # two swapped: out of order
    assert not evenly_stepped(paired, 1_000_000)
    assert evenly_stepped(times[:1], 5) and evenly_stepped(times[:0], 5)
