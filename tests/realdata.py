"""Where the real monitor exports are (../shared/realdata beside the repository) and what to do without them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
LONG = REALDATA / "mimic2wdb_s00001_numerics_1min.csv"  # 1-minute numerics, elapsed minutes, many hours
SHORT = REALDATA / "mimic2wdb_s25047_numerics_1min.csv"  # 72 lines, sensor-off zeros


def in_ci() -> bool:
    """CI=true (or any value but empty, 0, false): a missing prerequisite fails the run instead of skipping."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_realdata() -> Path:
    """The real-data folder; skips the test without it, and fails it under CI, where a skip would hide a gap."""
    missing = [path.name for path in (LONG, SHORT) if not path.is_file()]
    if missing:
        message = f"the real monitor exports are not in {REALDATA} (missing: {', '.join(missing)})"
        if in_ci():
            pytest.fail(f"CI needs {message}", pytrace=False)
        pytest.skip(message)
    return REALDATA
