"""Downsampling for speed never hides a threshold breach or a series' lowest or highest value."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.core.downsample import downsample_indices, downsample_whole, outside


def test_a_series_that_fits_is_kept_whole():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    assert downsample_indices(np.arange(4.0), y, 4).tolist() == [0, 1, 2, 3]


def test_unmeasured_values_are_never_chosen():
    y = np.array([1.0, 2.0, np.nan, 4.0])
    assert downsample_indices(np.arange(4.0), y, 10).tolist() == [0, 1, 3]


def test_million_points_keep_injected_spikes_and_extremes():
    n, n_out = 1_000_000, 2000
    rng = np.random.default_rng(1)
    y = rng.normal(100, 5, n)
    spikes = rng.choice(n, 40, replace=False)
    y[spikes] = 190  # breaches: every one must survive, not only the one that is the global maximum
    y[555] = 10
    keep = np.zeros(n, dtype=bool)
    keep[spikes] = True
    idx = downsample_indices(np.arange(n, dtype=float), y, n_out, keep)
    assert set(spikes.tolist()) <= set(idx.tolist())
    assert y[idx].min() == 10 and y[idx].max() == 190
    assert len(idx) <= n_out + len(spikes) + 2


def test_keep_may_be_an_index_array_and_nan_is_mapped_back():
    n = 50_000
    y = np.sin(np.arange(n) / 500.0) * 10 + 100
    y[::7] = np.nan  # gaps: indices returned still point into the original arrays
    y[20_001] = 250.0
    y[30_002] = -5.0
    breaches = np.array([101, 9_998, 40_000])
    idx = downsample_indices(np.arange(n, dtype=float), y, 300, keep=breaches)
    assert not np.isnan(y[idx]).any()
    assert {20_001, 30_002, *breaches.tolist()} <= set(idx.tolist())


def test_unsorted_x_still_keeps_extremes_and_breaches():
    rng = np.random.default_rng(3)
    x = rng.permutation(10_000).astype(float)
    y = rng.normal(0, 1, 10_000)
    idx = downsample_indices(x, y, 100, keep=np.array([5, 6]))
    assert {int(np.argmin(y)), int(np.argmax(y)), 5, 6} <= set(idx.tolist())


def test_a_keep_mask_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="keep mask has 9 entries for 10 points"):
        downsample_indices(np.arange(10.0), np.arange(10.0), 4, keep=np.ones(9, dtype=bool))
    with pytest.raises(ValueError, match="keep holds an index outside the series"):
        downsample_indices(np.arange(10.0), np.arange(10.0), 4, keep=np.array([10]))


values = st.lists(st.one_of(st.floats(0, 300, allow_nan=False), st.just(float("nan"))), min_size=5, max_size=3000)


@settings(max_examples=80, deadline=None)
@given(values=values, n_out=st.integers(1, 200), keep_seed=st.integers(0, 2**32 - 1), as_mask=st.booleans())
def test_max_min_and_kept_points_always_survive(values, n_out, keep_seed, as_mask):
    y = np.array(values)
    mask = np.random.default_rng(keep_seed).random(len(y)) < 0.02
    keep = mask if as_mask else np.flatnonzero(mask)
    idx = downsample_indices(np.arange(len(y), dtype=float), y, n_out, keep)
    measured = ~np.isnan(y)
    assert np.all(np.diff(idx) > 0)  # sorted, unique
    assert set(np.flatnonzero(mask & measured).tolist()) <= set(idx.tolist())
    if measured.any():
        assert y[idx].max() == np.nanmax(y) and y[idx].min() == np.nanmin(y)
    assert not np.isnan(y[idx]).any()
    assert len(idx) <= max(n_out, 4) + mask.sum() + 2


def test_an_evenly_spaced_million_keeps_every_breach_on_both_sides_and_its_extremes():
    n, n_out = 1_000_000, 2000
    rng = np.random.default_rng(4)
    y = rng.normal(120, 5, n).round()
    highs, lows = rng.choice(n, 300, replace=False), rng.choice(n, 5, replace=False)
    y[highs], y[lows] = 185, 85
    y[777_777] = 60  # the lowest
    times = np.arange(n, dtype="int64") * 1_000_000_000  # one a second, in nanoseconds
    idx, lowest, highest = downsample_whole(times, y, n_out, 100.0, 160.0, even=True)
    assert (lowest, highest) == (60, 185)
    assert {*highs.tolist(), *lows.tolist(), 777_777} <= set(idx.tolist())
    assert np.all(np.diff(idx) > 0) and len(idx) <= n_out + 300 + 5 + 1 + 2
    general = downsample_indices(times / 6e10, y, n_out, keep=(y < 100) | (y > 160))
    assert set(general.tolist()) == set(idx.tolist())  # buckets by count are buckets of time here


def test_a_series_with_a_gap_in_its_values_takes_the_general_way():
    y = np.full(50_000, 80.0)
    y[49_990] = np.nan  # one bucket holds a NaN: the preselection shows it
    assert downsample_whole(np.arange(50_000, dtype="int64"), y, 100, 50.0, 120.0, even=True) is None
    assert downsample_whole(np.arange(50.0), np.full(50, 80.0), 100, 50.0, 120.0) is None  # fits


measured = st.lists(st.floats(0, 300, allow_nan=False), min_size=5, max_size=3000)  # nothing missing


@settings(max_examples=120, deadline=None)
@given(values=st.one_of(measured, values), n_out=st.integers(1, 200), low=st.floats(0, 150), width=st.floats(0, 150),
       gaps=st.one_of(st.none(), st.integers(0, 2**32 - 1)))
def test_whole_series_keep_extremes_and_every_value_outside(values, n_out, low, width, gaps):
    y = np.array(values)
    high = low + width
    if gaps is None:  # one reading a minute, as integer seconds
        found = downsample_whole(np.arange(len(y), dtype="int64") * 60, y, n_out, low, high, even=True)
    else:  # uneven minutes, some far apart
        x = np.cumsum(np.random.default_rng(gaps).choice([0.5, 1.0, 1.0, 30.0], len(y)))
        found = downsample_whole(x, y, n_out, low, high)
    if np.isnan(y).any() or len(y) <= max(n_out, 4):
        assert found is None
        return
    idx, lowest, highest = found
    assert np.all(np.diff(idx) > 0)
    assert (lowest, highest) == (y.min(), y.max()) and y[idx].min() == y.min() and y[idx].max() == y.max()
    beyond = np.flatnonzero((y < low) | (y > high))
    assert set(beyond.tolist()) <= set(idx.tolist())
    assert len(idx) <= max(n_out, 4) + len(beyond) + 2


def test_outside_compares_only_the_sides_a_value_passes():
    y = np.array([5.0, 50.0, 95.0, np.nan, 120.0])
    assert outside(y, 10, 100, 5, 120).tolist() == [0, 4]
    assert outside(y, 10, 100, 50, 120).tolist() == [4]  # nothing below: only the high side is looked at
    assert outside(y, 10, 100, 50, 95).tolist() == []
