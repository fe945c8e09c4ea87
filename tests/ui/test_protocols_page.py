"""The Protocols page under AppTest: a form with a number per limit, checked as typed; the what-if explains."""

from __future__ import annotations

from dashboard.core.roles import Actor
from dashboard.services.protocols import Protocols, bootstrap
from tests.ui.helpers import VIEWS, button, open_app

DEFAULT = "IV ketamine clinic default"


def field(version: int, key: str, name: str = DEFAULT) -> str:
    return f"pf_{name}_{version}_{key}"


def errors(at) -> list[str]:
    """Error messages as the user reads them (the markdown escapes removed)."""
    return [e.value.replace("\\", "") for e in at.error]


def protocols_page(app_env):
    at = open_app(role="supervisor", user="sam")
    at.switch_page(str(VIEWS / "protocols.py")).run()
    assert not at.exception
    return at


def test_a_limit_edited_by_number_is_saved_with_a_reason_as_a_new_version(app_env):
    bootstrap(app_env)
    at = protocols_page(app_env)
    assert at.number_input(key=field(1, "limits.hr.critical_high")).value == 140
    at.number_input(key=field(1, "limits.hr.critical_high")).set_value(150.0).run()
    at.number_input(key=field(1, "limits.rr.warning_high")).set_value(None).run()  # empty = no limit
    button(at, "Save as a new version").click().run()
    assert any("why" in e for e in errors(at))  # a reason is required
    at.text_input(key=f"protocol_reason_{DEFAULT}").input("fewer HR alarms")
    button(at, "Save as a new version").click().run()
    assert not at.exception
    assert any(f"Saved {DEFAULT} version 2" in s.value for s in at.success)
    history = at.dataframe[0].value
    assert history["version"].tolist() == [2, 1] and history["reason"].iloc[0] == "fewer HR alarms"
    assert at.number_input(key=field(2, "limits.hr.critical_high")).value == 150
    saved = Protocols(app_env, Actor("sam", "supervisor")).current(DEFAULT)
    assert saved.limits["hr"].critical_high == 150 and saved.limits["rr"].warning_high is None
    assert saved.limits["rr"].critical_high == 35


def test_an_invalid_limit_is_named_beside_its_field_and_cannot_be_saved(app_env):
    bootstrap(app_env)
    at = protocols_page(app_env)
    at.number_input(key=field(1, "limits.sbp.warning_high")).set_value(190.0).run()
    assert "SBP warning high 190 is above the critical high 180" in errors(at)
    save = button(at, "Save as a new version")
    assert save.disabled
    at.number_input(key=field(1, "persistence.warning.readings")).set_value(0).run()
    assert "Warning persistence (readings in a row): must be at least 1 (not 0)" in errors(at)
    at.number_input(key=field(1, "limits.sbp.warning_high")).set_value(170.0)
    at.number_input(key=field(1, "persistence.warning.readings")).set_value(2).run()
    assert errors(at) == [] and not button(at, "Save as a new version").disabled
    assert len(Protocols(app_env, Actor("sam", "supervisor")).history(DEFAULT)) == 1


def test_the_json_stays_readable_but_not_editable(app_env):
    bootstrap(app_env)
    at = protocols_page(app_env)
    assert not [a for a in at.text_area if a.key.startswith("protocol_text")]
    code = at.get("code")[0].proto.code_text
    assert '"critical_high": 140.0' in code and '"bp_interval_min": 15.0' in code
    assert at.get("download_button")


def test_what_if_lists_the_alerts_the_draft_changes_with_why(app_env):
    from dashboard.seed import load_samples
    load_samples(app_env)
    at = protocols_page(app_env)
    at.number_input(key=field(1, "limits.hr.critical_high")).set_value(150.0).run()
    button(at, "Compare").click().run()
    assert not at.exception
    assert any("1 session(s) differ: the draft adds 0 alert(s) and removes 1" in m.value.replace("\\", "")
               for m in at.markdown)
    per_session = at.dataframe[-1].value
    changes = at.table[-1].value.reset_index().map(lambda cell: str(cell).replace("\\", ""))
    assert any("S-0003" in s for s in per_session["session"]) and per_session["removed"].tolist() == [1]
    assert changes["change"].tolist() == ["removed"] and changes["alert"].iloc[0] == "HR beyond the critical limits"
    assert changes["why"].iloc[0] == ("no longer raised: HR 146 at 13:30 is inside the draft's critical high 150 "
                                      "(current 140)")
    assert changes["start"].iloc[0] == "2026-11-03 13:30"


def test_what_if_waits_for_a_valid_draft(app_env):
    bootstrap(app_env)
    at = protocols_page(app_env)
    at.number_input(key=field(1, "limits.spo2.warning_low")).set_value(85.0).run()
    assert "SpO2 warning low 85 is below the critical low 90" in errors(at)
    assert button(at, "Compare").disabled
    assert any("correct the marked fields" in w.value for w in at.warning)
