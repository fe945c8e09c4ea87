"""Text cells to numbers: placeholders, units in the cell, decimal commas, '128/82' blood pressures."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.core.validation import MISSING_TOKENS

_PLACEHOLDERS = pa.array(sorted(MISSING_TOKENS))
_DECIMAL_COMMA = r"^([+-]?[0-9]+),([0-9]+)"
_UNITS = (r"\s*(%|mm\s*hg|mmhg|bpm|b/min|beats/min|br/min|breaths/min|/\s*min|rpm|°\s*c|º\s*c|deg\s*c|"
          r"°\s*f|º\s*f|deg\s*f|c|f)$")
_FAHRENHEIT = r"[0-9.]\s*(°\s*f|º\s*f|deg\s*f|f)$"
_NUMBER = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(e[+-]?[0-9]+)?$"
_BP = r"^(?P<s>[^/]*?)\s*/\s*(?P<d>[^/(]*?)\s*(?:\(\s*(?P<m>[^)]*?)\s*\))?\s*(?:mm\s*hg)?$"


@dataclass(frozen=True)
class Numbers:
    values: np.ndarray  # float64, NaN = not measured
    not_number: np.ndarray  # bool: text that is neither a number nor a placeholder
    fahrenheit: np.ndarray  # bool: the cell itself said °F (converted to °C by the caller when wanted)
    decimal_commas: int  # cells written with a decimal comma (36,8)


def _bools(array) -> np.ndarray:
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)


def _floats(array) -> np.ndarray:
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype="float64")


def to_numbers(cells: pa.ChunkedArray | pa.Array) -> Numbers:
    """Numbers of a text column; the common all-numeric column costs a single cast."""
    n = len(cells)
    try:
        values = _floats(pc.cast(cells, pa.float64()))
        return Numbers(values, np.zeros(n, bool), np.zeros(n, bool), 0)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    low = pc.utf8_lower(pc.utf8_trim_whitespace(cells))
    placeholder = _bools(pc.is_in(low, value_set=_PLACEHOLDERS))
    commas = pc.match_substring_regex(low, _DECIMAL_COMMA + "$|" + _DECIMAL_COMMA + r"\s*[^0-9,]")
    text = pc.replace_substring_regex(low, _DECIMAL_COMMA, r"\1.\2")
    fahrenheit = _bools(pc.match_substring_regex(text, _FAHRENHEIT))
    text = pc.replace_substring_regex(text, _UNITS, "")
    valid = pc.match_substring_regex(text, _NUMBER)
    values = _floats(pc.cast(pc.if_else(valid, text, pa.scalar(None, pa.string())), pa.float64()))
    present = _bools(pc.is_valid(low)) & ~_bools(pc.equal(low, ""))
    not_number = present & ~placeholder & ~_bools(valid)
    return Numbers(values, not_number, fahrenheit & _bools(valid), int(_bools(commas).sum()))


@dataclass(frozen=True)
class Pressures:
    sbp: Numbers
    dbp: Numbers
    map: Numbers
    not_pressure: np.ndarray  # bool: text that is not like 128/82


def split_pressure(cells: pa.ChunkedArray | pa.Array) -> Pressures:
    """'128/82' (or '128/82 (97)', '128 / 82 mmHg') into systolic, diastolic and mean."""
    trimmed = pc.utf8_lower(pc.utf8_trim_whitespace(cells))
    parts = pc.extract_regex(trimmed, _BP)
    matched = _bools(pc.is_valid(parts))
    placeholder = _bools(pc.is_in(trimmed, value_set=_PLACEHOLDERS))
    present = _bools(pc.is_valid(trimmed)) & ~_bools(pc.equal(trimmed, ""))
    part = {name: pc.if_else(pa.array(matched), pc.struct_field(parts, name), pa.scalar(None, pa.string()))
            for name in ("s", "d", "m")}
    empty = pa.scalar(None, pa.string())
    part = {name: pc.if_else(pc.equal(values, ""), empty, values) for name, values in part.items()}
    sbp, dbp, mean = (to_numbers(part[name]) for name in ("s", "d", "m"))
    not_pressure = present & ~placeholder & (~matched | sbp.not_number | dbp.not_number | mean.not_number)
    return Pressures(sbp, dbp, mean, not_pressure)
