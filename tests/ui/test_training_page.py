"""A trainer replays a sample session: the chart shows only what had happened by the chosen minute."""

from __future__ import annotations

from tests.ui.helpers import VIEWS, open_app, plotted


def test_trainer_replays_the_hypertensive_session(app_env):
    at = open_app(role="trainer", user="tia")
    at.switch_page(str(VIEWS / "training.py")).run()
    assert not at.exception
    at.selectbox(key="replay_scenario").set_value("S-0002").run()
    assert "180/110" in at.info[0].value.replace("\\", "")

    at.slider(key="replay_minute").set_value(10).run()
    early = plotted(at)["SBP"]
    assert early and max(early) < 180  # the crisis has not happened yet
    at.slider(key="replay_minute").set_value(40).run()
    later = plotted(at)
    assert max(later["SBP"]) > 180 and len(later["SBP"]) > len(early)
    assert "SBP critical" in later


def test_play_button_starts_and_pauses_the_replay(app_env):
    at = open_app(role="trainer", user="tia")
    at.switch_page(str(VIEWS / "training.py")).run()
    next(b for b in at.button if b.label == "▶ Play").click().run()
    assert any(b.label == "⏸ Pause" for b in at.button)
    next(b for b in at.button if b.label == "⏸ Pause").click().run()
    assert any(b.label == "▶ Play" for b in at.button)
