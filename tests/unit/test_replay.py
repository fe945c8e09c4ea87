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
