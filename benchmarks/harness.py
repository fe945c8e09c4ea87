"""Timing harness: a registry of figures, interleaved median timing, peak memory, result lines."""

from __future__ import annotations

import gc
import json
import os
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field

SHRINK_ENV = "BENCHMARKS_SHRINK"  # divide sizes by this (tests run a few hundred rows); unset = real sizes
KEYS = ("name", "value_s", "baseline_name", "baseline_s", "ratio", "ratio_worst", "peak_mb")


@dataclass
class Case:
    """What one figure times: project() against baseline(); setup() runs untimed before each timed call.

    notes: facts measured while preparing (e.g. how long building a database took), printed, never a figure.
    """

    project: Callable[[], object]
    baseline: Callable[[], object]
    setup: Callable[[], object] = lambda: None
    cleanup: Callable[[], object] = lambda: None
    notes: list[str] = field(default_factory=list)
    peak: Callable[[], float] | None = None  # peak memory (MB) measured by the case itself (e.g. of a child process)
    # one untimed call of each side before the timed rounds: a process's first call pays for its first page
    # faults and lazy imports, which a long-running app pays once; off for figures that time whole processes
    warmup: bool = True


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
    notes: tuple[str, ...] = ()
    ratio_worst: float = 0.0  # the largest project/baseline of one round (its two calls ran back to back)

    def line(self) -> str:
        return (f"{self.name:<26} {self.value_s:8.4f} s   {self.baseline_name:<40} {self.baseline_s:8.4f} s"
                f"   {self.ratio:6.2f}x {self.ratio_worst:6.2f}x   {self.peak_mb:7.1f} MB")

    def json(self) -> str:
        return json.dumps({"name": self.name, "value_s": round(self.value_s, 6), "baseline_name": self.baseline_name,
                           "baseline_s": round(self.baseline_s, 6), "ratio": round(self.ratio, 4),
                           "ratio_worst": round(self.ratio_worst, 4), "peak_mb": round(self.peak_mb, 2)})


HEADER = (f"{'figure':<26} {'project':>10}   {'baseline (same run)':<40} {'baseline':>10}   {'ratio':>7} {'worst':>7}"
          f"   {'peak':>10}\n{'':<26} {'median':>10}   {'':<40} {'median':>10}   {'proj/base':>7} {'round':>7}"
          f"   (tracemalloc, project)")

REGISTRY: dict[str, Figure] = {}


def benchmark(name: str, baseline_name: str, description: str):
    """Register a figure: the decorated function takes quick (bool) and returns a Case."""
    def register(prepare: Callable[[bool], Case]) -> Callable[[bool], Case]:
        known = REGISTRY.get(name)
        if known is not None and known.prepare.__qualname__ != prepare.__qualname__:
            raise ValueError(f"two benchmark figures are named {name!r}")
        REGISTRY[name] = Figure(name, baseline_name, description, prepare)
        return prepare
    return register


def size(n: int, *, floor: int = 1) -> int:
    """A figure's size, divided by $BENCHMARKS_SHRINK when set (so tests can run the machinery on tiny data)."""
    shrink = int(os.environ.get(SHRINK_ENV) or 1)
    return max(floor, n // shrink)


def _once(fn: Callable[[], object], setup: Callable[[], object]) -> float:
    setup()
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _peak_mb(fn: Callable[[], object], setup: Callable[[], object]) -> float:
    """Peak Python-heap memory (numpy buffers included, SQLite's own C allocations not) of one untimed run."""
    setup()
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def run(figure: Figure, *, quick: bool, repeat: int = 3) -> Result:
    """Median of `repeat` runs of each side, interleaved (order swapped each round) so both see the same machine.

    ratio is median project / median baseline; ratio_worst the largest ratio of one round's pair of calls."""
    case = figure.prepare(quick)
    project_times: list[float] = []
    baseline_times: list[float] = []
    try:
        if case.warmup:
            for fn in (case.baseline, case.project):
                _once(fn, case.setup)
        for i in range(max(1, repeat)):
            sides = [(case.baseline, baseline_times), (case.project, project_times)]
            for fn, times in (sides if i % 2 == 0 else sides[::-1]):
                times.append(_once(fn, case.setup))
        peak = case.peak() if case.peak else _peak_mb(case.project, case.setup)
    finally:
        case.cleanup()
    value_s, baseline_s = statistics.median(project_times), statistics.median(baseline_times)
    worst = max(p / b for p, b in zip(project_times, baseline_times, strict=True))
    return Result(figure.name, value_s, figure.baseline_name, baseline_s, value_s / baseline_s, peak,
                  tuple(case.notes), worst)
