"""The Audit log page: readable entries, sessions by code, a plain message for an unknown session code."""

from __future__ import annotations

import json

from dashboard.core.roles import SYSTEM_ACTOR, Actor
from dashboard.services.accounts import Accounts
from dashboard.services.records import Records
from tests.ui.helpers import TZ, VIEWS, errors, open_app

PASSWORD = "correct horse battery"


def test_audit_entries_read_as_words_with_session_codes(app_env, today_session):
    Accounts(app_env, SYSTEM_ACTOR).add("ana", "Ana", "nurse", PASSWORD)
    Accounts(app_env, Actor("boss", "admin")).set_role("ana", "supervisor")
    Records(app_env, Actor("ana", "nurse"), TZ).start_infusion(today_session)
    at = open_app(user="sam", role="supervisor")
    at.switch_page(str(VIEWS / "audit.py")).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table.columns) == ["When", "User", "Role", "Action", "About", "Session", "What changed"]
    role_change = table[table["Action"] == "role changed"].iloc[0]
    assert role_change["What changed"] == "role: nurse → supervisor" and role_change["About"] == "user ana"
    assert "{" not in " ".join(table["What changed"])  # no raw JSON
    code = table[table["Session"] != ""]["Session"].iloc[0]
    assert code.startswith("S-")

    at.text_input(key="audit_session").input(code.lower()).run()
    narrowed = at.dataframe[0].value
    assert set(narrowed["Session"]) == {code}
    at.text_input(key="audit_session").input("S-9999").run()
    assert any("no session 'S-9999'" in e for e in errors(at)) and not at.dataframe


def test_a_selected_entry_is_shown_in_full(app_env):
    Accounts(app_env, SYSTEM_ACTOR).add("ana", "Ana", "nurse", PASSWORD)
    Accounts(app_env, Actor("boss", "admin")).set_role("ana", "supervisor")
    at = open_app(user="boss", role="admin")
    at.switch_page(str(VIEWS / "audit.py")).run()
    at.session_state["audit_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert at.subheader[0].value == "Entry in full"
    assert any("boss · role changed · user ana" in m.value for m in at.markdown)
    shown = [json.loads(j.proto.body) for j in at.get("json")]
    assert shown == [{"disabled": False, "full_name": "Ana", "must_change_password": True, "role": "nurse",
                      "username": "ana"},
                     {"disabled": False, "full_name": "Ana", "must_change_password": True, "role": "supervisor",
                      "username": "ana"}]

    at.session_state["audit_table"] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    at.run()  # the account's creation: nothing before it
    assert not at.exception and "nothing" in [c.value for c in at.caption]
