"""Sign-in: argon2 hashes, no default account, slowing and lock-out after failures, all logged."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dashboard.core.roles import SYSTEM_ACTOR, Actor
from dashboard.services import accounts
from dashboard.services.accounts import Accounts, SignInFailed
from dashboard.services.audit_trail import audit_entries
from dashboard.store.db import get_engine
from dashboard.store.errors import Conflict
from dashboard.store.schema import users

ADMIN = Actor("root-admin", "admin")
PASSWORD = "correct horse battery"


@pytest.fixture
def engine(database_url, monkeypatch):
    monkeypatch.setenv("SIGNIN_FAILURE_DELAY_S", "0")
    return get_engine(database_url)


@pytest.fixture
def fresh_setup_code(monkeypatch):
    """A process that has not shown its set-up code yet, and was not started by the `run` command."""
    monkeypatch.delenv(accounts.SETUP_CODE_ENV, raising=False)
    monkeypatch.setitem(accounts._setup, "announced", False)


def test_fresh_install_prints_the_setup_code_at_start_and_it_claims_the_install_once(engine, fresh_setup_code,
                                                                                     capsys):
    assert accounts.needs_first_admin(engine)
    assert accounts.announce_setup_code(engine)
    accounts.announce_setup_code(engine)  # a second page load prints nothing more
    printed = capsys.readouterr().err
    assert printed.count("first-time set-up code") == 1 and accounts.setup_code() in printed
    accounts.create_first_admin(engine, accounts.setup_code(), "boss", "The Boss", PASSWORD)
    assert not accounts.needs_first_admin(engine)
    with pytest.raises(Conflict, match="already done"):
        accounts.create_first_admin(engine, accounts.setup_code(), "intruder", "X", PASSWORD)
    assert accounts.sign_in(engine, "boss", PASSWORD).actor == Actor("boss", "admin")
    assert not accounts.announce_setup_code(engine)


def test_first_admin_needs_the_setup_code_in_the_service_itself(engine):
    with pytest.raises(SignInFailed, match="set-up code is not right"):
        accounts.create_first_admin(engine, "guess", "boss", "The Boss", PASSWORD)
    with pytest.raises(SignInFailed, match="set-up code is not right"):
        accounts.create_first_admin(engine, "", "boss", "The Boss", PASSWORD)
    assert accounts.needs_first_admin(engine)
    assert audit_entries(engine, ADMIN, action="setup.refused")["entity_id"].tolist() == ["boss", "boss"]


def test_the_run_command_hands_its_code_to_the_app_it_starts(engine, fresh_setup_code, monkeypatch, capsys):
    monkeypatch.setenv(accounts.SETUP_CODE_ENV, accounts.setup_code())
    assert accounts.announce_setup_code(engine)
    assert "set-up code" not in capsys.readouterr().err  # already printed by the command in the same console


def test_passwords_are_stored_as_argon2_hashes(engine):
    Accounts(engine, SYSTEM_ACTOR).add("ana", "Ana", "nurse", PASSWORD)
    with engine.connect() as conn:
        stored = conn.execute(select(users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2") and PASSWORD not in stored


def test_weak_passwords_are_refused(engine):
    with pytest.raises(Conflict, match="at least 10"):
        Accounts(engine, SYSTEM_ACTOR).add("ana", "Ana", "nurse", "short")
    with pytest.raises(Conflict, match="must not contain the username"):
        Accounts(engine, SYSTEM_ACTOR).add("ana", "Ana", "nurse", "ana-is-great-123")


def test_wrong_password_unknown_user_and_disabled_account_all_fail_alike(engine):
    admin = Accounts(engine, SYSTEM_ACTOR)
    admin.add("ana", "Ana", "nurse", PASSWORD, must_change=False)
    admin.add("ben", "Ben", "nurse", PASSWORD, must_change=False)
    admin.disable("ben")
    messages = set()
    for username, password in [("ana", "wrong password!!"), ("nobody", PASSWORD), ("ben", PASSWORD)]:
        with pytest.raises(SignInFailed) as failure:
            accounts.sign_in(engine, username, password)
        messages.add(str(failure.value))
    assert len(messages) == 1
    log = audit_entries(engine, ADMIN, action="sign_in.failed")
    assert set(log["actor"]) == {"ana", "nobody", "ben"}


def test_repeated_failures_lock_the_account_for_a_while(engine):
    Accounts(engine, SYSTEM_ACTOR).add("ana", "Ana", "nurse", PASSWORD, must_change=False)
    for _ in range(accounts.LOCK_AFTER):
        with pytest.raises(SignInFailed, match="Wrong"):
            accounts.sign_in(engine, "ana", "guess guess guess")
    with pytest.raises(SignInFailed, match="try again in"):
        accounts.sign_in(engine, "ana", PASSWORD)  # even the right password waits
    assert len(audit_entries(engine, ADMIN, action="sign_in.refused_locked")) == 1


def test_reset_password_forces_a_change_at_sign_in(engine):
    admin = Accounts(engine, ADMIN)
    admin.add("ana", "Ana", "nurse", PASSWORD)
    admin.reset_password("ana", "temporary-pass-42")
    signed = accounts.sign_in(engine, "ana", "temporary-pass-42")
    assert signed.must_change_password
    with pytest.raises(Conflict, match="current password is wrong"):
        accounts.change_own_password(engine, signed.actor, "nope", "brand new secret 1")
    accounts.change_own_password(engine, signed.actor, "temporary-pass-42", "brand new secret 1")
    assert not accounts.sign_in(engine, "ana", "brand new secret 1").must_change_password
    actions = audit_entries(engine, ADMIN)["action"].tolist()
    assert {"user.create", "user.reset_password", "user.change_password", "sign_in"} <= set(actions)


def test_admin_cannot_disable_themselves_and_role_changes_are_audited(engine):
    admin = Accounts(engine, ADMIN)
    with pytest.raises(Conflict, match="your own account"):
        admin.disable(ADMIN.username)
    admin.add("ana", "Ana", "nurse", PASSWORD)
    admin.set_role("ana", "supervisor")
    entry = audit_entries(engine, ADMIN, action="user.role").iloc[0]
    assert '"role": "nurse"' in entry["before"] and '"role": "supervisor"' in entry["after"]


def test_organisation_sign_in_maps_to_the_account_with_that_email(engine):
    admin = Accounts(engine, SYSTEM_ACTOR)
    admin.add("ana@clinic.example", "Ana", "supervisor", PASSWORD, must_change=False)
    signed = accounts.sign_in_external(engine, "ana@clinic.example")
    assert signed.actor == Actor("ana@clinic.example", "supervisor") and not signed.must_change_password
    with pytest.raises(SignInFailed, match="no enabled Infusion Vitals account"):
        accounts.sign_in_external(engine, "stranger@elsewhere.example")
    admin.disable("ana@clinic.example")
    with pytest.raises(SignInFailed):
        accounts.sign_in_external(engine, "ana@clinic.example")
    methods = audit_entries(engine, ADMIN)["after"].dropna().tolist()
    assert sum('"method": "oidc"' in m for m in methods) == 3


def test_the_last_active_admin_cannot_be_demoted_or_disabled(engine):
    admin = Accounts(engine, ADMIN)
    admin.add("boss", "The Boss", "admin", PASSWORD)
    with pytest.raises(Conflict, match="boss is the last active admin"):
        admin.set_role("boss", "nurse")
    with pytest.raises(Conflict, match="boss is the last active admin"):
        admin.disable("boss")
    admin.add("deputy", "The Deputy", "admin", PASSWORD)
    admin.set_role("boss", "supervisor")  # another admin remains
    with pytest.raises(Conflict, match="deputy is the last active admin"):
        admin.disable("deputy")
    assert [u for u, r, d in Accounts(engine, SYSTEM_ACTOR).list()[["username", "role", "disabled"]].itertuples(
        index=False) if r == "admin" and not d] == ["deputy"]
    assert audit_entries(engine, ADMIN, action="user.disable").empty
    assert len(audit_entries(engine, ADMIN, action="user.role")) == 1


def test_a_disabled_admin_does_not_count_and_the_command_line_obeys_the_rule_too(engine):
    system = Accounts(engine, SYSTEM_ACTOR)
    system.add("boss", "The Boss", "admin", PASSWORD)
    system.add("old", "Old Admin", "admin", PASSWORD)
    system.disable("old")
    with pytest.raises(Conflict, match="last active admin"):
        system.disable("boss")
    system.set_role("old", "nurse")  # a disabled admin may be demoted: it manages nothing
    system.enable("old")


def test_an_admin_cannot_change_their_own_role(engine):
    Accounts(engine, SYSTEM_ACTOR).add("boss", "The Boss", "admin", PASSWORD)
    Accounts(engine, SYSTEM_ACTOR).add("deputy", "The Deputy", "admin", PASSWORD)
    with pytest.raises(Conflict, match="your own role"):
        Accounts(engine, Actor("boss", "admin")).set_role("boss", "nurse")
