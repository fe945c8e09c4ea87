"""Fewer points for a long series to plot; a threshold breach or the series' min or max is never dropped."""

from __future__ import annotations

import numpy as np
from tsdownsample import LTTBDownsampler, MinMaxDownsampler, NaNMinMaxDownsampler

from dashboard.core.uniform import BLOCK

_LTTB_MIN_OUT = 4  # tsdownsample's LTTB step panics below 3 points
MINMAX_RATIO = 4  # MinMaxLTTB's preselection: each bucket's min and max, 4x the points wanted, then LTTB


def _minmax_lttb(x: np.ndarray, y: np.ndarray, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """MinMaxLTTB's choice (the min and max of n_out x 4 buckets, then LTTB down to n_out), and the positions
    of the global min and max of y, read from the preselection that holds them (no extra pass over y)."""
    n = len(x)
    if n_out * MINMAX_RATIO >= n - 2:
        pre = np.arange(n)
    else:
        inner = np.asarray(MinMaxDownsampler().downsample(x[1:-1], y[1:-1], n_out=n_out * MINMAX_RATIO),
                           dtype="int64") + 1
        pre = np.concatenate(([0], inner, [n - 1]))
    picked = pre[np.asarray(LTTBDownsampler().downsample(x[pre], y[pre], n_out=n_out), dtype="int64")]
    values = y[pre]
    return picked, pre[[np.argmin(values), np.argmax(values)]]


def downsample_indices(x: np.ndarray, y: np.ndarray, n_out: int, keep: np.ndarray | None = None, *,
                       clean: bool = False) -> np.ndarray:
    """Sorted unique indices into x/y to plot: every point when len(x) <= n_out, else MinMaxLTTB's choice
    plus every index in keep (boolean mask or index array) plus the global min and max of y.

    Points whose x or y is NaN are never chosen: they cannot be drawn. clean: the caller knows x is ascending
    and neither x nor y holds a NaN, so that is not checked again (a few passes over a million values).
    """
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    if len(x) != len(y):
        raise ValueError(f"x and y differ in length ({len(x)} and {len(y)})")
    # a sum is NaN when any term is: one pass instead of two masks for the usual series with nothing missing
    if len(x) > n_out and (clean or (not np.isnan(np.sum(x) + np.sum(y)) and not np.any(np.diff(x) < 0))):
        valid, xv, yv = None, x, y  # the usual long series: whole, in order, no copies
    else:
        valid = np.flatnonzero(~(np.isnan(x) | np.isnan(y)))
        if len(valid) <= n_out:
            return valid.astype("int64")
        if np.any(np.diff(x[valid]) < 0):  # the downsampler assumes x ascending
            valid = valid[np.argsort(x[valid], kind="stable")]
        xv, yv = x[valid], y[valid]
    picked, extremes = _minmax_lttb(xv, yv, max(n_out, _LTTB_MIN_OUT))
    chosen = [picked, extremes] if valid is None else [valid[picked], valid[extremes]]
    if keep is not None:
        keep = np.asarray(keep)
        if keep.dtype == bool and len(keep) != len(y):
            raise ValueError(f"keep mask has {len(keep)} entries for {len(y)} points")
        keep_idx = np.flatnonzero(keep) if keep.dtype == bool else keep.astype("int64").ravel()
        if len(keep_idx) and (keep_idx.min() < 0 or keep_idx.max() >= len(y)):
            raise ValueError("keep holds an index outside the series")
        chosen.append(keep_idx if clean else keep_idx[~(np.isnan(x[keep_idx]) | np.isnan(y[keep_idx]))])
    return _sorted_unique(np.concatenate(chosen))


def downsample_whole(x: np.ndarray, y: np.ndarray, n_out: int, low: float, high: float, *, even: bool = False
                     ) -> tuple[np.ndarray, float, float] | None:
    """downsample_indices of a series in time order (x ascending, none missing), keeping every value below low
    or above high too: (indices, lowest value, highest value); None when y holds a NaN or fits in n_out (then
    the general way, which makes the NaN mask, is the one to take).

    y is read once, by the preselection, when no value lies outside [low, high]: each bucket's lowest and
    highest value are in the preselection, so its own lowest and highest are the series' (whether any value
    lies outside, and on which side), and NaNMinMax picks a NaN from any bucket holding one, so a NaN anywhere
    shows in it. even: x evenly spaced (integer times, say): buckets of equal count are then buckets of equal
    time, which tsdownsample finds without reading x (a quarter of the time), and x is read where preselected.
    """
    n = len(y)
    n_out = max(n_out, _LTTB_MIN_OUT)
    if n <= n_out:
        return None
    if n_out * MINMAX_RATIO >= n - 2:
        pre = np.arange(n)
    else:
        buckets = n_out * MINMAX_RATIO
        inner = (NaNMinMaxDownsampler().downsample(y[1:-1], n_out=buckets) if even else
                 NaNMinMaxDownsampler().downsample(np.asarray(x[1:-1], dtype="float64"), y[1:-1], n_out=buckets))
        pre = np.concatenate(([0], np.asarray(inner, dtype="int64") + 1, [n - 1]))
    values = y[pre]
    if np.isnan(values).any():
        return None
    lowest_at, highest_at = int(np.argmin(values)), int(np.argmax(values))
    lowest, highest = float(values[lowest_at]), float(values[highest_at])
    at = x[pre]
    if at.dtype.kind in "iu":  # integer times: their exact differences, then floats
        at = (at - at[0]).astype("float64")
    picked = pre[np.asarray(LTTBDownsampler().downsample(at, values, n_out=n_out), dtype="int64")]
    chosen = [picked, pre[[lowest_at, highest_at]], outside(y, low, high, lowest, highest)]
    return _sorted_unique(np.concatenate(chosen)), lowest, highest


def outside(values: np.ndarray, low: float, high: float, lowest: float, highest: float) -> np.ndarray:
    """Positions of the values below low or above high, given the series' lowest and highest (NaN: none): a
    side no value passes is not compared, a calm series not at all; else one read, in pieces that stay in the
    CPU's cache (no mask as long as the series)."""
    check_low, check_high = lowest < low, highest > high
    if not (check_low or check_high):
        return np.empty(0, dtype="int64")
    found = []
    for start in range(0, len(values), BLOCK):
        piece = values[start:start + BLOCK]
        mask = (piece < low) | (piece > high) if check_low and check_high else piece < low if check_low else \
            piece > high
        found.append(np.flatnonzero(mask) + start)
    return np.concatenate(found)


def _sorted_unique(idx: np.ndarray) -> np.ndarray:
    """np.unique for a few thousand indices, without its hash table (a quarter of the time here)."""
    idx = np.sort(idx.astype("int64", copy=False))
    return idx[np.concatenate(([True], idx[1:] != idx[:-1]))] if len(idx) else idx
