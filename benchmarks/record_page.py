"""Record page figure: an AppTest rerun on a 4-hour 1 Hz session against the same page on a 100-reading session."""

from __future__ import annotations

import logging
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.harness import Case, benchmark, size
from dashboard.core.roles import Actor
from dashboard.services.alerting import refresh
from dashboard.store import events as store_events
from dashboard.store import readings as store_readings
from dashboard.store import sessions as store_sessions
from dashboard.store.db import begin, dispose, get_engine, migrate

TZ = "America/New_York"
APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
BIG, SMALL = 14_400, 100  # 4 hours at 1 Hz (a monitor export or feed); a hand-typed session
NURSE = Actor("bench", "nurse")
SIDE_EFFECTS = (("Nausea", "mild"), ("Dizziness", "moderate"), ("Headache", "mild"), ("Vomiting", "severe"))


def session_vitals(n: int, start: pd.Timestamp, step_s: float, seed: int = 0) -> pd.DataFrame:
    """n readings every step_s seconds from 10 minutes before start: monitor-like noise, a few breaches."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    drift = np.sin(t / max(n, 1) * 3 * np.pi)
    sbp = (128 + 12 * drift + rng.normal(0, 4, n)).round()
    sbp[rng.choice(n, max(1, n // 1000), replace=False)] = 186  # critical highs the chart must keep
    frame = pd.DataFrame({
        "measured_at": start - pd.Timedelta(minutes=10) + pd.to_timedelta(t * step_s, unit="s"),
        "sbp": sbp,
        "dbp": np.minimum((80 + 6 * drift + rng.normal(0, 3, n)).round(), sbp - 30),
        "hr": (76 + 8 * drift + rng.normal(0, 3, n)).round(),
        "spo2": np.clip(rng.normal(97, 0.8, n).round(), 85, 100),
        "rr": (14 + rng.normal(0, 1, n)).round(),
        "bp_method": "arterial" if step_s < 60 else "cuff",
    })
    return frame


def _add_session(engine, patient: int, day: date, n: int, step_s: float, code: str) -> int:
    start = pd.Timestamp(f"{day} 09:00", tz=TZ).tz_convert("UTC")
    session_id = store_sessions.create_session(engine, patient, day, by="bench", protocol="IV ketamine clinic default",
                                               infusion_number=1, code=code)
    store_sessions.start_infusion(engine, session_id, start.to_pydatetime())
    frame = session_vitals(n, start, step_s)
    frame["session_id"] = session_id
    store_readings.add_readings(engine, frame, by="bench")
    first = store_readings.session_readings(engine, session_id)["id"].iloc[:3].tolist()
    for reading_id in first:  # a few corrections, so the versions table has history to show
        store_readings.correct_reading(engine, int(reading_id), {"sbp": 130, "dbp": 80, "hr": 75},
                                       reason="digits transposed", by="bench")
    for i, (label, severity) in enumerate(SIDE_EFFECTS):
        store_events.add_event(engine, session_id, "side_effect", label, by="bench", severity=severity,
                               occurred_at=(start + pd.Timedelta(minutes=12 + 25 * i)).to_pydatetime())
    store_events.add_event(engine, session_id, "moaa_s", "MOAA/S", score=4, by="bench",
                           occurred_at=(start + pd.Timedelta(minutes=30)).to_pydatetime())
    with begin(engine) as conn:
        refresh(conn, session_id, NURSE)
    return session_id


def build_database(url: str, big: int, small: int) -> tuple[int, int]:
    """A migrated database with the two sessions (ids of the big and the small one)."""
    migrate(url)
    engine = get_engine(url)
    patient = store_sessions.create_patient(engine, "P-BENCH", by="bench")
    day = date.today() - timedelta(days=2)
    return (_add_session(engine, patient, day, big, 1.0, "BENCH-BIG"),
            _add_session(engine, patient, day - timedelta(days=1), small, 60.0, "BENCH-SMALL"))


def app_page(state: dict, page: str | None = None, name: str = "Record"):
    """The app under AppTest with this session state (a signed-in user), switched to a page, first run done
    (caches warm as after the first visit)."""
    from streamlit.testing.v1 import AppTest

    # AppTest sets session state before its first run, outside a script run: harmless, but it warns each time.
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(logging.ERROR)
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in state.items():
        at.session_state[key] = value
    if page:
        at.switch_page(page)
    at.run()
    if at.exception:
        raise RuntimeError(f"the {name} page failed: {at.exception[0].message}")
    return at


def record_page(session_id: int, who: Actor = NURSE):
    """The Record page as a signed-in user (a nurse by default), first run done."""
    return app_page({"actor": who, "full_name": "Bench", "session_id": session_id})


def app_database(prefix: str) -> tuple[str, Callable[[], None]]:
    """A fresh SQLite file for the app under AppTest (DATABASE_URL and CLINIC_TZ point at it) and the cleanup that
    puts the environment back and removes it."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    url = f"sqlite:///{work / 'app.db'}"
    saved = {key: os.environ.get(key) for key in ("DATABASE_URL", "CLINIC_TZ")}
    os.environ.update(DATABASE_URL=url, CLINIC_TZ=TZ)

    def cleanup() -> None:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
        dispose(url)
        shutil.rmtree(work, ignore_errors=True)

    return url, cleanup


def rerun_after_new_reading(engine, at, session_id: int, repeat: int = 3) -> float:
    """Median time of a rerun just after a reading was stored (what a nurse's save costs: the chart is rebuilt)."""
    times = []
    last = store_readings.session_readings(engine, session_id)["measured_at"].iloc[-1]
    for i in range(repeat):
        store_readings.add_reading(engine, session_id, {"sbp": 131, "dbp": 84, "hr": 77, "spo2": 97, "rr": 14},
                                   measured_at=(last + pd.Timedelta(seconds=i + 1)).to_pydatetime(), by="bench")
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@benchmark("record_page_rerun", "the same page on a 100-reading session",
           "One AppTest rerun of the Record page on a 4-hour session at 1 Hz (14,400 readings, quick 3,600) "
           "against the same rerun on a 100-reading session, both in one SQLite database, caches warm.")
def record_page_case(quick: bool) -> Case:
    url, cleanup = app_database("bench-record-")
    n_big = size(3_600 if quick else BIG, floor=SMALL)
    big_id, small_id = build_database(url, n_big, SMALL)
    big, small = record_page(big_id), record_page(small_id)
    engine = get_engine(url)
    after_big, after_small = rerun_after_new_reading(engine, big, big_id), rerun_after_new_reading(engine, small, small_id)
    notes = [f"rerun just after a new reading is stored (chart rebuilt, not a figure): {n_big:,} readings "
             f"{after_big:.3f} s, {SMALL} readings {after_small:.3f} s, {after_big / after_small:.2f}x"]
    return Case(project=big.run, baseline=small.run, cleanup=cleanup, notes=notes)
