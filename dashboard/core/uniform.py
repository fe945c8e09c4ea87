"""Exact and cheap tests that a column is uniform: one text value on every row, or numbers one fixed step apart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

BLOCK = 1 << 16  # values per piece of a pass that stays in the CPU's cache (no temporary as long as the column)


def evenly_stepped(values: np.ndarray, step: int) -> bool:
    """True when each value is the one before it plus step (integers; e.g. times of a monitor's feed, or the
    offsets of strings of one length). Read in pieces, and the last value first: a series that is not even
    is told at once, and an even one costs one read, no array of a million differences."""
    n = len(values)
    if n < 2:
        return True
    if int(values[-1]) - int(values[0]) != step * (n - 1):
        return False
    for start in range(0, n - 1, BLOCK):
        end = min(start + BLOCK, n - 1)
        if not (values[start + 1:end + 1] - values[start:end] == step).all():
            return False
    return True


def same_text_throughout(column: pd.Series, value: str) -> bool:
    """True when every row of column is the string value (none missing; an empty column holds no value).

    An Arrow-backed text column (pandas' default str) is checked on its buffers: every string as long as value
    (its offsets one step apart) and the bytes value repeated (each byte equal to the one a value's length
    before it: one memory comparison), where an element-wise == over a million strings took 4 ms. Any other
    column is compared element-wise.
    """
    if not len(column):
        return False
    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        chunks = column.array.__arrow_array__().chunks
        if all(pa.types.is_string(c.type) or pa.types.is_large_string(c.type) for c in chunks):
            return all(_chunk_is(chunk, value.encode()) for chunk in chunks)
    return bool((column == value).all()) and not column.isna().any()


def _chunk_is(chunk: pa.Array, pattern: bytes) -> bool:
    n, width = len(chunk), len(pattern)
    if chunk.null_count or n == 0:
        return not chunk.null_count
    _, offsets_buffer, data = chunk.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype="int64" if pa.types.is_large_string(chunk.type) else "int32",
                            count=chunk.offset + n + 1)[chunk.offset:]
    if not evenly_stepped(offsets, width):
        return False  # some string of another length
    if width == 0:
        return True
    text = data.slice(int(offsets[0]), n * width)
    return text.slice(0, width).equals(pa.py_buffer(pattern)) and text.slice(width).equals(text.slice(0, (n - 1) * width))
