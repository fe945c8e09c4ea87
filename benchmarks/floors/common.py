"""What both import floors share: read the template with pyarrow, check ranges vectorized, add provenance."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

LIMITS = json.loads((Path(__file__).resolve().parents[2] / "dashboard" / "data" / "plausibility.json").read_text())
VITALS = ("sbp", "dbp", "map", "hr", "spo2", "rr", "temp_c")
COLUMNS = ("session_id", "measured_at", "entered_at", "entered_by", "source", *VITALS, "map_computed", "bp_method",
           "entered_in_error", "source_file", "source_line")


def _floats(column: pa.ChunkedArray) -> np.ndarray:
    return pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False).astype("float64")


def read_and_check(path: Path, codes: dict[str, int]) -> pa.Table:
    """The rows to store: implausible values cleared (a BP as a whole), lines with nothing left dropped."""
    table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
        column_types={"session_id": pa.string(), "timestamp": pa.timestamp("us", tz="UTC"),
                      **{k: pa.float64() for k in VITALS}}))
    values = {}
    with np.errstate(invalid="ignore"):
        for key in VITALS:
            column = _floats(table[key])
            column[(column < LIMITS[key]["min"]) | (column > LIMITS[key]["max"])] = np.nan
            values[key] = column
        bad_bp = (np.isnan(values["sbp"]) != np.isnan(values["dbp"])) | (values["dbp"] >= values["sbp"])
    for key in ("sbp", "dbp", "map"):
        values[key][bad_bp] = np.nan
    computed = np.isnan(values["map"]) & ~np.isnan(values["sbp"])
    values["map"] = np.where(computed, np.round((values["sbp"] + 2 * values["dbp"]) / 3, 1), values["map"])
    keep = ~np.all(np.isnan(np.column_stack([values[k] for k in VITALS])), axis=1)
    n = table.num_rows
    session = pc.index_in(table["session_id"], value_set=pa.array(list(codes)))
    ids = np.array(list(codes.values()), np.int64)[session.to_numpy(zero_copy_only=False).astype(np.int64)]
    has_bp = ~np.isnan(values["sbp"])
    now = datetime.now(timezone.utc).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    out = pa.table({
        "session_id": ids, "measured_at": pc.strftime(table["timestamp"], "%Y-%m-%d %H:%M:%S"),
        "entered_at": pa.array([now] * 1).take(pa.array(np.zeros(n, np.int64))), "entered_by": pa.nulls(n, pa.string()),
        "source": pa.nulls(n, pa.string()),
        **{k: pa.array(values[k], from_pandas=True) for k in VITALS},
        "map_computed": computed,
        "bp_method": pa.array(np.where(has_bp, "cuff", None), pa.string()),
        "entered_in_error": np.zeros(n, bool), "source_file": pa.nulls(n, pa.string()),
        "source_line": np.arange(2, n + 2, dtype=np.int64),
    }).filter(pa.array(keep))
    m = out.num_rows
    for name, value in (("entered_by", "bench"), ("source", "file"), ("source_file", path.name)):
        out = out.set_column(out.schema.get_field_index(name), name, pa.array([value]).take(pa.array(np.zeros(m, np.int64))))
    return out


def main(store) -> None:
    """python benchmarks/floors/X.py FILE TARGET: prints the rows stored."""
    path, target = Path(sys.argv[1]), sys.argv[2]
    print(store(path, target))
