"""The import benchmark figures run end to end on tiny sizes and print the documented JSON keys."""

from __future__ import annotations

import json
import tempfile

import pytest

from benchmarks.__main__ import main
from benchmarks.harness import KEYS, SHRINK_ENV


@pytest.fixture(autouse=True)
def tiny(monkeypatch, tmp_path):
    monkeypatch.setenv(SHRINK_ENV, "1000")  # 100 sessions of one row
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


@pytest.mark.parametrize("name", ["import_1m_rows_sqlite", "preview_1000_of_1m"])
def test_an_import_figure_prints_one_json_line_with_exactly_the_keys(name, capsys):
    assert main(["--quick", "--json", "--repeat", "1", "--only", name]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 1 and list(lines[0]) == list(KEYS)
    assert lines[0]["name"] == name and lines[0]["ratio"] > 0 and lines[0]["peak_mb"] > 0
