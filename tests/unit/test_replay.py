"""The trainer's replay clock: plays at the chosen speed, pauses, seeks, stops at the end."""

import pandas as pd
import pytest

from dashboard.core.replay import ReplayClock, visible_until


def test_playing_advances_at_speed_and_stops_at_the_end():
    clock = ReplayClock(start_min=-10, end_min=90, speed=60).play(now=1000.0)
    assert clock.position(1000.0) == -10
    assert clock.position(1010.0) == pytest.approx(0)  # 10 s at 60x = 10 session minutes
    assert clock.position(10_000.0) == 90 and clock.finished(10_000.0)


def test_pause_holds_and_play_resumes_from_there():
    clock = ReplayClock(start_min=0, end_min=60, speed=60).play(now=0.0).pause(now=5.0)
    assert clock.position(500.0) == 5 and not clock.playing
    assert clock.play(now=600.0).position(601.0) == pytest.approx(6)


def test_seek_while_playing_keeps_playing_and_is_clamped():
    clock = ReplayClock(start_min=0, end_min=60, speed=30).play(now=0.0).seek(45, now=10.0)
    assert clock.playing and clock.position(12.0) == pytest.approx(46)
    assert clock.seek(500, now=12.0).position(12.0) == 60
    assert clock.seek(-5, now=12.0).position(12.0) == 0


def test_play_after_the_end_starts_again_and_speed_change_keeps_position():
    clock = ReplayClock(start_min=0, end_min=10, speed=60).play(now=0.0)
    assert clock.play(now=100.0).position(100.0) == 0
    faster = ReplayClock(start_min=0, end_min=60, speed=60).play(now=0.0).with_speed(120, now=5.0)
    assert faster.position(5.0) == pytest.approx(5) and faster.position(6.0) == pytest.approx(7)


def test_only_what_has_happened_is_visible():
    t0 = pd.Timestamp("2026-11-02 14:00", tz="UTC")
    frame = pd.DataFrame({"measured_at": [t0 - pd.Timedelta(minutes=5), t0 + pd.Timedelta(minutes=10),
                                          t0 + pd.Timedelta(minutes=30)]})
    assert len(visible_until(frame, "measured_at", t0, 10)) == 2
    assert len(visible_until(frame, "measured_at", t0, -10)) == 0


def test_the_speeds_a_trainer_chooses_from_play_an_hour_in_a_minute_at_the_fastest():
    from dashboard.core.replay import SPEEDS
    assert list(SPEEDS) == ["1×", "5×", "20×", "60×"]
    clock = ReplayClock(start_min=0, end_min=120, speed=SPEEDS["1×"]).play(now=0.0)
    assert clock.position(60.0) == pytest.approx(1)  # real time: a minute a minute
    assert clock.with_speed(SPEEDS["60×"], now=60.0).position(120.0) == pytest.approx(61)


def test_a_waiting_question_stops_the_clock_exactly_at_its_minute():
    clock = ReplayClock(start_min=-10, end_min=90, speed=60).play(now=0.0)
    same, stopped = clock.hold_at(25.0, now=30.0)  # at minute 20: not there yet
    assert not stopped and same.playing
    held, stopped = clock.hold_at(25.0, now=40.0)  # minute 30 would be past it
    assert stopped and not held.playing and held.position(99.0) == 25
    assert clock.hold_at(None, now=40.0) == (clock, False)


def test_stepping_goes_to_the_target_paused_but_never_past_a_waiting_question():
    from dashboard.core.replay import next_after
    readings = [-12.0, -3.0, 5.0, 10.0, 15.0]
    assert next_after(readings, -12) == -3 and next_after(readings, 4.9) == 5 and next_after(readings, 15) is None
    clock = ReplayClock(start_min=-12, end_min=15, speed=20).play(now=0.0)
    stepped = clock.step_to(next_after(readings, clock.position(0.0)), now=0.0)
    assert stepped.position(50.0) == -3 and not stepped.playing
    assert clock.step_to(15.0, now=0.0, stop_min=5.0).position(0.0) == 5
    assert clock.step_to(None, now=0.0).position(0.0) == 15  # nothing left: the end


def test_alerts_at_a_moment_are_those_the_engine_gives_for_the_readings_so_far():
    """Causal: at each reading time the replay shows exactly what evaluating only the readings up to then gives."""
    from dashboard.core.alerts import evaluate
    from dashboard.core.protocol import default_protocol
    from dashboard.core.replay import alerts_at
    t0 = pd.Timestamp("2000-01-01 09:00", tz="UTC")
    minutes = [-5, 0, 5, 10, 15, 20, 25, 30]
    sbp = [130, 132, 150, 185, 190, 150, 128, 126]
    readings = pd.DataFrame({"measured_at": [t0 + pd.Timedelta(minutes=m) for m in minutes], "sbp": sbp,
                             "dbp": [80] * 8, "hr": [72] * 8})
    sessions = pd.DataFrame({"session_id": [1], "infusion_started_at": [t0], "infusion_stopped_at": [pd.NaT],
                             "discharged_at": [pd.NaT]})
    protocol = default_protocol()
    for m in minutes:
        moment = t0 + pd.Timedelta(minutes=m)
        shown = alerts_at(readings, sessions, protocol, moment)
        prefix = readings[readings["measured_at"] <= moment].assign(session_id=1)
        expected = evaluate(prefix, sessions, protocol, now=moment)
        assert shown.alerts[["rule", "vital", "level", "started_at"]].values.tolist() == \
            expected[["rule", "vital", "level", "started_at"]].values.tolist()
    at_10 = alerts_at(readings, sessions, protocol, t0 + pd.Timedelta(minutes=10))
    assert at_10.banner()["summary"].str.contains("SBP 185 beyond critical").any()  # the nurse's banner text
    new = at_10.started_between(t0 + pd.Timedelta(minutes=5), t0 + pd.Timedelta(minutes=10))
    assert len(new) == 1  # one toast for the event that started at minute 10
    later = alerts_at(readings, sessions, protocol, t0 + pd.Timedelta(minutes=30))
    assert later.banner().empty  # the crisis has ended by minute 30: no banner any more
    assert later.overdue().empty


def test_no_blood_pressure_for_longer_than_the_interval_shows_as_overdue_at_that_replay_moment():
    from dashboard.core.protocol import default_protocol
    from dashboard.core.replay import alerts_at
    t0 = pd.Timestamp("2000-01-01 09:00", tz="UTC")
    readings = pd.DataFrame({"measured_at": [t0 + pd.Timedelta(minutes=m) for m in (0, 5, 10, 20, 30)],
                             "sbp": [130, 131, float("nan"), float("nan"), float("nan")], "dbp": [80, 81] + [None] * 3,
                             "hr": [72] * 5})
    sessions = pd.DataFrame({"session_id": [1], "infusion_started_at": [t0], "infusion_stopped_at": [pd.NaT],
                             "discharged_at": [pd.NaT]})
    assert alerts_at(readings, sessions, default_protocol(), t0 + pd.Timedelta(minutes=19)).overdue().empty
    assert len(alerts_at(readings, sessions, default_protocol(), t0 + pd.Timedelta(minutes=21)).overdue()) == 1
