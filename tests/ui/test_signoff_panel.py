"""Signing off from the Record page under AppTest: refusals disable signing, warnings must be ticked as read,
the password is typed again; afterwards everyone sees the lock, and a new reading shows as an addendum."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.core.roles import SYSTEM_ACTOR
from dashboard.services.signoffs import Signoffs
from tests.signoff_clinic import PASSWORD, STAFF, TZ, at, build_clinic
from tests.ui.helpers import button, errors, open_app

PANEL = "Sign off this session"


@pytest.fixture
def clinic(app_env, monkeypatch):
    monkeypatch.setenv("SIGNIN_FAILURE_DELAY_S", "0")
    return build_clinic(app_env)


def supervisor(clinic) -> AppTest:
    at = open_app(clinic.session_id, user="sam", role="supervisor")
    assert not at.exception
    return at


def keys(clinic) -> dict[str, str]:
    return {name: f"signoff_{clinic.session_id}_{name}" for name in ("seen", "meaning", "password")}


def shown(markdown: str) -> str:
    """The text as the user reads it (user text is shown escaped, never as markdown)."""
    return markdown.replace("\\", "")


def signatures(clinic):
    return Signoffs(clinic.engine, SYSTEM_ACTOR).signoffs(clinic.session_id)


def test_a_refusal_is_listed_and_signing_is_disabled(clinic):
    at = supervisor(clinic)
    assert [e.label for e in at.expander].count(PANEL) == 1
    refused = [e for e in errors(at) if e.startswith("Signing is refused until:")]
    assert len(refused) == 1 and "not acknowledged (SBP 196 beyond critical" in refused[0].replace("\\", "")
    assert button(at, "Sign the session").disabled
    assert signatures(clinic) == []


def test_a_supervisor_reads_the_warnings_types_the_password_and_signs(clinic):
    clinic.acknowledge()
    at = supervisor(clinic)
    k = keys(clinic)
    warning = next(w.value for w in at.warning if w.value.startswith("Read these before signing"))
    assert "discharged although the checks refused it" in warning
    assert button(at, "Sign the session").disabled  # not before the warnings are ticked as read
    at.checkbox(key=k["seen"]).check().run()
    assert not button(at, "Sign the session").disabled

    at.radio(key=k["meaning"]).set_value("approved")
    at.text_input(key=k["password"]).input("not my password")
    button(at, "Sign the session").click().run()
    assert any("The password is not right" in e for e in errors(at))
    assert signatures(clinic) == [] and at.text_input(key=k["password"]).value == ""

    at.text_input(key=k["password"]).input(PASSWORD)
    button(at, "Sign the session").click().run()
    assert not at.exception and not errors(at)
    signed, = signatures(clinic)
    assert (signed.signed_by, signed.meaning, len(signed.warnings)) == ("sam", "approved", 1)
    banner = [shown(s.value) for s in at.success if "entries after this are addenda" in s.value]
    assert banner == [f"Signed (approved) by Sam Smith at {signed.at_text(TZ)} — entries after this are addenda"]


def test_after_signing_a_nurse_sees_the_lock_and_her_new_reading_as_an_addendum(clinic):
    clinic.acknowledge()
    service = Signoffs(clinic.engine, STAFF["supervisor"], TZ)
    service.sign(clinic.session_id, password=PASSWORD, meaning="reviewed",
                 acknowledge_warnings=service.check(clinic.session_id).warnings)
    at = open_app(clinic.session_id)  # the nurse
    assert PANEL not in [e.label for e in at.expander]  # only supervisors sign
    assert any(shown(s.value).startswith("Signed (reviewed) by Sam Smith at ") for s in at.success)
    assert "After signing" in at.dataframe[-1].value.columns
    assert set(at.dataframe[-1].value["After signing"]) == {""}

    at.text_input(key="entry_time").input(f"{at_local(95):%H:%M:%S}")
    for key, value in (("sbp", "132"), ("dbp", "84"), ("hr", "76")):
        at.text_input(key=f"entry_{key}").input(value)
    button(at, "Save reading").click().run()
    assert not at.exception and not errors(at)
    table = at.dataframe[-1].value
    added = table[table["BP"] == "132/84"].iloc[0]
    assert added["After signing"] == "addendum"
    notice = next(shown(i.value) for i in at.info if shown(i.value).startswith("Addenda after the signature (1)"))
    assert f"measured {at_local(95):%H:%M}" in notice and "by ana" in notice

    at.toggle(key=f"show_as_signed_{clinic.session_id}").set_value(True).run()
    assert "132/84" not in at.dataframe[-1].value["BP"].tolist()  # the record as it was signed
    assert "After signing" not in at.dataframe[-1].value.columns


def at_local(minutes: float):
    return at(minutes).astimezone(ZoneInfo(TZ))


def _panel_for(role: str, session_id: int) -> None:
    from dashboard.components.context import clinic_tz, engine
    from dashboard.components.signoff_panel import signoff_panel
    from dashboard.core.roles import Actor
    from dashboard.services.records import Records
    actor = Actor("someone", role)
    signoff_panel(engine(), actor, clinic_tz(), Records(engine(), Actor("reader", "supervisor")).session(session_id))


@pytest.mark.parametrize("role", ["nurse", "trainer", "admin"])
def test_a_nurse_sees_the_signatures_only_and_roles_without_sessions_nothing(clinic, role):
    clinic.acknowledge()
    service = Signoffs(clinic.engine, STAFF["supervisor"], TZ)
    service.sign(clinic.session_id, password=PASSWORD, meaning="reviewed",
                 acknowledge_warnings=service.check(clinic.session_id).warnings)
    at = AppTest.from_function(_panel_for, args=(role, clinic.session_id), default_timeout=60).run()
    assert not at.exception
    assert [shown(s.value)[:34] for s in at.success] == (["Signed (reviewed) by Sam Smith at "] if role == "nurse"
                                                           else [])
    assert not at.button and not at.text_input and not at.error and not at.warning
