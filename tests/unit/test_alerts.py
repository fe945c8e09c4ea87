"""Alert rules at their boundaries: equal to the limit, one reading long, gaps, no baseline; live = review."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.core.alerts import evaluate
from dashboard.core.protocol import Persistence, default_protocol

START = pd.Timestamp("2026-11-02 14:00", tz="UTC")
P = default_protocol()


def frame(minutes, **vitals) -> pd.DataFrame:
    data = {"session_id": 1, "measured_at": [START + pd.Timedelta(minutes=m) for m in minutes]}
    for key in ("sbp", "dbp", "map", "hr", "spo2", "rr", "temp_c"):
        data[key] = np.asarray(vitals.get(key, [np.nan] * len(minutes)), dtype="float64")
    return pd.DataFrame(data)


def sessions(start=START, stop=None) -> pd.DataFrame:
    return pd.DataFrame({"session_id": [1], "infusion_started_at": [start],
                         "infusion_stopped_at": [stop if stop is not None else pd.NaT]})


def alerts(readings, protocol=P, session=None, **kw) -> pd.DataFrame:
    return evaluate(readings, sessions() if session is None else session, protocol, **kw)


def picked(result, rule, vital=None, level=None) -> pd.DataFrame:
    mask = result["rule"] == rule
    if vital:
        mask &= result["vital"] == vital
    if level:
        mask &= result["level"] == level
    return result[mask]


# limits and persistence
def test_value_equal_to_the_limit_does_not_alert():
    assert alerts(frame([0, 5, 10], hr=[120, 120, 120])).empty  # warning high is 120
    at_critical = alerts(frame([0, 5, 10], hr=[140, 140, 120]))  # critical high is 140
    assert picked(at_critical, "limit", "hr", "critical").empty
    assert len(picked(at_critical, "limit", "hr", "warning")) == 1


def test_one_reading_beyond_critical_alerts_at_once_with_its_peak():
    result = alerts(frame([0, 5, 10], hr=[80, 141, 80]))
    hit = picked(result, "limit", "hr", "critical").iloc[0]
    assert hit["started_at"] == START + pd.Timedelta(minutes=5) and hit["peak_value"] == 141
    assert hit["ended_at"] == START + pd.Timedelta(minutes=10) and hit["priority"] == "high"


def test_one_reading_beyond_warning_is_not_enough_two_are():
    assert picked(alerts(frame([0, 5, 10], hr=[80, 125, 80])), "limit", "hr", "warning").empty
    two = picked(alerts(frame([0, 5, 10, 15], hr=[80, 125, 127, 80])), "limit", "hr", "warning")
    assert two["started_at"].tolist() == [START + pd.Timedelta(minutes=10)] and two["priority"].iloc[0] == "medium"


def test_persistence_in_minutes():
    protocol = P.model_copy(update={"persistence": {"warning": Persistence(readings=10, minutes=2),
                                                    "critical": Persistence()}})
    result = picked(alerts(frame([0, 1, 2, 3], hr=[125, 125, 125, 80]), protocol), "limit", "hr", "warning")
    assert result["started_at"].tolist() == [START + pd.Timedelta(minutes=2)]


def test_hysteresis_a_value_hovering_at_the_limit_does_not_flap():
    hr = [125, 125, 119, 122, 118, 121, 114]  # warning high 120, margin 5: clears only at <= 115
    result = picked(alerts(frame(range(0, 35, 5), hr=hr)), "limit", "hr", "warning")
    assert len(result) == 1 and result["ended_at"].iloc[0] == START + pd.Timedelta(minutes=30)


def test_a_gap_in_the_data_holds_the_state_and_missing_values_are_not_readings():
    hr = [125, np.nan, np.nan, 126, 80]
    result = picked(alerts(frame([0, 5, 10, 15, 20], hr=hr)), "limit", "hr", "warning")
    assert result["started_at"].tolist() == [START + pd.Timedelta(minutes=15)]  # two HR readings, gap between


def test_low_limits_and_an_episode_still_active_at_the_end():
    result = picked(alerts(frame([0, 5], spo2=[95, 89])), "limit", "spo2", "critical")
    assert result["peak_value"].tolist() == [89] and pd.isna(result["ended_at"].iloc[0])


# baseline change
def test_rise_from_baseline_counts_only_after_the_start():
    sbp = [120, 118, 150, 161, 162, 120]
    dbp = [80, 80, 85, 86, 86, 80]
    result = picked(alerts(frame([-10, -5, 20, 25, 30, 60], sbp=sbp, dbp=dbp)), "baseline_change", "sbp")
    # baseline 119; rise >= 40 abs or >= 25 % (148.75): 150 at 20 min is the first, persistence 2 -> 25 min
    assert result["started_at"].tolist() == [START + pd.Timedelta(minutes=25)]
    assert result["level"].iloc[0] == "baseline" and result["priority"].iloc[0] == "medium"


def test_no_baseline_no_baseline_alert():
    result = alerts(frame([0, 5, 10], sbp=[200, 200, 200], dbp=[100, 100, 100]))
    assert picked(result, "baseline_change").empty and not picked(result, "limit", "sbp", "critical").empty


def test_fall_from_baseline():
    result = alerts(frame([-5, 10, 15], sbp=[150, 115, 112], dbp=[80, 70, 70]))
    assert picked(result, "baseline_change", "sbp")["peak_value"].tolist() == [112]


# escalation, pre-dose gate, overdue
def test_two_vitals_in_warning_at_once_escalate():
    result = alerts(frame([0, 5, 10], hr=[125, 126, 80], rr=[31, 32, 14]))
    escalation = picked(result, "multiple_warnings")
    assert escalation["priority"].tolist() == ["high"]
    assert escalation["started_at"].iloc[0] == START + pd.Timedelta(minutes=5)
    assert picked(alerts(frame([0, 5, 10], hr=[125, 126, 80])), "multiple_warnings").empty


def test_pre_dose_caution_before_start_only():
    result = alerts(frame([-10, -5, 10], sbp=[145, 138, 150], dbp=[85, 88, 92]))
    caution = picked(result, "pre_dose_caution")
    assert caution["started_at"].tolist() == [START - pd.Timedelta(minutes=10)]
    assert caution["ended_at"].tolist() == [START - pd.Timedelta(minutes=5)]
    assert picked(alerts(frame([-10], sbp=[140], dbp=[90])), "pre_dose_caution").empty  # at the limit


def test_bp_overdue_during_infusion():
    result = alerts(frame([-5, 5, 30, 35], sbp=[120] * 4, dbp=[80] * 4))
    overdue = picked(result, "bp_overdue")
    assert overdue["started_at"].tolist() == [START + pd.Timedelta(minutes=20)]
    assert overdue["ended_at"].tolist() == [START + pd.Timedelta(minutes=30)]
    live = picked(alerts(frame([-5, 5], sbp=[120] * 2, dbp=[80] * 2), now=START + pd.Timedelta(minutes=25)),
                  "bp_overdue")
    assert live["started_at"].tolist() == [START + pd.Timedelta(minutes=20)] and pd.isna(live["ended_at"].iloc[0])


def test_not_started_session_has_no_overdue_or_baseline():
    result = alerts(frame([0, 60], sbp=[120, 121], dbp=[80, 80]), session=sessions(start=pd.NaT))
    assert result.empty


def test_sessions_are_evaluated_apart():
    one = frame([0, 5], hr=[125, 126])
    two = frame([10, 15], hr=[125, 80]).assign(session_id=2)
    both = pd.DataFrame({"session_id": [1, 2], "infusion_started_at": [START, START],
                         "infusion_stopped_at": [pd.NaT, pd.NaT]})
    result = picked(evaluate(pd.concat([one, two]), both, P), "limit", "hr", "warning")
    assert result["session_id"].tolist() == [1]  # session 2's first reading does not continue session 1's run


# live entry and review agree
vital_values = st.one_of(st.none(), st.floats(40, 200))


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(1, 12), vital_values, vital_values, st.floats(80, 100), vital_values),
                     min_size=1, max_size=30),
       baseline=st.integers(0, 2))
def test_evaluating_reading_by_reading_equals_evaluating_all_at_once(rows, baseline):
    minutes = np.cumsum([r[0] for r in rows]) - 5 * baseline
    readings = frame(list(minutes), sbp=[r[1] if r[1] is None else r[1] + 30 for r in rows],
                     dbp=[r[2] if r[2] is None else r[2] / 2 for r in rows], spo2=[r[3] for r in rows],
                     hr=[r[4] for r in rows])
    readings[["sbp", "dbp", "hr"]] = readings[["sbp", "dbp", "hr"]].astype("float64")
    full = alerts(readings)
    for k in range(1, len(readings) + 1):
        prefix = readings.iloc[:k]
        now = prefix["measured_at"].iloc[-1]
        live = alerts(prefix)
        expected = full[full["started_at"] <= now].copy()
        expected.loc[expected["ended_at"] > now, "ended_at"] = pd.NaT
        if "bp_overdue" in set(expected["rule"]):  # a gap still open at `now` is measured up to now
            open_gap = (expected["rule"] == "bp_overdue") & expected["ended_at"].isna()
            expected = expected[~open_gap]
            live = live[~((live["rule"] == "bp_overdue") & live["ended_at"].isna())]
        pd.testing.assert_frame_equal(live.reset_index(drop=True)[["rule", "vital", "level", "started_at", "ended_at"]],
                                      expected.reset_index(drop=True)[["rule", "vital", "level", "started_at",
                                                                       "ended_at"]],
                                      check_dtype=False)


def test_what_if_shares_unchanged_rules_yet_counts_like_two_evaluations():
    from dashboard.core.whatif import compare
    rng = np.random.default_rng(5)
    n = 400
    readings = pd.DataFrame({
        "session_id": np.repeat([1, 2, 3, 4], n // 4),
        "measured_at": [START + pd.Timedelta(minutes=int(m)) for m in np.tile(np.arange(n // 4) * 5 - 10, 4)],
        "sbp": rng.normal(150, 20, n), "dbp": rng.normal(85, 10, n), "hr": rng.normal(110, 15, n),
        "spo2": rng.normal(94, 2, n).clip(80, 100), "rr": rng.normal(16, 5, n),
    })
    sessions_frame = pd.DataFrame({"session_id": [1, 2, 3, 4], "infusion_started_at": [START] * 4,
                                   "infusion_stopped_at": [pd.NaT] * 4})
    draft = P.model_copy(deep=True)
    draft.limits["hr"].critical_high = 150
    draft.persistence["warning"] = Persistence(readings=3)
    result = compare(readings, sessions_frame, P, draft)
    for label, protocol in (("current", P), ("draft", draft)):
        alone = evaluate(readings, sessions_frame, protocol)
        counted = {p: int((alone["priority"] == p).sum()) for p in ("high", "medium", "low")}
        assert result.totals[label].to_dict() == counted
    assert result.totals.loc["high", "draft"] != result.totals.loc["high", "current"]


# one session worked through by hand: what the nurse would see in the alert list
WORKED_MINUTES = [-10, -5, 0, 5, 10, 15, 20]  # infusion starts at 14:00
WORKED = frame(WORKED_MINUTES, sbp=[112, 108, 150, 185, 170, 158, 150], dbp=[80, 80, 85, 95, 90, 88, 85],
               hr=[80, 80, 90, 95, 100, 100, 90], rr=[14, 14, 14, 32, 33, 20, 16])


def at(clock: str) -> pd.Timestamp:
    return pd.Timestamp(f"2026-11-02 {clock}", tz="UTC")


def listed(result: pd.DataFrame) -> list[tuple]:
    ended = [None if pd.isna(t) else t for t in result["ended_at"]]
    return list(zip(result["rule"], result["vital"], result["level"], result["priority"], result["started_at"],
                    ended, result["peak_value"], strict=True))


def test_a_worked_session_gives_the_alerts_worked_out_by_hand():
    # SBP 185 at 14:05 is beyond critical 180; 170 at 14:10 is inside 180 by the 5 mmHg margin: cleared.
    # SBP above warning 160 twice (185, 170): warning from 14:10; 158 is not 5 below 160, 150 at 14:20 is.
    # Baseline: median(112, 108) = 110, rise limit min(110 + 40, 110 * 1.25) = 137.5; 150 then 185 = two
    #   readings above it: from 14:05, and never 5 below it again: still active, peak 185.
    # RR 32, 33 above warning 30: from 14:10; 20 at 14:15 is 2 below 30: cleared.
    # At 14:10 SBP and RR are both in warning: escalation until RR clears at 14:15.
    # No pre-dose caution (112/80, 108/80 are not above 140/90); a BP every 5 min: never overdue.
    assert listed(alerts(WORKED)) == [
        ("limit", "sbp", "critical", "high", at("14:05"), at("14:10"), 185.0),
        ("baseline_change", "sbp", "baseline", "medium", at("14:05"), None, 185.0),
        ("limit", "sbp", "warning", "medium", at("14:10"), at("14:20"), 170.0),
        ("limit", "rr", "warning", "medium", at("14:10"), at("14:15"), 33.0),
        ("multiple_warnings", "several", "escalation", "high", at("14:10"), at("14:15"), 2.0),
    ]


def test_a_worked_what_if_raising_the_critical_sbp_limit_removes_one_high_alert():
    from dashboard.core.whatif import compare
    draft = P.model_copy(deep=True)
    draft.limits["sbp"].critical_high = 190  # 185 is no longer critical; the warning (160) is unchanged
    result = compare(WORKED, sessions(), P, draft)
    assert result.totals.loc["high"].tolist() == [2, 1, -1]  # current, draft, change: SBP critical + escalation
    assert result.totals.loc["medium"].tolist() == [3, 3, 0]  # SBP warning, SBP baseline, RR warning
    assert result.differing["session_id"].tolist() == [1]
