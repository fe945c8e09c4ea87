"""What-if: which alerts a draft adds or removes, per session, and why in plain words."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.core.alerts import evaluate
from dashboard.core.protocol import Persistence, PreDoseCaution, default_protocol
from dashboard.core.whatif import compare

START = pd.Timestamp("2026-11-02 14:00", tz="UTC")  # 09:00 in New York
TZ = "America/New_York"
P = default_protocol()


def readings(minutes, session_id=1, **vitals) -> pd.DataFrame:
    data = {"session_id": session_id, "measured_at": [START + pd.Timedelta(minutes=m) for m in minutes]}
    for key in ("sbp", "dbp", "map", "hr", "spo2", "rr", "temp_c"):
        data[key] = np.asarray(vitals.get(key, [np.nan] * len(minutes)), dtype="float64")
    return pd.DataFrame(data)


def sessions(*ids, codes=None) -> pd.DataFrame:
    ids = ids or (1,)
    frame = pd.DataFrame({"session_id": list(ids), "infusion_started_at": [START] * len(ids),
                          "infusion_stopped_at": [pd.NaT] * len(ids)})
    return frame.assign(code=codes) if codes else frame


def draft(**changes):
    protocol = P.model_copy(deep=True)
    for path, value in changes.items():
        if "__" in path:
            vital, field = path.split("__")
            setattr(protocol.limits[vital], field, value)
        else:
            setattr(protocol, path, value)
    return protocol


def test_a_lowered_limit_adds_an_alert_that_names_the_value_time_and_both_limits():
    result = compare(readings([0, 5, 10, 15], sbp=[140, 155, 158, 140]), sessions(), P, draft(sbp__warning_high=150),
                     TZ)
    change = result.changes.iloc[0]
    assert len(result.changes) == 1 and change["change"] == "added"
    assert (change["rule"], change["vital"], change["level"], change["priority"]) == ("limit", "sbp", "warning",
                                                                                      "medium")
    assert change["start"] == "2026-11-02 09:10" and change["peak_value"] == 158
    assert change["why"] == "SBP 158 at 09:10 is above the draft's warning high 150 (current 160)"
    assert result.totals.loc["medium", "current"] == 0 and result.totals.loc["medium", "draft"] == 1


def test_a_raised_limit_removes_an_alert_and_says_the_value_is_now_inside():
    result = compare(readings([0, 5, 10], hr=[90, 146, 90]), sessions(), P, draft(hr__critical_high=150), TZ)
    removed = result.changes[result.changes["change"] == "removed"]
    assert removed["why"].tolist() == [("no longer raised: HR 146 at 09:05 is inside the draft's critical high 150 "
                                        "(current 140)")]
    assert result.totals.loc["high", "change"] == -1


def test_a_removed_limit_says_the_draft_has_none():
    result = compare(readings([0, 5, 10], spo2=[97, 88, 97]), sessions(), P, draft(spo2__critical_low=None), TZ)
    assert "no longer raised: SpO2 88 at 09:05: the draft has no critical low limit (current 90)" in \
        result.changes["why"].tolist()


def test_shorter_persistence_moves_an_alert_earlier_and_the_session_differs_with_equal_counts():
    protocol = draft()
    protocol.persistence["warning"] = Persistence(readings=1)
    result = compare(readings([0, 5, 10, 15], hr=[90, 125, 128, 90]), sessions(), P, protocol, TZ)
    why = dict(zip(result.changes["change"], result.changes["why"]))
    assert why["added"] == ("raised at 09:05 instead of 09:10: HR 125 at 09:05 is above the warning high 120 (both "
                            "versions); the draft raises it after 1 reading (current 2 readings in a row)")
    assert why["removed"].startswith("the draft raises it at 09:05 instead: HR 128 at 09:10")
    assert result.totals["change"].tolist() == [0, 0, 0]
    assert result.differing["session_id"].tolist() == [1]


def test_a_smaller_margin_splits_an_alert_and_a_larger_one_merges_them():
    frame = readings([0, 5, 10, 15, 20, 25, 30], hr=[90, 125, 127, 117, 126, 128, 90])
    tight = draft(hysteresis={**P.hysteresis, "hr": 1})
    split = compare(frame, sessions(), P, tight, TZ).changes
    assert split["why"].tolist() == [("a separate alert (the current version still counts it as the one from 09:10): "
                                      "HR 128 at 09:25 is above the warning high 120 (both versions); the draft clears "
                                      "it 1 /min back inside the limit (current 5)")]
    merged = compare(frame, sessions(), tight, P, TZ).changes
    assert merged["why"].iloc[0].startswith("no longer separate: part of the draft's alert from 09:10: HR 128 at 09:25")


def test_escalation_pre_dose_and_overdue_changes_say_which_setting_moved():
    frame = readings([-10, 0, 5, 10, 15, 40], sbp=[150, 130, 130, 130, 130, 130], dbp=[88, 80, 80, 80, 80, 80],
                     hr=[80, 80, 125, 126, 80, 80], rr=[14, 14, 32, 33, 14, 14])
    protocol = draft(escalate_when_warnings=3, bp_interval_min=30, pre_dose_caution=PreDoseCaution(sbp=155, dbp=90))
    why = compare(frame, sessions(), P, protocol, TZ).changes["why"].tolist()
    assert ("no longer raised: up to 2 vitals outside their limits at once from 09:10; the draft escalates at 3 "
            "(current 2)") in why
    assert ("no longer raised: pre-infusion BP 150/88 at 08:50 is within the draft's caution 155/90 "
            "(current 140/90)") in why
    assert ("no longer raised: no BP for 25 min after 09:15: within the draft's interval 30 min (current 15)") in why


def test_baseline_rule_change_names_the_baseline_and_both_rules():
    frame = readings([-20, -10, 0, 5, 10, 15], sbp=[120, 124, 140, 145, 148, 130])
    protocol = draft()
    protocol.baseline_change["sbp"] = protocol.baseline_change["sbp"].model_copy(update={"rise_pct": 15})
    added = compare(frame, sessions(), P, protocol, TZ).changes
    assert added["why"].tolist() == [("SBP 148 at 09:10 is +26 mmHg (+21 %) from its baseline 122; the draft alerts "
                                      "on rise 40 mmHg or rise 15 % or fall 20 % (current rise 40 mmHg or rise 25 % "
                                      "or fall 20 %)")]


def test_changes_are_listed_by_session_code_with_per_session_counts():
    frame = pd.concat([readings([0, 5, 10], session_id=7, hr=[90, 146, 90]),
                       readings([0, 5, 10], session_id=9, hr=[90, 92, 90])])
    result = compare(frame, sessions(7, 9, codes=["S-0007", "S-0009"]), P, draft(hr__critical_high=150), TZ)
    assert result.changes["session"].tolist() == ["S-0007"]
    rows = result.per_session.set_index("session")
    assert rows.loc["S-0007", "removed"] == 1 and rows.loc["S-0009", "removed"] == 0
    assert "1 session(s) differ: the draft adds 0 alert(s) and removes 1" in result.summary()


def _plain_diff(frame, sessions_frame, current, changed) -> set:
    key = ["session_id", "rule", "vital", "level", "started_at"]
    before, after = evaluate(frame, sessions_frame, current)[key], evaluate(frame, sessions_frame, changed)[key]
    merged = before.merge(after, how="outer", indicator=True)
    side = merged["_merge"].map({"left_only": "removed", "right_only": "added"})
    rows = merged[side.notna()].assign(change=side[side.notna()])
    return set(rows[key + ["change"]].itertuples(index=False, name=None))


@pytest.mark.parametrize("name", ["limits", "persistence", "margin", "escalation", "interval", "baseline", "pre_dose"])
def test_only_changed_rules_are_compared_yet_every_changed_alert_is_found(name):
    rng = np.random.default_rng(11)
    n = 240
    minutes = np.tile(np.arange(n // 4) * 5 - 20, 4)
    minutes[rng.random(n) < 0.1] += 17  # some BP gaps
    frame = pd.DataFrame({
        "session_id": np.repeat([1, 2, 3, 4], n // 4),
        "measured_at": [START + pd.Timedelta(minutes=int(m)) for m in minutes],
        "sbp": rng.normal(150, 20, n), "dbp": rng.normal(85, 10, n), "hr": rng.normal(110, 15, n),
        "spo2": rng.normal(94, 2, n).clip(80, 100), "rr": rng.normal(16, 5, n),
    })
    protocol = P.model_copy(deep=True)
    if name == "limits":
        protocol.limits["hr"].critical_high, protocol.limits["sbp"].warning_high = 150, 150
    elif name == "persistence":
        protocol.persistence["warning"] = Persistence(readings=3)
    elif name == "margin":
        protocol.hysteresis = {**protocol.hysteresis, "hr": 12}
    elif name == "escalation":
        protocol.escalate_when_warnings = 3
    elif name == "interval":
        protocol.bp_interval_min = 6
    elif name == "baseline":
        protocol.baseline_change["sbp"] = protocol.baseline_change["sbp"].model_copy(update={"rise_abs": 20})
    else:
        protocol.pre_dose_caution = PreDoseCaution(sbp=170, dbp=100)
    frames = sessions(1, 2, 3, 4)
    result = compare(frame, frames, P, protocol, TZ)
    found = set(result.changes[["session_id", "rule", "vital", "level", "started_at", "change"]]
                .itertuples(index=False, name=None))
    assert found == _plain_diff(frame, frames, P, protocol) and found
    assert result.changes["why"].str.len().min() > 20
