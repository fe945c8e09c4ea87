"""Fixtures for the store and command-line tests."""

from __future__ import annotations

import subprocess

import pytest

from dashboard.cli import main


@pytest.fixture
def run(monkeypatch, capsys):
    """main() in this process (a second faster than a new one): its exit code and what it printed, as an
    operator would see it; the clinic zone is the tests' own (CLINIC_TZ)."""
    def call(*args: str, url: str, tz: str = "America/New_York") -> subprocess.CompletedProcess:
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("CLINIC_TZ", tz)
        capsys.readouterr()
        code = main(list(args))
        out = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out.out, out.err)
    return call
