"""Scenarios as data: the sample sessions on the reference day, their decision points from the alert engine (good
responses, quiet moments, curated answers), the stored JSON, and nothing of the source's identity kept."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.core.decisions import AIRWAY, CALL, HOLD, KEEP_WATCHING, OXYGEN, SLOW, STOP, TAKE_BP, decision_points
from dashboard.core.protocol import default_protocol
from dashboard.core.scenarios import (REFERENCE_START, definition_json, event_frame, file_draft, from_definition,
                                      from_sample_files, shift)
from dashboard.seed import read_sample_files


@pytest.fixture(scope="module")
def samples() -> dict:
    readings, manifest = read_sample_files()
    return dict(from_sample_files(readings, manifest))


def decisions(draft):
    return decision_points(draft.readings, draft.as_scenario("X").session_frame(), default_protocol(),
                           overrides=draft.overrides, quiet_at=draft.quiet_at)


def test_every_sample_session_becomes_a_scenario_starting_on_the_reference_day(samples):
    assert list(samples) == [f"S-{n:04d}" for n in range(1, 12)]
    s4 = samples["S-0004"]
    assert s4.title == "Desaturation with sedation" and s4.protocol == "IV ketamine clinic default"
    assert s4.readings["measured_at"].min() == REFERENCE_START - pd.Timedelta(minutes=12)  # the first baseline
    assert s4.stopped_at == REFERENCE_START + pd.Timedelta(minutes=40)
    assert set(s4.events["label"]) >= {"Sedation", "MOAA/S"}
    assert (s4.readings["measured_at"].dt.year == 2000).all()


def test_the_artifact_entered_in_error_and_the_typing_error_are_replayed_as_corrected(samples):
    s5 = samples["S-0005"].readings
    assert s5["hr"].max() < 165 and s5["sbp"].max() < 212


def test_the_desaturation_asks_for_the_airway_and_oxygen_at_once(samples):
    found = decisions(samples["S-0004"])
    alert = next(d for d in found if d.kind == "alert")
    assert alert.at_min == 25 and alert.priority == "high" and alert.due_min == 0
    assert alert.good == (AIRWAY, OXYGEN)
    assert alert.label.startswith("SpO2 beyond critical")
    assert "respiratory depression" in alert.why


def test_the_hypertensive_crisis_asks_to_stop_and_call(samples):
    found = [d for d in decisions(samples["S-0002"]) if d.kind == "alert"]
    assert [d.at_min for d in found] == [20, 25, 30]
    assert found[0].good == (SLOW, STOP, CALL)  # several vitals at warning at once: the escalation's answer
    assert found[1].good == (STOP, CALL) and "SBP beyond critical" in found[1].label


def test_quiet_moments_are_away_from_every_alert_and_their_answer_is_keep_watching(samples):
    for draft in samples.values():
        found = decisions(draft)
        alerts = [d for d in found if d.kind == "alert"]
        for quiet in (d for d in found if d.kind == "quiet"):
            assert quiet.good == (KEEP_WATCHING,)
            assert "Nothing here is outside the protocol's limits" in quiet.why
            assert all(not (a.at_min - 5 <= quiet.at_min <= (a.until_min or 999) + 10) for a in alerts)
    uneventful = decisions(samples["S-0001"])
    assert [d.kind for d in uneventful] == ["quiet", "quiet"]  # no alert: two moments to keep watching


def test_curated_answers_replace_the_generated_ones_at_their_minute(samples):
    draft = samples["S-0004"]
    found = decision_points(draft.readings, draft.as_scenario("X").session_frame(), default_protocol(),
                            overrides={"25": {"good": [CALL], "why": "because"}}, quiet_at=())
    assert [(d.at_min, d.good, d.why) for d in found] == [(25.0, (CALL,), "because")]


def test_a_low_pressure_before_the_dose_accepts_holding_it():
    t = [REFERENCE_START + pd.Timedelta(minutes=m) for m in (-5, 5)]
    readings = pd.DataFrame({"measured_at": t, "sbp": [85.0, 120.0], "dbp": [50.0, 80.0], "hr": [70.0, 70.0]})
    draft = file_draft(readings.assign(session="x"), title="t", goal="g", protocol="p", source="s",
                       infusion_min=5)
    low = decision_points(draft.readings, draft.as_scenario("X").session_frame(), default_protocol())[0]
    assert low.at_min == -5 and HOLD in low.good and STOP in low.good


def test_the_stored_form_keeps_values_times_and_decisions_exactly(samples):
    draft = samples["S-0002"]
    found = decisions(draft)
    back = from_definition("TR-002", 3, draft.title, draft.goal, draft.protocol, draft.source,
                           definition_json(draft, found))
    assert back.version == 3 and back.decisions == found
    assert back.readings["measured_at"].tolist() == draft.readings["measured_at"].tolist()
    pd.testing.assert_frame_equal(back.readings[["sbp", "dbp", "map", "hr", "spo2"]],
                                  draft.readings[["sbp", "dbp", "map", "hr", "spo2"]].reset_index(drop=True))
    assert back.events["label"].tolist() == draft.events["label"].tolist()
    assert back.span_min == (-12.0, 105.0)


def test_shifting_keeps_no_note_no_free_text_no_id_and_no_date():
    start = pd.Timestamp("2025-03-14 15:07:33", tz="UTC")
    readings = pd.DataFrame({"id": [7, 8], "session_id": [42, 42], "measured_at": [start, start + pd.Timedelta(minutes=5)],
                             "sbp": [120.0, 130.0], "dbp": [80.0, 82.0], "hr": [70.0, 71.0], "bp_method": ["cuff", "cuff"],
                             "note": ["Mrs Smith anxious", None], "entered_by": ["ana", "ana"],
                             "source_file": ["P-77 export.csv", None]})
    events = pd.DataFrame({"kind": ["side_effect", "side_effect", "note", "moaa_s"],
                           "label": ["Nausea", "Rash near P-77's tattoo", "called her husband Bob", "MOAA/S"],
                           "score": [None, None, None, 4], "severity": ["mild", "moderate", None, None],
                           "note": ["after lunch", "x", "y", None],
                           "occurred_at": [start + pd.Timedelta(minutes=m) for m in (1, 2, 3, 4)]})
    kept, moved, stopped, discharged = shift(readings, events, start, start + pd.Timedelta(minutes=40), None)
    assert list(kept.columns) == ["measured_at", "sbp", "dbp", "map", "hr", "spo2", "rr", "temp_c", "map_computed",
                                  "bp_method"]
    assert kept["measured_at"].tolist() == [REFERENCE_START, REFERENCE_START + pd.Timedelta(minutes=5)]
    assert moved["label"].tolist() == ["Nausea", "Other", "MOAA/S"]  # the free-text side effect and the note go
    assert stopped == REFERENCE_START + pd.Timedelta(minutes=40) and discharged is None
    text = definition_json(file_draft(kept.assign(session="x"), title="t", goal="g", protocol="p", source="s"), ())
    for value in ("Smith", "ana", "P-77", "Bob", "2025", "15:07", "lunch"):
        assert value not in text


def test_a_file_with_several_sessions_is_refused_as_one_scenario():
    t = REFERENCE_START
    readings = pd.DataFrame({"session": ["S-1", "S-2"], "measured_at": [t, t], "hr": [70.0, 71.0]})
    with pytest.raises(ValueError, match="holds readings of 2 sessions"):
        file_draft(readings, title="t", goal="g", protocol="p", source="s")
    with pytest.raises(ValueError, match="no usable readings"):
        file_draft(readings.iloc[0:0], title="t", goal="g", protocol="p", source="s")


def test_an_empty_event_list_keeps_its_columns():
    assert list(event_frame([]).columns) == ["occurred_at", "kind", "label", "score", "severity"]


def test_the_real_recordings_are_cut_to_an_infusion_length_window_with_their_teaching_moments(realdata):
    from dashboard.seed_scenarios import realdata_drafts
    drafts, notes = realdata_drafts(realdata)
    assert notes == []
    found = dict(drafts)
    artifacts, quiet = found["TR-051"], found["TR-052"]
    for draft, span in ((artifacts, (0, 45)), (quiet, (-10, 90))):
        at = (draft.readings["measured_at"] - REFERENCE_START).dt.total_seconds() / 60
        assert (at.min(), at.max()) == span
        assert "MIMIC-II" in draft.source and "Goldberger" in draft.source and "Saeed" in draft.source
    assert artifacts.readings["spo2"].min() >= 50  # 42.9 % is impossible: rejected as an import rejects it
    desaturation = next(d for d in decisions(artifacts) if d.at_min == 38)
    assert desaturation.good == (AIRWAY, OXYGEN) and "real respiratory depression" in desaturation.why
    cuff = next(d for d in decisions(artifacts) if d.at_min == 30)
    assert "cuff" in cuff.why.lower() and cuff.good == ("Re-measure (check the probe, the cuff and the patient)",)
    steps = decisions(quiet)
    assert [(d.at_min, d.kind) for d in steps] == [(15, "alert"), (31, "quiet"), (47, "alert"), (58, "quiet")]
    assert steps[0].good == (TAKE_BP,)


def test_without_the_real_recordings_their_scenarios_are_skipped_with_a_note(tmp_path):
    from dashboard.seed_scenarios import realdata_drafts
    drafts, notes = realdata_drafts(tmp_path)
    assert drafts == [] and len(notes) == 2
    assert "TR-051" in notes[0] and "is not there" in notes[0]
