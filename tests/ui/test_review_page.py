"""The Review page under AppTest: a session read back with its phases, summary, alerts and files; who may open it."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.core.roles import Actor
from dashboard.seed import load_samples
from dashboard.store import sessions as store_sessions
from tests.ui.helpers import APP, chart_spec


@pytest.fixture
def samples(app_env):
    load_samples(app_env)
    return {code: store_sessions.find_session(app_env, code).id for code in ("S-0002", "S-0005")}


def review_page(session_id: int | None, role: str = "supervisor", user: str = "sam") -> AppTest:
    """The Review page as the Sessions page opens it: the session handed over in review_session_id."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["actor"] = Actor(user, role)
    at.session_state["full_name"] = user.title()
    if session_id is not None:
        at.session_state["review_session_id"] = session_id
    at.switch_page("views/review.py")
    return at.run()


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("role, user", [("supervisor", "sam"), ("nurse", "ana")])
def test_a_nurse_and_a_supervisor_read_a_session_back(samples, role, user):
    at = review_page(samples["S-0002"], role, user)
    assert not at.exception
    assert at.title[0].value == "Session review"
    assert "S-0002 · P-1002" in at.subheader[0].value
    got = metrics(at)
    # S-0002 (sample_data/README.md): baseline 136/86, peak 186/113, discharged 105 min after the start
    assert (got["Peak SBP"], got["Peak DBP"], got["Minutes monitored"], got["Status"]) == ("186", "113", "105 min",
                                                                                          "discharged")
    assert any("not acknowledged" in w.value for w in at.warning)  # readiness names the unacknowledged alerts
    tables = [t.value for t in at.dataframe]
    alerts = next(t for t in tables if "Acknowledged (who, when, what was done, note)" in t.columns)
    assert (alerts["Priority"] == "high").any() and set(alerts["Acknowledged (who, when, what was done, note)"]) == \
        {"not acknowledged"}
    rems = next(t for t in tables if "BP" in t.columns and "When" in t.columns)
    assert rems["When"].tolist() == ["before dosing", "about 40 min after the start", "before discharge"]
    side = next(t for t in tables if "What" in t.columns)
    assert {"Headache", "Nausea"} <= set(side["What"])
    assert "Not signed yet." in [c.value for c in at.caption]
    assert [b.proto.label for b in at.get("download_button")] == ["Download CSV", "Download FHIR (JSON)",
                                                                  "Download report (PDF)"]


def test_the_chart_shades_the_phases_and_marks_the_alerts(samples):
    spec = chart_spec(review_page(samples["S-0002"]))
    names = {s.get("name", "") for s in spec["layout"]["shapes"]}
    assert {"phase baseline", "phase infusion", "phase recovery", "phase discharge"} <= names
    assert any(n.startswith("alert #") and n.endswith("high") for n in names)
    assert "Discharge" in {a.get("text") for a in spec["layout"]["annotations"]}


def test_a_corrected_reading_is_drawn_as_such(samples):
    spec = chart_spec(review_page(samples["S-0005"]))
    replaced = [t for t in spec["data"] if t.get("name") == "replaced or entered in error"]
    assert any("digits transposed" in text for t in replaced for text in t["text"])
    assert any("entered in error: motion artifact" in text for t in replaced for text in t["text"])


def test_without_a_session_the_page_asks_for_one(samples):
    at = review_page(None)
    assert not at.exception and [i.value for i in at.info] == ["Choose a session to review."]
    at.selectbox(key="review_session_id").select(samples["S-0005"]).run()
    assert "S-0005" in at.subheader[0].value


@pytest.mark.parametrize("role, user", [("trainer", "tia"), ("admin", "ada")])
def test_a_trainer_and_an_admin_cannot_open_it(samples, role, user):
    at = review_page(samples["S-0002"], role, user)
    assert not at.exception
    assert "Your role does not give access to this page." in [e.value for e in at.error]
    assert not at.metric and not at.get("plotly_chart")


def test_a_supervisor_signs_from_the_review_page_and_a_nurse_sees_only_the_signature(app_env, monkeypatch):
    from tests.signoff_clinic import PASSWORD, build_clinic
    monkeypatch.setenv("SIGNIN_FAILURE_DELAY_S", "0")
    clinic = build_clinic(app_env)
    clinic.acknowledge()
    keys = {name: f"signoff_{clinic.session_id}_{name}" for name in ("seen", "password")}
    at = review_page(clinic.session_id)
    assert not at.exception and "Not signed yet." in [c.value for c in at.caption]
    at.checkbox(key=keys["seen"]).check().run()  # the warnings (a discharge override) read
    at.text_input(key=keys["password"]).input(PASSWORD)
    next(b for b in at.button if b.label == "Sign the session").click().run()
    assert not at.exception and not [e.value for e in at.error]
    banners = [s.value.replace("\\", "") for s in at.success]  # shown escaped: the text as read has no backslash
    assert any("Signed (reviewed) by Sam Smith" in b and "entries after this are addenda" in b for b in banners)
    nurse = review_page(clinic.session_id, "nurse", "ana")
    assert any("Signed (reviewed) by Sam Smith" in s.value.replace("\\", "") for s in nurse.success)
    assert not [b for b in nurse.button if b.label == "Sign the session"]
