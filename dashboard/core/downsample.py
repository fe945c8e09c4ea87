"""Fewer points for a long series, never losing a threshold breach or the series' extremes."""

from __future__ import annotations

import numpy as np
from tsdownsample import MinMaxLTTBDownsampler


def downsample_indices(x: np.ndarray, y: np.ndarray, n_out: int, keep: np.ndarray | None = None) -> np.ndarray:
    """Sorted indices to plot: MinMaxLTTB's choice, plus every index in keep, plus the min and the max.

    keep is a boolean mask or an index array (the breaching points). NaN values are never chosen.
    """
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    valid = np.flatnonzero(~np.isnan(y))
    if len(valid) <= n_out:
        chosen = valid
    else:
        picked = MinMaxLTTBDownsampler().downsample(x[valid], y[valid], n_out=max(n_out, 4))
        extremes = [np.argmin(y[valid]), np.argmax(y[valid])]
        chosen = valid[np.union1d(np.asarray(picked, dtype="int64"), extremes).astype("int64")]
    if keep is not None:
        keep = np.asarray(keep)
        keep_idx = np.flatnonzero(keep) if keep.dtype == bool else keep.astype("int64")
        chosen = np.union1d(chosen, keep_idx[~np.isnan(y[keep_idx])])
    return np.unique(chosen).astype("int64")
