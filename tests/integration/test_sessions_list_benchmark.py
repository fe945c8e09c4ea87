"""The sessions list figures on tiny sizes: the database builds, the list and the bare SQL give the same count and
page for every search (checked inside the figure), one JSON line comes out (no timing asserted)."""

from __future__ import annotations

import json
import tempfile

import pytest

from benchmarks.__main__ import main
from benchmarks.harness import KEYS, SHRINK_ENV


def run_figure(name: str, capsys) -> None:
    assert main(["--quick", "--json", "--repeat", "1", "--only", name]) == 0
    out, err = capsys.readouterr()
    (figure,) = [json.loads(line) for line in out.splitlines()]
    assert list(figure) == list(KEYS) and figure["name"] == name and figure["ratio"] > 0
    assert "20 sessions, 205 readings" in err and "not a figure" in err


def test_on_sqlite(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv(SHRINK_ENV, "100")  # 20 sessions of 10 readings
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    run_figure("sessions_list_10k", capsys)


@pytest.mark.postgres
def test_on_postgres(monkeypatch, pg_cluster, capsys):
    monkeypatch.setenv(SHRINK_ENV, "100")
    monkeypatch.setenv("TEST_POSTGRES_URL", pg_cluster.dsn("postgres"))  # the tests' server, not a second one
    run_figure("sessions_list_10k_postgres", capsys)
