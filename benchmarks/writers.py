"""Writers figure: 8 nurses' computers typing readings at once into one PostgreSQL, against one doing the same
readings alone: writes to different sessions must not wait for each other (no table lock)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

from benchmarks.harness import Case, benchmark, size
from dashboard.core.clock import utcnow
from dashboard.core.roles import SYSTEM_ACTOR
from dashboard.services.records import Records
from dashboard.services.runtime import open_database
from dashboard.store.db import dispose

ROOT = Path(__file__).resolve().parents[1]
WRITERS = 8


@benchmark("writers_8_postgres", "the same readings by 1 writer",
           "8 processes, each a nurse typing 40 readings (quick 5) into its own running session through "
           "Records.record_reading (checked, audited, the session's alerts re-evaluated and stored, in one "
           "transaction), all at once into one PostgreSQL (throwaway local server, committing durably as a clinic's "
           "does: fsync and synchronous commit on). Baseline: one such process typing the same 8 x 40 readings into "
           "the 8 sessions in turn. ratio below 1: 8 writers finish sooner; "
           "throughput 8 writers / 1 writer = 1 / ratio. Processes start, import and connect before the clock "
           "starts.")
def writers_case(quick: bool) -> Case:
    from tests.pgcluster import PgCluster
    per_session = size(5 if quick else 40)
    cluster = PgCluster(durable=True)  # commits flushed to disk, as a clinic's server does
    url = cluster.create_database("writers")
    engine = open_database(url)
    records = Records(engine, SYSTEM_ACTOR, "UTC")
    state: dict = {"round": 0, "workers": []}

    def setup() -> None:
        """Eight fresh running sessions, and eight writer processes connected and waiting for 'go'."""
        _stop(state["workers"])
        state["round"] += 1
        start = utcnow() - timedelta(hours=2)
        state["sessions"] = []
        for w in range(WRITERS):
            code = f"W-{state['round']:03d}-{w}"
            sid = records.open_session(start.date(), patient_code=f"P-{code}", new_patient=True, code=code)
            records.start_infusion(sid, start)
            state["sessions"].append(sid)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        state["workers"] = [subprocess.Popen([sys.executable, "-m", "benchmarks.writer_worker", url, f"nurse{w}"],
                                             cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                             text=True) for w in range(WRITERS)]
        for worker in state["workers"]:
            assert worker.stdout.readline().strip() == "ready"

    def together() -> None:
        stop = threading.Event()
        watcher = threading.Thread(target=_watch_locks, args=(cluster.dsn("writers"), stop, state))
        watcher.start()
        with _cpu(state, "together"):
            for worker, sid in zip(state["workers"], state["sessions"], strict=True):
                worker.stdin.write(f"go {sid} {per_session}\n")
                worker.stdin.flush()
            _finish(state["workers"])
        stop.set()
        watcher.join()

    def alone() -> None:
        with _cpu(state, "alone"):
            first, *others = state["workers"]
            first.stdin.write(f"go {' '.join(map(str, state['sessions']))} {per_session}\n")
            first.stdin.flush()
            for worker in others:
                worker.stdin.write("exit\n")
                worker.stdin.flush()
            _finish(state["workers"])

    def cleanup() -> None:
        _stop(state["workers"])
        dispose(url)
        cluster.stop()
        samples, waiting, active = state.get("samples", 0), state.get("lock_waits", 0), state.get("active", 0)
        notes.append(f"while the 8 wrote, pg_stat_activity sampled every 50 ms: {samples} samples, "
                     f"{active} backend-samples running a statement, {waiting} waiting for a lock")
        for side in ("together", "alone"):
            cpu, wall = state.get(f"{side}_cpu", 0.0), state.get(f"{side}_wall", 0.0)
            notes.append(f"{side}: the writer processes used {cpu:.1f} s of CPU in {wall:.1f} s "
                         f"({cpu / wall if wall else 0:.2f} cores busy on average)")

    notes = [f"{os.cpu_count()} CPU cores on this machine; load average at preparation "
             f"{os.getloadavg()[0]:.1f}: CPU-bound writers cannot go faster than the cores allow"]
    return Case(project=together, baseline=alone, setup=setup, cleanup=cleanup, notes=notes, peak=lambda: 0.0)


class _cpu:
    """Adds the writer processes' CPU seconds and the wall seconds of the block to state (summed over rounds)."""

    def __init__(self, state: dict, side: str):
        self.state, self.side = state, side

    def __enter__(self):
        times = os.times()
        self.cpu, self.wall = times.children_user + times.children_system, time.perf_counter()

    def __exit__(self, *_exc):
        times = os.times()
        for key, value in (("cpu", times.children_user + times.children_system - self.cpu),
                           ("wall", time.perf_counter() - self.wall)):
            self.state[f"{self.side}_{key}"] = self.state.get(f"{self.side}_{key}", 0.0) + value


def _watch_locks(dsn: str, stop: threading.Event, state: dict) -> None:
    """Counts, every 50 ms, the writers' backends running a statement and those waiting for a lock."""
    import psycopg
    with psycopg.connect(dsn, autocommit=True) as conn:
        while not stop.is_set():
            active, waiting = conn.execute(
                "SELECT count(*) FILTER (WHERE state = 'active'), count(*) FILTER (WHERE wait_event_type = 'Lock') "
                "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()
            state["samples"] = state.get("samples", 0) + 1
            state["active"] = state.get("active", 0) + active
            state["lock_waits"] = state.get("lock_waits", 0) + waiting
            time.sleep(0.05)


def _finish(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        out, _ = worker.communicate(timeout=3600)
        assert worker.returncode == 0, out


def _stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
