"""The Board page as a charge nurse sees it: every chair's session, the most urgent first, words with colours.

Its timer (st.fragment(run_every=...)) does not fire under AppTest; the order and words are tested in
tests/unit/test_board.py, and a browser test watches it refresh by itself."""

from __future__ import annotations

from datetime import timedelta

from dashboard.core.clock import today_in, utcnow
from dashboard.core.roles import SYSTEM_ACTOR
from dashboard.services.chairs import Chairs
from dashboard.services.records import Records
from tests.ui.helpers import TZ, VIEWS, button, open_app


def clinic(engine):
    from dashboard.services.protocols import bootstrap
    bootstrap(engine)
    for name in ("Chair 1", "Chair 2", "Chair 3"):
        Chairs(engine, SYSTEM_ACTOR).add(name)
    records = Records(engine, SYSTEM_ACTOR, TZ)
    now, today = utcnow(), today_in(TZ)
    ids = {code: records.open_session(today, patient_code=f"P-{code[-1]}", new_patient=True, code=code)
           for code in ("S-0001", "S-0002", "S-0003")}
    records.start_infusion(ids["S-0001"], now - timedelta(minutes=30), chair="Chair 1")
    records.record_reading(ids["S-0001"], {"sbp": "124", "dbp": "80", "hr": "70"}, measured_at=now - timedelta(minutes=2))
    records.start_infusion(ids["S-0002"], now - timedelta(minutes=20), chair="Chair 2")
    records.record_reading(ids["S-0002"], {"sbp": "199", "dbp": "84", "hr": "90"}, measured_at=now - timedelta(minutes=1))
    return ids


def test_the_board_puts_the_unacknowledged_high_alert_first_with_its_word_and_colour(app_env):
    ids = clinic(app_env)
    at = open_app(user="ana", role="nurse")
    at.switch_page(str(VIEWS / "board.py")).run()
    assert not at.exception and [t.value for t in at.title] == ["Board"]
    texts = [m.value for m in at.markdown]
    headers = [t for t in texts if t.startswith("**Chair") or t.startswith("**No chair")]
    assert headers == ["**Chair 2** · S-0002 · P-2", "**Chair 1** · S-0001 · P-1", "**No chair** · S-0003 · P-3"]
    badges = [b.proto.body for b in at.get("markdown") if "badge" in b.proto.body]
    assert any(":red-badge[" in b and "High alert" in b for b in badges)  # the colour never comes alone
    assert any("green-badge" in b and "No active alert" in b for b in badges)
    assert any("1 alert waiting for acknowledgement" in t for t in texts)
    assert any("BP 199/84 · HR 90 — 1 min ago" in t for t in texts)
    assert any("Infusing · 20 min since start" in t for t in texts)
    assert any("Free chairs: Chair 3" in c.value for c in at.caption)
    assert [b.label for b in at.button if b.label.startswith("Open")] == ["Open S-0002", "Open S-0001", "Open S-0003"]
    button(at, "Open S-0002").click().run()
    assert [t.value for t in at.title] == ["Record vitals"] and at.session_state["session_id"] == ids["S-0002"]


def test_a_supervisor_sees_the_board_and_an_empty_clinic_is_told_what_to_do(app_env):
    at = open_app(user="sam", role="supervisor")
    at.switch_page(str(VIEWS / "board.py")).run()
    assert not at.exception
    assert any("No session in progress" in i.value for i in at.info)


def test_starting_an_infusion_places_the_session_in_the_chosen_free_chair(app_env):
    ids = clinic(app_env)
    at = open_app(session_id=ids["S-0003"], user="ana", role="nurse")
    chair = next(s for s in at.selectbox if s.label == "Chair")
    assert chair.options == ["Chair 3", "No chair"] and chair.value is None  # taken chairs are not offered
    chair.set_value("Chair 3").run()
    button(at, "▶ Start infusion").click().run()
    started = Records(app_env, SYSTEM_ACTOR, TZ).session(ids["S-0003"])
    assert (started.status, started.chair) == ("infusing", "Chair 3")
    assert any("Chair 3" in c.value for c in at.caption)


def test_a_patient_moved_to_another_chair_moves_on_the_board_and_frees_the_chair(app_env):
    ids = clinic(app_env)
    at = open_app(session_id=ids["S-0001"], user="ana", role="nurse")
    assert any(e.label == "Move to another chair (now: Chair 1)" for e in at.expander)
    move = next(s for s in at.selectbox if s.label == "Move to")
    assert move.options == ["Chair 3", "No chair"] and move.value is None  # Chair 2 is taken
    button(at, "Move").click().run()
    assert "Choose the chair the patient moved to." in [e.value for e in at.error]
    assert Records(app_env, SYSTEM_ACTOR, TZ).session(ids["S-0001"]).chair == "Chair 1"
    next(s for s in at.selectbox if s.label == "Move to").set_value("Chair 3").run()
    button(at, "Move").click().run()
    assert "S-0001 is now in Chair 3." in [s.value for s in at.success]
    assert Records(app_env, SYSTEM_ACTOR, TZ).session(ids["S-0001"]).chair == "Chair 3"
    assert any(e.label == "Move to another chair (now: Chair 3)" for e in at.expander)
    at.switch_page(str(VIEWS / "board.py")).run()
    texts = [m.value for m in at.markdown]
    assert "**Chair 3** · S-0001 · P-1" in texts
    assert any("Free chairs: Chair 1" in c.value for c in at.caption)
