"""The Training page: a trainer replays a scenario with its alerts firing at their replay time (banner, list,
protocol switch); a trainee runs one in trainee mode, is asked at each decision point and gets a score."""

from __future__ import annotations

import pytest

from dashboard.core.roles import Actor
from dashboard.services.training import Training
from tests.ui.helpers import VIEWS, button, open_app, plotted

ESKETAMINE = "Esketamine nasal spray (REMS-style)"


def training_page(role: str = "trainer", user: str = "tia", scenario: str = "TR-002"):
    at = open_app(role=role, user=user)
    at.switch_page(str(VIEWS / "training.py")).run()
    assert not at.exception
    at.selectbox(key="training_scenario").set_value(scenario).run()
    return at


def markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def alerts_so_far(at) -> int:
    line = next(m.value for m in at.markdown if m.value.startswith("**Alerts so far**"))
    return int(line.split("(")[1].rstrip(")"))


def banners(at) -> list[str]:
    return [e.value.replace("\\", "") for e in at.error]


def test_the_chart_and_the_alerts_show_only_what_has_happened_by_the_replay_minute(app_env):
    at = training_page()
    assert "The climb toward 160 and 180 systolic" in markdown(at)
    at.slider(key="play_minute").set_value(10).run()
    early = plotted(at)["SBP"]
    assert early and max(early) < 180 and alerts_so_far(at) == 0 and banners(at) == []
    at.slider(key="play_minute").set_value(26).run()
    assert max(plotted(at)["SBP"]) > 180 and alerts_so_far(at) == 2
    assert any("High: SBP 183 beyond critical" in b for b in banners(at))  # the banner a nurse sees, at 25 min
    at.slider(key="play_minute").set_value(100).run()
    assert banners(at) == []  # the crisis is over by then: no banner, the list keeps them
    assert alerts_so_far(at) == 3


def test_switching_the_protocol_mid_replay_changes_the_alerts(app_env):
    at = training_page()
    at.slider(key="play_minute").set_value(15).run()
    assert at.selectbox(key="play_protocol").value == "IV ketamine clinic default"
    assert alerts_so_far(at) == 0  # two readings past the warning line are needed under the IV protocol
    at.selectbox(key="play_protocol").set_value(ESKETAMINE).run()
    assert alerts_so_far(at) == 1 and any("2 or more vitals outside their limits" in b for b in banners(at))
    assert at.slider(key="play_minute").value == 15  # the replay stays where it was


def test_next_reading_and_next_alert_move_the_clock_and_play_pauses(app_env):
    at = training_page()
    button(at, "Next reading").click().run()
    assert "**Minute -3** of 105" in markdown(at)
    button(at, "Next alert").click().run()
    assert "**Minute 20** of 105" in markdown(at) and alerts_so_far(at) == 1
    assert at.slider(key="play_minute").value == 20  # the slider follows the clock
    button(at, "Next alert").click().run()
    assert "**Minute 25** of 105" in markdown(at) and at.slider(key="play_minute").value == 25
    button(at, "Play").click().run()
    assert "playing" in markdown(at) and any(b.label == "Pause" for b in at.button)
    button(at, "Pause").click().run()
    assert "paused" in markdown(at)
    assert at.selectbox(key="play_speed").options == ["1×", "5×", "20×", "60×"]


def answer(at, response: str) -> None:
    next(r for r in at.radio if r.label == "Your response").set_value(response).run()
    button(at, "Answer").click().run()


def step_to_question(at) -> str:
    for _ in range(30):
        prompt = next((m.value for m in at.markdown if "What do you do" in m.value or "what do you do" in m.value),
                      None)
        if prompt:
            return prompt
        button(at, "Next reading").click().run()
    raise AssertionError("no question came")


def test_a_trainee_is_asked_at_each_decision_and_scored_at_the_end(app_env):
    at = training_page(role="trainee", user="tim", scenario="TR-004")
    assert not [r for r in at.radio if r.label == "Mode"]  # trainees have trainee mode only
    assert not at.slider and not [s for s in at.selectbox if s.label == "Protocol"]
    assert step_to_question(at) == "**Minute 15: what do you do now?**"
    assert all(b.disabled for b in at.button if b.label in ("Next reading", "Next alert", "Play"))
    answer(at, "Keep watching")
    assert step_to_question(at) == ("**Minute 25: an alert has fired \\(SpO2 beyond critical, 2 or more vitals outside "
                                    "their limits at once, SpO2 outside warning, RR outside warning\\). What do you "
                                    "do?**")
    assert any("SpO2" in b and "beyond critical" in b for b in banners(at))
    answer(at, "Pause or stop the infusion")  # not what a desaturation needs: asked again at the next reading
    assert step_to_question(at).startswith("**Minute 30: the alert from minute 25 \\(SpO2 beyond critical")
    assert "is still active. What do you do now?**" in step_to_question(at)
    answer(at, "Give oxygen")
    button(at, "End the run and see the score").click().run()
    assert not at.exception
    assert [s.value for s in at.subheader] == ["Score: 50 %"]
    assert "1 of 3 decisions right and in time." in markdown(at)
    take_away = markdown(at)
    assert "Minute 25" in take_away and "5 min after the alert; due at once" in take_away
    assert "Minute 85" in take_away and "Not reached" in take_away
    kept = Training(app_env, Actor("tim", "trainee")).my_results()
    assert kept[["code", "score", "right_answers", "decisions"]].values.tolist() == [["TR-004", 50, 1, 3]]
    button(at, "Run it again").click().run()
    assert not at.subheader and step_to_question(at) == "**Minute 15: what do you do now?**"


def test_answering_without_a_choice_asks_for_one(app_env):
    at = training_page(role="trainee", user="tim", scenario="TR-004")
    step_to_question(at)
    button(at, "Answer").click().run()
    assert [w.value for w in at.warning] == ["Choose a response first."]
    assert step_to_question(at) == "**Minute 15: what do you do now?**"


@pytest.mark.parametrize("role", ["trainer", "supervisor"])
def test_trainers_and_supervisors_may_run_trainee_mode_too(app_env, role):
    at = training_page(role=role, user=f"{role}1", scenario="TR-004")
    at.radio(key="training_mode").set_value("Trainee mode").run()
    assert step_to_question(at) == "**Minute 15: what do you do now?**"
