"""A trainee's run: asked at each decision point, asked again while an alert lasts, scored on the choice and on
how soon (in replay minutes) the right response came, every miss explained; and the class summary."""

from __future__ import annotations

import pytest

from dashboard.core.decisions import AIRWAY, CALL, KEEP_WATCHING, OXYGEN, REMEASURE, STOP, TAKE_BP, Decision
from dashboard.core.trainee import TraineeRun, class_summary

READINGS = (-10, 0, 5, 10, 15, 20, 25, 30, 35, 40)
DECISIONS = (
    Decision(at_min=5, kind="quiet", label="no alert", good=(KEEP_WATCHING,), due_min=0, why="all inside limits",
             until_min=5),
    Decision(at_min=15, kind="alert", label="SpO2 beyond critical", good=(AIRWAY, OXYGEN), due_min=0,
             why="respiratory depression", until_min=30, priority="high"),
    Decision(at_min=25, kind="alert", label="no blood pressure for more than 15 min", good=(TAKE_BP,), due_min=5,
             why="take one now", until_min=None, priority="medium"),
)


def run() -> TraineeRun:
    return TraineeRun.start(DECISIONS, READINGS)


def test_the_run_asks_each_decision_at_its_minute_in_order():
    r = run()
    assert r.pending() == (0, 5)
    r = r.answer(KEEP_WATCHING, 5)
    assert r.pending() == (1, 15)
    r = r.answer(OXYGEN, 15)
    assert r.pending() == (2, 25)
    r = r.answer(TAKE_BP, 25)
    assert r.pending() is None
    result = r.end(40).score()
    assert (result.percent, result.right, result.total) == (100, 3, 3)
    assert result.missed() == []


def test_a_wrong_answer_to_an_alert_is_asked_again_at_the_next_reading_and_a_late_right_one_gets_half():
    r = run().answer(KEEP_WATCHING, 5).answer(KEEP_WATCHING, 15)
    assert r.pending() == (1, 20)  # still active at the next reading: asked again
    r = r.answer(AIRWAY, 20).answer(TAKE_BP, 25).end(40)
    verdict = r.score().verdicts[1]
    assert verdict.outcome == "late" and verdict.points == 0.5 and verdict.response_min == 5
    assert verdict.chosen == (KEEP_WATCHING, AIRWAY)
    assert "5 min after the alert; due at once" in verdict.explanation
    assert "'Keep watching'" in verdict.explanation and "respiratory depression" in verdict.explanation
    assert r.score().percent == round(100 * 2.5 / 3)


def test_an_alert_never_answered_right_before_it_ends_is_missed_with_what_was_expected_and_why():
    r = run().answer(KEEP_WATCHING, 5)
    for minute in (15, 20, 25):  # asked at 15, again at each reading while it lasts (it ends at 30)
        assert r.pending() == (1, minute)
        r = r.answer(STOP, minute)
    assert r.pending() == (2, 25)  # nothing left to ask about it: on to the next decision
    verdict = r.end(40).score().verdicts[1]
    assert verdict.outcome == "missed" and verdict.points == 0
    assert "You chose 'Pause or stop the infusion'" in verdict.explanation
    assert "expected 'Rouse the patient and support the airway' or 'Give oxygen'" in verdict.explanation


def test_acting_at_a_quiet_moment_is_a_miss_that_says_nothing_needed_acting_on():
    r = run().answer(REMEASURE, 5)
    assert r.pending() == (1, 15)  # a quiet moment is asked once
    verdict = r.end(10).score().verdicts[0]
    assert verdict.outcome == "missed" and "expected 'Keep watching'" in verdict.explanation
    assert "all inside limits" in verdict.explanation


def test_ending_early_counts_the_rest_as_not_reached():
    result = run().answer(KEEP_WATCHING, 5).end(12).score()
    assert [v.outcome for v in result.verdicts] == ["right", "not reached", "not reached"]
    assert result.percent == 33
    assert "the run ended at minute 12" in result.verdicts[1].explanation
    assert run().end(0).pending() is None


def test_a_medium_alert_answered_within_its_due_time_is_right():
    r = run().answer(KEEP_WATCHING, 5).answer(OXYGEN, 15).answer(CALL, 25)
    assert r.pending() == (2, 30)
    r = r.answer(TAKE_BP, 30)
    verdict = r.end(40).score().verdicts[2]
    assert verdict.outcome == "right" and verdict.response_min == 5


def test_answering_with_nothing_waiting_is_refused():
    with pytest.raises(ValueError, match="no question is waiting"):
        run().end(40).answer(KEEP_WATCHING, 40)


def test_the_class_summary_names_who_ran_it_their_scores_and_the_most_missed_decision():
    def verdicts(*outcomes):
        return [{"at_min": d.at_min, "label": d.label, "outcome": o} for d, o in zip(DECISIONS, outcomes, strict=True)]
    summary = class_summary([
        {"trainee": "tim", "finished_at": 1, "score": 50, "verdicts": verdicts("right", "missed", "late")},
        {"trainee": "tim", "finished_at": 2, "score": 83, "verdicts": verdicts("right", "late", "right")},
        {"trainee": "una", "finished_at": 3, "score": 33, "verdicts": verdicts("missed", "missed", "right")},
    ])
    assert summary.runs == 3
    assert summary.by_trainee == [{"trainee": "tim", "runs": 2, "best": 83, "last score": 83, "last run": 2},
                                  {"trainee": "una", "runs": 1, "best": 33, "last score": 33, "last run": 3}]
    assert summary.most_missed == "minute 15: SpO2 beyond critical (missed in 3 of 3 runs)"
    assert class_summary([]).most_missed is None
