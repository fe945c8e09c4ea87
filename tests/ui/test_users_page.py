"""The Users page as an admin uses it: readable table, role box at the account's role, confirmations."""

from __future__ import annotations

import pytest

from dashboard.core.roles import SYSTEM_ACTOR
from dashboard.services.accounts import Accounts
from tests.ui.helpers import VIEWS, button, errors, open_app

PASSWORD = "correct horse battery"


@pytest.fixture
def users_page(app_env):
    system = Accounts(app_env, SYSTEM_ACTOR)
    system.add("boss", "The Boss", "admin", PASSWORD, must_change=False)
    system.add("ana", "Ana Nurse", "nurse", PASSWORD)
    system.add("sam", "Sam Supervisor", "supervisor", PASSWORD, must_change=False)
    at = open_app(user="boss", role="admin")
    at.switch_page(str(VIEWS / "users.py")).run()
    assert not at.exception
    return at


def roles(engine) -> dict[str, str]:
    table = Accounts(engine, SYSTEM_ACTOR).list()
    return dict(zip(table["username"], table["role"]))


def test_the_accounts_table_has_readable_headers_and_values(users_page):
    table = users_page.dataframe[0].value
    assert list(table.columns) == ["Username", "Full name", "Role", "Status", "Password", "Created", "Created by"]
    ana = table.set_index("Username").loc["ana"]
    assert ana["Status"] == "active" and ana["Password"] == "must change at sign-in"
    assert ana["Created"][:4].isdigit() and "+00:00" not in ana["Created"] and "T" not in ana["Created"]


def test_the_role_box_starts_at_the_chosen_accounts_role(users_page):
    at = users_page
    at.selectbox(key="users_pick").set_value("boss").run()
    assert at.selectbox(key="users_role_boss").value == "admin"
    at.selectbox(key="users_pick").set_value("sam").run()
    assert at.selectbox(key="users_role_sam").value == "supervisor"
    assert next(b for b in at.button if b.label == "Set role").disabled  # nothing to change yet


def test_changing_a_role_asks_first_and_cancel_changes_nothing(users_page, app_env):
    at = users_page
    at.selectbox(key="users_pick").set_value("ana").run()
    at.selectbox(key="users_role_ana").set_value("supervisor").run()
    button(at, "Set role").click().run()
    assert any("Change the role of ana to supervisor?" in w.value for w in at.warning)
    assert roles(app_env)["ana"] == "nurse"
    button(at, "Cancel").click().run()
    assert not at.warning and roles(app_env)["ana"] == "nurse"

    button(at, "Set role").click().run()
    button(at, "Yes, change it").click().run()
    assert roles(app_env)["ana"] == "supervisor"
    assert any("ana is now supervisor" in s.value for s in at.success)


def test_disabling_asks_first_and_the_last_admin_is_kept(users_page, app_env):
    at = users_page
    at.selectbox(key="users_pick").set_value("sam").run()
    button(at, "Disable").click().run()
    assert any("Disable sam?" in w.value for w in at.warning)
    button(at, "Yes, disable").click().run()
    assert Accounts(app_env, SYSTEM_ACTOR).list().set_index("username").loc["sam", "disabled"]
    assert at.dataframe[0].value.set_index("Username").loc["sam", "Status"] == "disabled"
    assert any(b.label == "Enable" for b in at.button)

    Accounts(app_env, SYSTEM_ACTOR).add("deputy", "Deputy", "admin", PASSWORD)
    at.run()
    Accounts(app_env, SYSTEM_ACTOR).disable("deputy")
    at.selectbox(key="users_pick").set_value("deputy").run()
    at.selectbox(key="users_role_deputy").set_value("nurse").run()
    button(at, "Set role").click().run()
    button(at, "Yes, change it").click().run()
    assert roles(app_env)["deputy"] == "nurse"  # a disabled admin was no safeguard anyway

    at.selectbox(key="users_pick").set_value("boss").run()
    at.selectbox(key="users_role_boss").set_value("nurse").run()
    button(at, "Set role").click().run()
    button(at, "Yes, change it").click().run()
    assert any("your own role" in e for e in errors(at))
    assert roles(app_env)["boss"] == "admin"


def test_an_admin_can_make_an_account_a_trainee(users_page, app_env):
    at = users_page
    at.selectbox(key="users_pick").set_value("ana").run()
    assert at.selectbox(key="users_role_ana").options == ["nurse", "supervisor", "trainer", "trainee", "admin"]
    at.selectbox(key="users_role_ana").set_value("trainee").run()
    button(at, "Set role").click().run()
    button(at, "Yes, change it").click().run()
    assert roles(app_env)["ana"] == "trainee"
