"""Synthetic readings for benchmarks: one reading a minute per session, plausible adult values."""

from __future__ import annotations

import numpy as np
import pandas as pd

T0 = pd.Timestamp("2026-01-05 08:00", tz="UTC")


def readings_frame(n_sessions: int, per_session: int, first_session_id: int = 1, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = n_sessions * per_session
    minute = np.tile(np.arange(per_session), n_sessions)
    sessions = np.repeat(np.arange(first_session_id, first_session_id + n_sessions), per_session)
    sbp = rng.integers(100, 181, n).astype(float)
    return pd.DataFrame({
        "session_id": sessions,
        "measured_at": T0 + pd.to_timedelta(minute, unit="min") + pd.to_timedelta(sessions, unit="D"),
        "sbp": sbp,
        "dbp": np.minimum(rng.integers(60, 111, n), sbp - 30).astype(float),
        "hr": rng.integers(50, 131, n).astype(float),
        "spo2": rng.integers(90, 101, n).astype(float),
        "rr": rng.integers(10, 25, n).astype(float),
        "bp_method": "cuff",
    })
