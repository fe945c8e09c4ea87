"""NEWS2 as the RCP chart scores it, at each band edge."""

import numpy as np
import pandas as pd
import pytest

from dashboard.core.news2 import news2


def score(**vitals) -> pd.Series:
    base = dict(rr=16.0, spo2=98.0, sbp=120.0, hr=70.0, temp_c=37.0)
    return news2(pd.DataFrame([{**base, **vitals}])).iloc[0]


@pytest.mark.parametrize("vitals, expected", [
    ({}, 0), ({"rr": 8}, 3), ({"rr": 9}, 1), ({"rr": 11}, 1), ({"rr": 12}, 0), ({"rr": 21}, 2), ({"rr": 25}, 3),
    ({"spo2": 91}, 3), ({"spo2": 92}, 2), ({"spo2": 94}, 1), ({"spo2": 96}, 0),
    ({"sbp": 90}, 3), ({"sbp": 91}, 2), ({"sbp": 101}, 1), ({"sbp": 111}, 0), ({"sbp": 219}, 0), ({"sbp": 220}, 3),
    ({"hr": 40}, 3), ({"hr": 41}, 1), ({"hr": 51}, 0), ({"hr": 91}, 1), ({"hr": 111}, 2), ({"hr": 131}, 3),
    ({"temp_c": 35.0}, 3), ({"temp_c": 35.1}, 1), ({"temp_c": 36.1}, 0), ({"temp_c": 38.1}, 1), ({"temp_c": 39.1}, 2),
])
def test_each_band_edge(vitals, expected):
    assert score(**vitals)["news2"] == expected


def test_response_bands():
    assert score()["news2_response"] == "none"
    assert score(hr=95)["news2_response"] == "low"
    assert score(rr=8)["news2_response"] == "low-medium"  # a 3 in one parameter
    assert score(rr=22, hr=115, spo2=95)["news2_response"] == "medium"  # 2 + 2 + 1
    assert score(rr=25, spo2=91, hr=95)["news2_response"] == "high"


def test_incomplete_set_has_no_score_and_missing_temperature_counts_zero():
    assert np.isnan(score(spo2=np.nan)["news2"])
    assert score(temp_c=np.nan)["news2"] == 0
