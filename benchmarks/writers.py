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
           "starts; it stops when the last says its entries are done (they exit afterwards).")
def writers_case(quick: bool) -> Case:
    from tests.pgcluster import PgCluster
    per_session = size(5 if quick else 40)
    cluster = PgCluster(durable=True)  # commits flushed to disk, as a clinic's server does
    url = cluster.create_database("writers")
    engine = open_database(url)
    records = Records(engine, SYSTEM_ACTOR, "UTC")
    state: dict = {"round": 0, "workers": [], "per_session": per_session}

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
        with _cpu(state, "together", cluster):
            for worker, sid in zip(state["workers"], state["sessions"], strict=True):
                worker.stdin.write(f"go {sid} {per_session}\n")
                worker.stdin.flush()
            state["writer_cpu"] = _done(state["workers"])
        stop.set()
        watcher.join()

    def alone() -> None:
        with _cpu(state, "alone", cluster):
            first, *others = state["workers"]
            first.stdin.write(f"go {' '.join(map(str, state['sessions']))} {per_session}\n")
            first.stdin.flush()
            for worker in others:
                worker.stdin.write("exit\n")
                worker.stdin.flush()
            state["writer_cpu"] = _done([first])

    def cleanup() -> None:
        _stop(state["workers"])
        dispose(url)
        cluster.stop()
        samples, waiting, active = state.get("samples", 0), state.get("lock_waits", 0), state.get("active", 0)
        notes.append(f"while the 8 wrote, pg_stat_activity sampled every 50 ms: {samples} samples, "
                     f"{active} backend-samples running a statement, {waiting} waiting for a lock")
        saves = state.get("saves", {})
        for side in ("alone", "together"):
            n = saves.get(side, 0)
            if not n:
                continue
            wall, writer, server = (state.get(f"{side}_{k}", 0.0) * 1000 / n for k in ("wall", "writer_cpu",
                                                                                        "server_cpu"))
            notes.append(f"{side}: per entry {writer:.1f} ms of writer CPU and {server:.1f} ms of PostgreSQL CPU, "
                         f"one entry every {wall:.1f} ms: {(writer + server) / wall:.2f} cores busy")
        alone = state.get("alone_wall", 0.0)
        if alone and saves.get("alone"):
            busy = (state["alone_writer_cpu"] + state["alone_server_cpu"]) / alone
            notes.append(f"so on {os.cpu_count()} cores, writers that never wait for each other reach at most "
                         f"{os.cpu_count() / busy:.2f}x one writer's throughput (the cores / what one writer keeps "
                         f"busy); measured: 1 / ratio")

    notes = [f"{os.cpu_count()} CPU cores on this machine; load average at preparation "
             f"{os.getloadavg()[0]:.1f}: CPU-bound writers cannot go faster than the cores allow"]
    return Case(project=together, baseline=alone, setup=setup, cleanup=cleanup, notes=notes, peak=lambda: 0.0)


class _cpu:
    """Adds to state, summed over rounds, the block's wall seconds, the CPU seconds the writers report for their
    entries (state['writer_cpu'], set in the block) and the PostgreSQL server's CPU seconds in the block."""

    def __init__(self, state: dict, side: str, cluster):
        self.state, self.side, self.cluster = state, side, cluster

    def __enter__(self):
        self.server, self.wall = _server_cpu(self.cluster), time.perf_counter()

    def __exit__(self, *_exc):
        state, side = self.state, self.side
        for key, value in (("wall", time.perf_counter() - self.wall),
                           ("server_cpu", _server_cpu(self.cluster) - self.server),
                           ("writer_cpu", state.pop("writer_cpu", 0.0))):
            state[f"{side}_{key}"] = state.get(f"{side}_{key}", 0.0) + value
        saves = state.setdefault("saves", {})
        saves[side] = saves.get(side, 0) + WRITERS * state["per_session"]


_TICK = os.sysconf("SC_CLK_TCK")


def _server_cpu(cluster) -> float:
    """CPU seconds the PostgreSQL server has used so far: the postmaster's own and its ended children's, and
    those of its children still running (backends, background writers), from /proc."""
    def times(pid: int) -> list[int]:
        with open(f"/proc/{pid}/stat") as stat:
            return [int(v) for v in stat.read().rsplit(")", 1)[1].split()[11:15]]  # utime stime cutime cstime
    postmaster = int((cluster.dir / "data" / "postmaster.pid").read_text().split()[0])
    total = sum(times(postmaster))
    with open(f"/proc/{postmaster}/task/{postmaster}/children") as children:
        for child in children.read().split():
            try:
                total += sum(times(int(child))[:2])
            except FileNotFoundError:  # ended meanwhile: counted in the postmaster's cutime from now on
                pass
    return total / _TICK


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


def _done(workers: list[subprocess.Popen]) -> float:
    """Waits until each of these writers says its entries are done (they exit later, untimed); the CPU seconds
    they report for their entries."""
    cpu = 0.0
    for worker in workers:
        line = worker.stdout.readline()
        assert line.startswith("done "), f"writer {worker.pid} ended without finishing (exit {worker.wait()})"
        cpu += float(line.split()[1])
    return cpu


def _stop(workers: list[subprocess.Popen]) -> None:
    """Tells the writers of the last round to exit, and waits for them."""
    for worker in workers:
        try:
            worker.communicate(input="exit\n" if worker.poll() is None else None, timeout=120)
        except (subprocess.TimeoutExpired, BrokenPipeError, ValueError):
            worker.kill()
            worker.wait()
