"""Fewer points for a long series to plot; a threshold breach or the series' min or max is never dropped."""

from __future__ import annotations

import numpy as np
from tsdownsample import MinMaxLTTBDownsampler

_LTTB_MIN_OUT = 4  # tsdownsample's LTTB step panics below 3 points


def downsample_indices(x: np.ndarray, y: np.ndarray, n_out: int, keep: np.ndarray | None = None) -> np.ndarray:
    """Sorted unique indices into x/y to plot: every point when len(x) <= n_out, else MinMaxLTTB's choice
    plus every index in keep (boolean mask or index array) plus the global min and max of y.

    Points whose x or y is NaN are never chosen: they cannot be drawn.
    """
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    if len(x) != len(y):
        raise ValueError(f"x and y differ in length ({len(x)} and {len(y)})")
    valid = np.flatnonzero(~(np.isnan(x) | np.isnan(y)))
    if len(valid) <= n_out:
        return valid.astype("int64")
    if np.any(np.diff(x[valid]) < 0):  # the downsampler assumes x ascending
        valid = valid[np.argsort(x[valid], kind="stable")]
    xv, yv = x[valid], y[valid]
    picked = np.asarray(MinMaxLTTBDownsampler().downsample(xv, yv, n_out=max(n_out, _LTTB_MIN_OUT)), dtype="int64")
    chosen = [valid[picked], valid[[np.argmin(yv), np.argmax(yv)]]]
    if keep is not None:
        keep = np.asarray(keep)
        if keep.dtype == bool and len(keep) != len(y):
            raise ValueError(f"keep mask has {len(keep)} entries for {len(y)} points")
        keep_idx = np.flatnonzero(keep) if keep.dtype == bool else keep.astype("int64").ravel()
        if len(keep_idx) and (keep_idx.min() < 0 or keep_idx.max() >= len(y)):
            raise ValueError("keep holds an index outside the series")
        chosen.append(keep_idx[~(np.isnan(x[keep_idx]) | np.isnan(y[keep_idx]))])
    return np.unique(np.concatenate(chosen)).astype("int64")
