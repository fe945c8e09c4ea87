"""Accounts, sessions and audit entries as people read them: plain headers, clinic times, changes in words."""

import json

import pandas as pd

from dashboard.core.audit_summary import change_summary
from dashboard.core.tables import audit_display, users_display

TZ = "America/New_York"
T = pd.Timestamp("2026-11-02 14:05:09", tz="UTC")


def test_a_role_change_reads_as_from_and_to():
    before = json.dumps({"username": "ana", "role": "nurse", "disabled": False})
    after = json.dumps({"username": "ana", "role": "supervisor", "disabled": True})
    assert change_summary(before, after) == "role: nurse → supervisor; disabled: no → yes"


def test_a_creation_lists_its_first_fields_and_counts_the_rest():
    after = json.dumps({"a": 1, "b": None, "c": "x" * 80, "d": True, "e": 2.0, "f": [1, 2]})
    summary = change_summary(None, after)
    assert summary.startswith("a: 1; c: xxx") and "…" in summary and "d: yes; e: 2; +1 more" in summary
    assert "b:" not in summary  # empty fields say nothing


def test_entries_without_state_or_with_plain_text_are_shown_as_they_are():
    assert change_summary(None, None) == ""
    assert change_summary(None, "not json {") == "not json {"
    assert change_summary(json.dumps({"x": 1}), json.dumps({"x": 1})) == "no field changed"


def test_audit_rows_name_the_session_by_code_and_show_clinic_time():
    entries = pd.DataFrame({
        "id": [2, 1], "at": [T, T], "actor": ["ana", "(set-up)"], "role": ["nurse", "-"],
        "action": ["reading.correct", "setup.refused"], "entity": ["reading", "user"], "entity_id": ["7", None],
        "session_id": [3, None], "before": [json.dumps({"sbp": 212}), None], "after": [json.dumps({"sbp": 122}), None],
    })
    table = audit_display(entries, {3: "S-0003"}, TZ)
    assert list(table.columns) == ["When", "User", "Role", "Action", "About", "Session", "What changed"]
    first, second = table.iloc[0], table.iloc[1]
    assert first["When"] == "2026-11-02 09:05:09" and first["Session"] == "S-0003"
    assert first["Action"] == "reading corrected" and first["About"] == "reading #7"
    assert first["What changed"] == "sbp: 212 → 122"
    assert second["Session"] == "" and second["Role"] == "" and second["About"] == "user"


def test_users_show_their_state_in_words():
    users = pd.DataFrame({
        "username": ["ana", "ben", "cy"], "full_name": ["Ana", "Ben", "Cy"], "role": ["nurse"] * 3,
        "disabled": [False, True, False], "must_change_password": [True, False, False],
        "locked_until": [None, None, T + pd.Timedelta(minutes=5)], "created_at": [T] * 3, "created_by": ["boss"] * 3,
    })
    table = users_display(users, TZ, now=T).set_index("Username")
    assert table["Status"].tolist() == ["active", "disabled", "locked until 09:10"]
    assert table.loc["ana", "Password"] == "must change at sign-in" and table.loc["ana", "Created"] == "2026-11-02 09:05"
