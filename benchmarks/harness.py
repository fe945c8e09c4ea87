"""Timing harness: register figures, time project and baseline (median of repeats), report ratios."""

from __future__ import annotations

import gc
import json
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Case:
    """What one figure times: project() against baseline(); setup() runs untimed before each call."""

    project: Callable[[], object]
    baseline: Callable[[], object]
    setup: Callable[[], object] = lambda: None
    cleanup: Callable[[], object] = lambda: None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Figure:
    name: str
    baseline_name: str
    description: str
    prepare: Callable[[bool], Case]  # quick -> Case


@dataclass(frozen=True)
class Result:
    name: str
    value_s: float
    baseline_name: str
    baseline_s: float
    ratio: float
    peak_mb: float

    def line(self) -> str:
        return (f"{self.name:<30} {self.value_s:9.4f} s   baseline {self.baseline_name:<34} {self.baseline_s:9.4f} s"
                f"   ratio {self.ratio:6.2f}x   peak {self.peak_mb:7.1f} MB")

    def json(self) -> str:
        return json.dumps({"name": self.name, "value_s": round(self.value_s, 6), "baseline_name": self.baseline_name,
                           "baseline_s": round(self.baseline_s, 6), "ratio": round(self.ratio, 4),
                           "peak_mb": round(self.peak_mb, 2)})


REGISTRY: list[Figure] = []


def benchmark(name: str, baseline_name: str, description: str):
    def register(prepare: Callable[[bool], Case]) -> Callable[[bool], Case]:
        REGISTRY.append(Figure(name, baseline_name, description, prepare))
        return prepare
    return register


def _time(fn: Callable[[], object], setup: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        setup()
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _peak_mb(fn: Callable[[], object], setup: Callable[[], object]) -> float:
    """Peak memory the project's code allocates (tracemalloc, one extra untimed run)."""
    setup()
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def run(figure: Figure, *, quick: bool, repeat: int) -> Result:
    case = figure.prepare(quick)
    try:
        # Alternate so both sides see the same machine state; each side's median is reported.
        baseline_s = _time(case.baseline, case.setup, repeat)
        value_s = _time(case.project, case.setup, repeat)
        peak = _peak_mb(case.project, case.setup)
    finally:
        case.cleanup()
    return Result(figure.name, value_s, figure.baseline_name, baseline_s, value_s / baseline_s, peak)
