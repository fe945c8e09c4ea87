"""`sessions list` with the Sessions page's filters, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest

from tests.review_world import DAYS, build_review_world


@pytest.fixture
def world(clinic_engine, database_url):
    build_review_world(clinic_engine)
    return database_url


def listed(run, url: str, *options: str) -> list[str]:
    out = run("sessions", "list", "--json", *options, url=url)
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout)
    assert found["count"] == len(found["sessions"])
    return [row["code"] for row in found["sessions"]]


def test_the_filters_sort_and_order(run, world):
    assert listed(run, world) == ["S-B2", "S-B1", "S-C1", "S-A2", "S-A1"]
    assert listed(run, world, "--not-signed") == ["S-B1", "S-C1", "S-A1"]
    assert listed(run, world, "--critical") == ["S-A2", "S-A1"]
    assert listed(run, world, "--critical", "--unacknowledged") == ["S-A1"]
    assert listed(run, world, "--from", DAYS["A2"].isoformat(), "--to", DAYS["A2"].isoformat(), "--status",
                  "planned", "--patient", "p-5") == ["S-C1"]
    assert listed(run, world, "--status", "infusing", "--status", "recovery") == ["S-B2", "S-A2", "S-A1"]
    assert listed(run, world, "--nurse", "ben", "--sort", "code", "--ascending") == ["S-B1", "S-B2"]
    assert listed(run, world, "--protocol", "Esketamine nasal spray (REMS-style)") == ["S-B1"]
    assert listed(run, world, "--patient", "%") == ["S-C1"]


def test_the_table_says_who_opened_and_who_signed(run, world):
    lines = run("sessions", "list", "--nurse", "ana", url=world).stdout.splitlines()
    assert lines[0].split()[:3] == ["SESSION", "PATIENT", "DATE"] and "NURSE" in lines[0] and "SIGNED" in lines[0]
    assert lines[1].split()[:2] == ["S-A2", "P-100"] and "ana" in lines[1].split() and "reviewed (sam)" in lines[1]
    assert "not signed" in lines[2]
    assert lines[-1] == "2 sessions (nurse ana)"
    nothing = run("sessions", "list", "--critical", "--nurse", "ben", url=world)
    assert (nothing.returncode, nothing.stdout.strip()) == (0, "no session matches: nurse ben, critical alert")


@pytest.mark.parametrize("options, message", [
    (("--from", "2026-13-01"), "--from '2026-13-01' is not a day like 2026-11-02"),
    (("--from", "2026-03-02", "--to", "2026-03-01"), "the first day 2026-03-02 is after the last day 2026-03-01"),
    (("--patient", "P" * 121), "the patient filter has at most 120 characters"),
])
def test_a_bad_option_is_one_plain_line(run, world, options, message):
    out = run("sessions", "list", *options, url=world)
    assert (out.returncode, out.stdout, out.stderr.strip()) == (1, "", f"error: {message}")
