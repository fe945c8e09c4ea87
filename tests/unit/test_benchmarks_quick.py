"""The benchmark machinery on tiny sizes: JSON lines carry exactly the documented keys (no timing asserted)."""

from __future__ import annotations

import json
import tempfile

import pytest

from benchmarks.__main__ import main
from benchmarks.harness import KEYS, SHRINK_ENV, Case, Figure, run

STORE_FIGURES = ("store_100k_readings", "load_session_7200_of_1m", "board_query_sqlite_10m")


@pytest.fixture(autouse=True)
def tiny(monkeypatch, tmp_path):
    monkeypatch.setenv(SHRINK_ENV, "100")  # 200 readings stored; 28 sessions of 72 readings to load from
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


@pytest.mark.parametrize("name", STORE_FIGURES)
def test_a_store_figure_prints_one_json_line_with_exactly_the_keys(name, capsys):
    assert main(["--quick", "--json", "--repeat", "1", "--only", name]) == 0
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 1 and list(lines[0]) == list(KEYS)
    figure = lines[0]
    assert figure["name"] == name and figure["baseline_name"]
    assert figure["ratio"] > 0 and figure["peak_mb"] > 0
    if name.startswith("load_"):
        assert "not a figure" in err  # the database build is reported on stderr, outside the JSON


def test_the_median_of_interleaved_repeats_and_the_text_line():
    calls = []
    case = Case(project=lambda: calls.append("p"), baseline=lambda: calls.append("b"),
                setup=lambda: calls.append("s"), notes=["built something"])
    result = run(Figure("tiny", "nothing", "a test", lambda quick: case), quick=True, repeat=3)
    # first an untimed warm-up of each side, then the rounds; last: the peak memory run
    assert calls == ["s", "b", "s", "p", "s", "b", "s", "p", "s", "p", "s", "b", "s", "b", "s", "p", "s", "p"]
    calls.clear()
    cold = Case(project=lambda: calls.append("p"), baseline=lambda: calls.append("b"), warmup=False)
    run(Figure("cold", "nothing", "a whole process", lambda quick: cold), quick=True, repeat=1)
    assert calls == ["b", "p", "p"]
    assert result.ratio > 0 and result.notes == ("built something",)
    assert result.ratio_worst >= result.ratio  # rounds all at or below r put the medians at or below r
    assert "tiny" in result.line() and "nothing" in result.line()


def test_an_unknown_figure_is_refused_with_the_list(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--only", "nope"])
    assert exit_.value.code == 2 and "store_100k_readings" in capsys.readouterr().err
