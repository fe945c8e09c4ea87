"""The benchmark command prints each figure with its same-run baseline and ratio (no timing asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"name", "value_s", "baseline_name", "baseline_s", "ratio", "ratio_worst", "peak_mb"}


def test_json_lines_have_the_documented_keys():
    out = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--json", "--repeat", "1",
                          "--only", "store_100k_readings"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(lines) == 1 and set(lines[0]) == KEYS
    figure = lines[0]
    assert figure["ratio"] > 0 and abs(figure["ratio"] - figure["value_s"] / figure["baseline_s"]) < 0.01


def test_unknown_figure_is_refused_with_the_list():
    out = subprocess.run([sys.executable, "-m", "benchmarks", "--only", "nope"], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 2 and "store_100k_readings" in out.stderr
