"""Fewer points for a long series to plot; a threshold breach or the series' min or max is never dropped."""

from __future__ import annotations

import numpy as np
from tsdownsample import LTTBDownsampler, MinMaxDownsampler

_LTTB_MIN_OUT = 4  # tsdownsample's LTTB step panics below 3 points
MINMAX_RATIO = 4  # MinMaxLTTB's preselection: each bucket's min and max, 4x the points wanted, then LTTB


def _minmax_lttb(x: np.ndarray, y: np.ndarray, n_out: int, even: bool) -> tuple[np.ndarray, np.ndarray]:
    """MinMaxLTTB's choice (the min and max of n_out x 4 buckets, then LTTB down to n_out), and the positions
    of the global min and max of y, read from the preselection that holds them (no extra pass over y).

    even: x is evenly spaced, so buckets of equal time are buckets of equal count, which tsdownsample finds
    without reading x (a quarter of the time for a million points); x is then only read where preselected.
    """
    n = len(x)
    if n_out * MINMAX_RATIO >= n - 2:
        pre = np.arange(n)
    else:
        inner = (MinMaxDownsampler().downsample(y[1:-1], n_out=n_out * MINMAX_RATIO) if even else
                 MinMaxDownsampler().downsample(x[1:-1], y[1:-1], n_out=n_out * MINMAX_RATIO))
        pre = np.concatenate(([0], np.asarray(inner, dtype="int64") + 1, [n - 1]))
    xp = x[pre]
    if xp.dtype.kind in "iu":  # integer times: from the first, as floats (their differences are exact)
        xp = (xp - xp[0]).astype("float64")
    picked = pre[np.asarray(LTTBDownsampler().downsample(xp, y[pre], n_out=n_out), dtype="int64")]
    values = y[pre]
    return picked, pre[[np.argmin(values), np.argmax(values)]]


def downsample_indices(x: np.ndarray, y: np.ndarray, n_out: int, keep: np.ndarray | None = None, *,
                       clean: bool = False, even: bool = False) -> np.ndarray:
    """Sorted unique indices into x/y to plot: every point when len(x) <= n_out, else MinMaxLTTB's choice
    plus every index in keep (boolean mask or index array) plus the global min and max of y.

    x: floats, or integers (e.g. epoch nanoseconds: never missing). Points whose x or y is NaN are never chosen:
    they cannot be drawn. clean: the caller knows x is ascending and neither x nor y holds a NaN, so that is
    not checked again (a few passes over a million values). even: clean, and x evenly spaced.
    """
    x = np.asarray(x)
    if x.dtype.kind not in "iu":
        x = x.astype("float64", copy=False)
    y = np.asarray(y, dtype="float64")
    if len(x) != len(y):
        raise ValueError(f"x and y differ in length ({len(x)} and {len(y)})")
    clean = clean or even
    # a sum is NaN when any term is: one pass instead of two masks for the usual series with nothing missing
    if len(x) > n_out and (clean or (not np.isnan(np.sum(x) + np.sum(y)) and not np.any(np.diff(x) < 0))):
        valid, xv, yv = None, x, y  # the usual long series: whole, in order, no copies
    else:
        even = False
        valid = np.flatnonzero(~(np.isnan(x) | np.isnan(y)))
        if len(valid) <= n_out:
            return valid.astype("int64")
        if np.any(np.diff(x[valid]) < 0):  # the downsampler assumes x ascending
            valid = valid[np.argsort(x[valid], kind="stable")]
        xv, yv = x[valid], y[valid]
    if not even and xv.dtype.kind in "iu":
        xv = xv.astype("float64")  # tsdownsample's bins of time over integers take 4x as long
    picked, extremes = _minmax_lttb(xv, yv, max(n_out, _LTTB_MIN_OUT), even)
    chosen = [picked, extremes] if valid is None else [valid[picked], valid[extremes]]
    if keep is not None:
        keep = np.asarray(keep)
        if keep.dtype == bool and len(keep) != len(y):
            raise ValueError(f"keep mask has {len(keep)} entries for {len(y)} points")
        keep_idx = np.flatnonzero(keep) if keep.dtype == bool else keep.astype("int64").ravel()
        if len(keep_idx) and (keep_idx.min() < 0 or keep_idx.max() >= len(y)):
            raise ValueError("keep holds an index outside the series")
        chosen.append(keep_idx if clean else keep_idx[~(np.isnan(x[keep_idx]) | np.isnan(y[keep_idx]))])
    return _sorted_unique(np.concatenate(chosen).astype("int64", copy=False))


def _sorted_unique(idx: np.ndarray) -> np.ndarray:
    """np.unique for a few thousand indices, without its hash table (a quarter of the time here)."""
    idx = np.sort(idx)
    return idx[np.concatenate(([True], idx[1:] != idx[:-1]))] if len(idx) else idx
