"""One nurse's computer for the writers figure: connects, says 'ready', then on 'go SESSION_IDS N' types N
readings into each of those sessions in turn (the Record page's service: checked, audited, alerts refreshed), and
says 'done' with the CPU seconds that took, then waits to be told to exit."""

from __future__ import annotations

import sys
import time
from datetime import timedelta

from dashboard.core.roles import Actor
from dashboard.services.records import Records
from dashboard.store.db import get_engine


def main(url: str, name: str) -> None:
    records = Records(get_engine(url), Actor(name, "nurse"), "UTC")
    records.sessions()  # connected and warm before the clock starts
    print("ready", flush=True)
    command = sys.stdin.readline().split()
    if not command or command[0] != "go":
        return
    *session_ids, n = map(int, command[1:])
    cpu = time.process_time()
    for session_id in session_ids:
        start = records.session(session_id).infusion_started_at
        for i in range(n):
            result, reading_id = records.record_reading(
                session_id, {"sbp": str(110 + i % 25), "dbp": "75", "hr": str(60 + i % 30), "spo2": "98"},
                measured_at=start + timedelta(seconds=5 * i))
            if reading_id is None:
                raise SystemExit(f"refused: {result.problems}")
    print(f"done {time.process_time() - cpu:.4f}", flush=True)  # this process's CPU seconds for its entries
    sys.stdin.readline()  # exits when told (or at end of input): its teardown is not part of the figure


if __name__ == "__main__":
    main(*sys.argv[1:])
