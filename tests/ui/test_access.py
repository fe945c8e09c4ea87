"""Sign-in, first-time set-up, idle sign-out, and which pages each role reaches (direct paths included)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.core.clock import utcnow
from dashboard.core.roles import SYSTEM_ACTOR, Actor
from dashboard.services.accounts import Accounts, setup_code
from tests.ui.helpers import APP, VIEWS, button, errors, open_app

PASSWORD = "correct horse battery"


@pytest.fixture
def fast_failures(monkeypatch):
    monkeypatch.setenv("SIGNIN_FAILURE_DELAY_S", "0")


def titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def test_fresh_install_asks_for_the_setup_code_then_goes_straight_to_sign_in(app_env, fast_failures):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert "first-time set-up" in titles(at)[0]
    fields = {t.label: t for t in at.text_input}
    fields["Set-up code"].input("wrong")
    fields["Admin username"].input("boss")
    fields["Full name"].input("The Boss")
    fields["Password (at least 10 characters)"].input(PASSWORD)
    fields["Password again"].input(PASSWORD)
    button(at, "Create administrator").click().run()
    assert any("set-up code is not right" in e for e in errors(at))
    assert Accounts(app_env, SYSTEM_ACTOR).list().empty

    {t.label: t for t in at.text_input}["Set-up code"].input(setup_code())
    button(at, "Create administrator").click().run()
    assert Accounts(app_env, SYSTEM_ACTOR).list()["role"].tolist() == ["admin"]
    assert titles(at) == ["Infusion Vitals"]  # the sign-in form, without a reload
    assert any("Administrator boss created" in s.value for s in at.success)
    assert not any(t.label == "Set-up code" for t in at.text_input)
    at.text_input(key="signin_username").input("boss")
    at.text_input(key="signin_password").input(PASSWORD)
    button(at, "Sign in").click().run()
    assert titles(at) == ["Audit log"] and "The Boss" in at.sidebar.markdown[0].value


def test_sign_in_with_the_right_password_opens_the_role_pages(app_env, fast_failures):
    Accounts(app_env, SYSTEM_ACTOR).add("ana", "Ana Nurse", "nurse", PASSWORD, must_change=False)
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input(key="signin_username").input("ana")
    at.text_input(key="signin_password").input("not the password")
    button(at, "Sign in").click().run()
    assert any("Wrong username or password" in e for e in errors(at))
    at.text_input(key="signin_password").input(PASSWORD)
    button(at, "Sign in").click().run()
    assert not at.exception
    assert "Record vitals" in titles(at)
    assert "Ana Nurse" in at.sidebar.markdown[0].value


def test_a_user_idle_too_long_is_signed_out(app_env, monkeypatch):
    monkeypatch.setenv("IDLE_SIGNOUT_MINUTES", "15")
    at = open_app()
    assert "Record vitals" in titles(at)
    at.session_state["last_active"] = utcnow() - timedelta(minutes=16)
    at.run()
    assert "Record vitals" not in titles(at)
    assert any("signed out after 15 minutes" in i.value for i in at.info)
    assert "actor" not in at.session_state


def test_forced_password_change_comes_before_any_page(app_env):
    at = open_app()
    at.session_state["must_change_password"] = True
    at.run()
    assert titles(at) == ["Change your password"]


PAGES = {"Record vitals": "record.py", "Sessions": "sessions.py", "Session review": "review.py",
         "Protocols": "protocols.py", "Training": "training.py", "Scenarios": "scenarios.py", "Audit log": "audit.py",
         "Users": "users.py", "Board": "board.py", "Chairs": "chairs.py"}
REACHES = {
    "nurse": {"Record vitals", "Sessions", "Session review", "Board"},
    "supervisor": {"Record vitals", "Sessions", "Session review", "Protocols", "Training", "Scenarios", "Audit log",
                   "Board", "Chairs"},
    "trainer": {"Training", "Scenarios"},
    "trainee": {"Training"},
    "admin": {"Audit log", "Users", "Chairs"},
}


@pytest.mark.parametrize("role", list(REACHES))
@pytest.mark.parametrize("title", list(PAGES))
def test_role_by_page_matrix(app_env, role, title):
    at = open_app(role=role, user=f"{role}1")
    if title in REACHES[role]:
        at.switch_page(str(VIEWS / PAGES[title])).run()
        assert not at.exception and title in titles(at)
    else:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(str(VIEWS / PAGES[title]))  # no route to it for this role


@pytest.mark.parametrize("role, page", [("trainer", "record.py"), ("nurse", "users.py"), ("admin", "sessions.py"),
                                        ("nurse", "protocols.py"), ("trainer", "protocols.py"),
                                        ("nurse", "audit.py"), ("trainer", "audit.py"), ("trainer", "review.py"),
                                        ("admin", "review.py"), ("trainee", "record.py"), ("trainee", "sessions.py"),
                                        ("trainee", "scenarios.py"), ("trainee", "review.py"), ("nurse", "training.py"),
                                        ("admin", "board.py"), ("trainer", "board.py"), ("trainee", "board.py"),
                                        ("nurse", "chairs.py"), ("trainee", "chairs.py")])
def test_a_page_run_directly_by_the_wrong_role_refuses(app_env, role, page):
    at = AppTest.from_file(str(VIEWS / page), default_timeout=60)
    at.session_state["actor"] = Actor(f"{role}1", role)
    at.run()
    assert any("does not give access" in e for e in errors(at))
    assert not at.dataframe
