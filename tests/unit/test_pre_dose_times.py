"""A reading seconds after the infusion start is an infusion reading, never a pre-infusion one."""

import numpy as np
import pandas as pd

from dashboard.core.alerts import evaluate
from dashboard.core.protocol import default_protocol

START = pd.Timestamp("2026-11-02 14:07:11", tz="UTC")


def alerts_for(offset_seconds: float) -> pd.DataFrame:
    readings = pd.DataFrame({"session_id": [1], "measured_at": [START + pd.Timedelta(seconds=offset_seconds)],
                             "sbp": [185.0], "dbp": [112.0], **{k: [np.nan] for k in ("map", "hr", "spo2", "rr", "temp_c")}})
    sessions = pd.DataFrame({"session_id": [1], "infusion_started_at": [START], "infusion_stopped_at": [pd.NaT]})
    return evaluate(readings, sessions, default_protocol())


def test_a_high_bp_five_seconds_after_start_raises_no_pre_dose_caution():
    assert "pre_dose_caution" not in alerts_for(5)["rule"].tolist()


def test_at_the_start_itself_it_is_not_pre_infusion_either():
    assert "pre_dose_caution" not in alerts_for(0)["rule"].tolist()


def test_eleven_seconds_before_the_start_it_is():
    assert "pre_dose_caution" in alerts_for(-11)["rule"].tolist()
