"""A trainee's run of a scenario: when the replay stops to ask, the answers given (in replay minutes), and the
score that compares them with the good responses and their due times, explaining each miss."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np

from dashboard.core.decisions import KEEP_WATCHING, Decision

LATE_CREDIT = 0.5  # a right response given after it was due


@dataclass(frozen=True)
class Answer:
    decision: int  # index into the scenario's decisions
    asked_at_min: float
    choice: str
    answered_at_min: float  # replay minute at which it was given (the replay is paused while asking)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Verdict:
    decision: int
    at_min: float
    label: str
    kind: str
    chosen: tuple[str, ...]  # every answer given to it, in order
    good: tuple[str, ...]
    response_min: float | None  # replay minutes from the decision point to the right response
    due_min: float
    points: float  # 1 right and in time, LATE_CREDIT right but late, 0 missed
    outcome: str  # 'right', 'late', 'missed', 'not reached'
    explanation: str

    def as_dict(self) -> dict:
        return {**asdict(self), "chosen": list(self.chosen), "good": list(self.good)}


@dataclass(frozen=True)
class Score:
    percent: int
    right: int
    total: int
    verdicts: tuple[Verdict, ...]

    def missed(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.outcome != "right"]


@dataclass(frozen=True)
class TraineeRun:
    """Immutable: every answer returns a new run (kept in the page's state between reruns)."""

    decisions: tuple[Decision, ...]
    reading_min: tuple[float, ...]  # reading times of the scenario (an alert is asked again at each one)
    answers: tuple[Answer, ...] = ()
    ended_at_min: float | None = None  # the run was ended (reached the end, or ended early)

    @classmethod
    def start(cls, decisions, reading_min) -> TraineeRun:
        return cls(tuple(decisions), tuple(sorted(float(m) for m in reading_min)))

    def _answers(self, index: int) -> list[Answer]:
        return [a for a in self.answers if a.decision == index]

    def next_ask(self, index: int) -> float | None:
        """When the decision is asked (again): at its point; after a wrong answer to an alert, at the next
        reading while the alert lasts; None once answered right, or when there is nothing left to ask."""
        d, given = self.decisions[index], self._answers(index)
        if not given:
            return d.at_min
        if d.kind == "quiet" or any(a.choice in d.good for a in given):
            return None
        last = given[-1].asked_at_min
        later = [m for m in self.reading_min if m > last + 1e-9 and (d.until_min is None or m < d.until_min - 1e-9)]
        return later[0] if later else None

    def pending(self) -> tuple[int, float] | None:
        """The next question: (decision index, replay minute it is asked at), earliest first."""
        if self.ended_at_min is not None:
            return None
        asks = [(m, i) for i in range(len(self.decisions)) if (m := self.next_ask(i)) is not None]
        if not asks:
            return None
        minute, index = min(asks)
        return index, minute

    def answer(self, choice: str, at_min: float) -> TraineeRun:
        waiting = self.pending()
        if waiting is None:
            raise ValueError("no question is waiting for an answer")
        index, asked = waiting
        return replace(self, answers=(*self.answers, Answer(index, asked, choice, max(at_min, asked))))

    def end(self, at_min: float) -> TraineeRun:
        return replace(self, ended_at_min=at_min)

    @property
    def finished(self) -> bool:
        return self.ended_at_min is not None

    def score(self) -> Score:
        return score(self.decisions, self.answers, self.ended_at_min)


def _choices(items) -> str:
    return " or ".join(f"'{c}'" for c in items)


def _verdict(index: int, d: Decision, given: list[Answer], ended_at: float | None) -> Verdict:
    chosen = tuple(a.choice for a in given)
    base = dict(decision=index, at_min=d.at_min, label=d.label, kind=d.kind, chosen=chosen, good=d.good,
                due_min=d.due_min)
    if not given:
        where = f"the run ended at minute {ended_at:.0f}" if ended_at is not None else "the run ended"
        return Verdict(**base, response_min=None, points=0.0, outcome="not reached",
                       explanation=f"Not reached: {where}. Expected {_choices(d.good)}. {d.why}")
    right = next((a for a in given if a.choice in d.good), None)
    if d.kind == "quiet":
        if right is not None:
            return Verdict(**base, response_min=0.0, points=1.0, outcome="right", explanation="")
        return Verdict(**base, response_min=None, points=0.0, outcome="missed",
                       explanation=f"You chose '{given[0].choice}'; expected '{KEEP_WATCHING}'. {d.why}")
    wrong = [a.choice for a in given if a is not right and (right is None or a.answered_at_min
                                                            <= right.answered_at_min)]
    if right is None:
        return Verdict(**base, response_min=None, points=0.0, outcome="missed",
                       explanation=f"You chose {_choices(dict.fromkeys(chosen))}; expected {_choices(d.good)}. {d.why}")
    response = round(right.answered_at_min - d.at_min, 3)
    if response <= d.due_min + 1e-9:
        return Verdict(**base, response_min=response, points=1.0, outcome="right", explanation="")
    first = f" First: {_choices(dict.fromkeys(wrong))}." if wrong else ""
    due = "at once" if d.due_min == 0 else f"within {d.due_min:g} min"
    return Verdict(**base, response_min=response, points=LATE_CREDIT, outcome="late",
                   explanation=f"Right ('{right.choice}'), but {response:g} min after the alert; due {due}.{first} "
                               f"{d.why}")


def score(decisions: tuple[Decision, ...], answers: tuple[Answer, ...], ended_at: float | None) -> Score:
    """Every decision judged from the answers given to it; percent = points over decisions."""
    verdicts = tuple(_verdict(i, d, [a for a in answers if a.decision == i], ended_at)
                     for i, d in enumerate(decisions))
    total = len(verdicts)
    points = float(np.sum([v.points for v in verdicts])) if total else 0.0
    return Score(percent=round(100 * points / total) if total else 100,
                 right=sum(v.outcome == "right" for v in verdicts), total=total, verdicts=verdicts)


@dataclass(frozen=True)
class ClassSummary:
    """Who ran a scenario, their scores, and the decision missed most often."""

    runs: int
    by_trainee: list[dict]  # trainee, runs, best, last score, last run (UTC)
    most_missed: str | None  # 'minute 25: SBP beyond critical (missed in 3 of 4 runs)'
    missed_counts: list[tuple[str, int]]  # every decision missed at least once, most missed first


def class_summary(results: list[dict]) -> ClassSummary:
    """results: one dict per run: trainee, finished_at, score, verdicts (Verdict.as_dict() list)."""
    by: dict[str, dict] = {}
    missed: dict[str, list] = {}  # label -> [count, minute]
    for run in sorted(results, key=lambda r: r["finished_at"]):
        row = by.setdefault(run["trainee"], {"trainee": run["trainee"], "runs": 0, "best": 0})
        row["runs"] += 1
        row["best"] = max(row["best"], run["score"])
        row["last score"], row["last run"] = run["score"], run["finished_at"]
        for v in run["verdicts"]:
            if v["outcome"] != "right":
                key = f"minute {v['at_min']:g}: {v['label']}"
                missed.setdefault(key, [0, v["at_min"]])[0] += 1
    ranked = [(key, count) for key, (count, _) in sorted(missed.items(), key=lambda i: (-i[1][0], i[1][1]))]
    top = f"{ranked[0][0]} (missed in {ranked[0][1]} of {len(results)} runs)" if ranked else None
    return ClassSummary(runs=len(results), by_trainee=sorted(by.values(), key=lambda r: r["trainee"]),
                        most_missed=top, missed_counts=ranked)
