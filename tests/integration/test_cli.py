"""The command line as an operator uses it: help, migrate, user accounts; plain errors, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, url: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "dashboard", *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=120)


def test_help_lists_the_commands_and_the_disclaimer(sqlite_url):
    out = cli("--help", url=sqlite_url)
    assert out.returncode == 0
    for command in ("run", "migrate", "seed", "users", "sessions", "sample-data"):
        assert command in out.stdout
    assert "does not replace the bedside" in " ".join(out.stdout.split())


def test_users_add_list_disable_and_errors(database_url):
    added = cli("users", "add", "boss", "--role", "admin", "--full-name", "The Boss", "--password-stdin",
                url=database_url, stdin="correct horse battery\n")
    assert added.returncode == 0, added.stderr
    assert "added boss (admin)" in added.stdout
    again = cli("users", "add", "boss", "--password-stdin", url=database_url, stdin="correct horse battery\n")
    assert again.returncode == 1 and "taken" in again.stderr and "Traceback" not in again.stderr
    weak = cli("users", "add", "ann", "--password-stdin", url=database_url, stdin="short\n")
    assert weak.returncode == 1 and "at least 10 characters" in weak.stderr
    cli("users", "add", "ana", "--password-stdin", url=database_url, stdin="correct horse battery\n")
    assert cli("users", "disable", "ana", url=database_url).returncode == 0
    listing = cli("users", "list", url=database_url).stdout
    assert "boss" in listing and "admin" in listing
    assert any(line.startswith("ana") and "disabled" in line for line in listing.splitlines())


@pytest.mark.parametrize("args", [("users", "disable", "ghost")])
def test_unknown_user_is_one_plain_line(sqlite_url, args):
    out = cli(*args, url=sqlite_url)
    assert out.returncode == 1 and out.stderr.strip() == "error: no user 'ghost'"


def test_alerts_and_protocols_commands(sqlite_url):
    assert cli("seed", url=sqlite_url).returncode == 0
    out = cli("alerts", "--session", "S-0002", "--json", url=sqlite_url)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["protocol"] == "IV ketamine clinic default"
    critical = [a for a in report["alerts"]
                if a["rule"] == "limit" and a["vital"] == "sbp" and a["level"] == "critical"]
    assert critical and critical[0]["priority"] == "high" and critical[0]["peak_value"] > 180
    assert json.loads(cli("alerts", "--session", "S-0001", "--json", url=sqlite_url).stdout)["alerts"] == []
    listing = cli("protocols", "list", url=sqlite_url).stdout
    assert "IV ketamine clinic default" in listing and "Esketamine" in listing
    shown = json.loads(cli("protocols", "show", "IV ketamine clinic default", url=sqlite_url).stdout)
    assert shown["limits"]["sbp"]["critical_high"] == 180
    missing = cli("alerts", "--session", "S-9999", url=sqlite_url)
    assert missing.returncode == 1 and missing.stderr.strip() == "error: no session 'S-9999'"
