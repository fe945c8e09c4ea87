"""Downsampling for speed never hides a breach or an extreme value."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.core.downsample import downsample_indices


def test_short_series_are_kept_whole():
    y = np.array([1.0, 2.0, np.nan, 4.0])
    assert downsample_indices(np.arange(4.0), y, 10).tolist() == [0, 1, 3]


def test_million_points_keep_injected_spikes_and_extremes():
    n = 1_000_000
    rng = np.random.default_rng(1)
    y = rng.normal(100, 5, n)
    spikes = rng.choice(n, 40, replace=False)
    y[spikes] = 190
    y[555] = 10
    keep = np.zeros(n, dtype=bool)
    keep[spikes] = True
    idx = downsample_indices(np.arange(n, dtype=float), y, 2000, keep)
    assert set(spikes) <= set(idx) and 555 in idx
    assert len(idx) <= 2000 + 40 + 2


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.floats(0, 300, allow_nan=False), min_size=5, max_size=3000),
       n_out=st.integers(4, 200), keep_seed=st.integers(0, 2**32 - 1))
def test_max_min_and_kept_points_always_survive(values, n_out, keep_seed):
    y = np.array(values)
    keep = np.random.default_rng(keep_seed).random(len(y)) < 0.01
    idx = downsample_indices(np.arange(len(y), dtype=float), y, n_out, keep)
    assert y[idx].max() == y.max() and y[idx].min() == y.min()
    assert set(np.flatnonzero(keep)) <= set(idx)
    assert np.all(np.diff(idx) > 0)
