"""`python -m dashboard sign-off`: a supervisor signs from the shell; refusals one line each on standard error
(exit 1), warnings printed and kept, a wrong password refused; the same rules as the sign-off panel."""

from __future__ import annotations

import io

import pytest

from dashboard.core.roles import SYSTEM_ACTOR
from dashboard.services.audit_trail import audit_entries
from dashboard.services.signoffs import Signoffs
from tests.signoff_clinic import OVERRIDE, PASSWORD, TZ, build_clinic, snapshot


@pytest.fixture
def clinic(clinic_engine, monkeypatch):
    monkeypatch.setenv("SIGNIN_FAILURE_DELAY_S", "0")
    return build_clinic(clinic_engine)


def sign_off(run, monkeypatch, database_url, *options: str, password: str = PASSWORD, user: str = "sam"):
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    return run("sign-off", "--session", "S-0001", "--as", user, "--password-stdin", *options, url=database_url)


def signatures(clinic) -> list[tuple[str, str, tuple]]:
    return [(s.signed_by, s.meaning, s.warnings) for s in Signoffs(clinic.engine, SYSTEM_ACTOR).signoffs(
        clinic.session_id)]


def test_refused_with_each_reason_on_its_own_line_and_nothing_stored(run, monkeypatch, database_url, clinic):
    before = snapshot(clinic.engine)
    out = sign_off(run, monkeypatch, database_url, "--meaning", "reviewed")
    assert out.returncode == 1
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("refused: high-priority alert since ")
    assert "not acknowledged (SBP 196 beyond critical" in lines[0]
    assert out.stdout == "" and snapshot(clinic.engine) == before


def test_warnings_are_printed_then_the_session_is_signed(run, monkeypatch, database_url, clinic):
    clinic.acknowledge()
    out = sign_off(run, monkeypatch, database_url, "--meaning", "approved")
    assert out.returncode == 0, out.stderr
    first, last = out.stdout.splitlines()
    assert first.startswith("warning: discharged although the checks refused it") and first.endswith(OVERRIDE)
    assert last.startswith("S-0001: Signed (approved) by Sam Smith at ") and last.endswith(f"({TZ}), with 1 warning(s)")
    (who, meaning, warnings), = signatures(clinic)
    assert (who, meaning, warnings) == ("sam", "approved", (first.removeprefix("warning: "),))
    assert audit_entries(clinic.engine, SYSTEM_ACTOR, action="session.sign_off")["actor"].tolist() == ["sam"]


def test_a_wrong_password_exits_1_and_counts(run, monkeypatch, database_url, clinic):
    clinic.acknowledge()
    out = sign_off(run, monkeypatch, database_url, "--meaning", "reviewed", password="not the password")
    assert out.returncode == 1
    assert out.stderr.strip() == "error: The password is not right. Nothing was signed."
    assert signatures(clinic) == []
    assert audit_entries(clinic.engine, SYSTEM_ACTOR, action="sign_off.refused_password")["actor"].tolist() == ["sam"]


@pytest.mark.parametrize("user", ["ana", "tia", "ada"])
def test_only_a_supervisor_may_sign(run, monkeypatch, database_url, clinic, user):
    clinic.acknowledge()
    before = snapshot(clinic.engine)
    out = sign_off(run, monkeypatch, database_url, "--meaning", "reviewed", user=user)
    assert out.returncode == 1 and "may not session: sign off" in out.stderr
    assert snapshot(clinic.engine) == before


def test_an_unknown_session_or_account_is_one_plain_line(run, monkeypatch, database_url, clinic):
    out = run("sign-off", "--session", "S-9999", "--as", "sam", "--meaning", "reviewed", "--password-stdin",
              url=database_url)
    assert (out.returncode, out.stderr.strip()) == (1, "error: no session 'S-9999'")
    out = run("sign-off", "--session", "S-0001", "--as", "nobody", "--meaning", "reviewed", "--password-stdin",
              url=database_url)
    assert (out.returncode, out.stderr.strip()) == (1, "error: no user 'nobody'")
