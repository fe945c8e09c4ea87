"""Programs the many-writers tests start as separate processes, each waiting for the same start moment.

    python -m tests.writers readings URL START_AT SESSION_ID FIRST_SECOND STEP N   # N typed entries, one nurse
    python -m tests.writers sign_in URL START_AT USERNAME                           # one wrong password
    python -m tests.writers acknowledge URL START_AT SESSION_ID ROUNDS             # a nurse acknowledging alerts
"""

from __future__ import annotations

import sys
import time
from datetime import timedelta

from dashboard.core.roles import Actor
from dashboard.services.records import Records
from dashboard.store.db import get_engine


def wait_until(start_at: float) -> None:
    time.sleep(max(0.0, start_at - time.time()))


def readings(url: str, session_id: int, first_second: int, step: int, n: int) -> None:
    """Typed entries through the Record page's service: validated, audited, alerts refreshed, one by one."""
    records = Records(get_engine(url), Actor(f"writer{first_second}", "nurse"), "UTC")
    session = records.session(session_id)
    for i in range(n):
        second = first_second + i * step
        sbp = "192" if i % 50 == 7 else str(110 + i % 20)  # now and then a critical SBP: alerts race too
        result, reading_id = records.record_reading(
            session_id, {"sbp": sbp, "dbp": "75", "hr": str(60 + i % 30), "spo2": "98"},
            measured_at=session.infusion_started_at + timedelta(seconds=second))
        if reading_id is None:
            raise SystemExit(f"refused: {result.problems}")


def acknowledge(url: str, session_id: int, rounds: int) -> None:
    """A second nurse acknowledging each high alert event of the session as it appears, while entries land."""
    from dashboard.services.alerting import ACK_ACTIONS, Alerting
    alerting = Alerting(get_engine(url), Actor("charge", "nurse"))
    for _ in range(rounds):
        events = alerting.events(session_id)
        waiting = events[(events["priority"] == "high") & events["acked_at"].isna() & events["withdrawn_at"].isna()]
        for event_id in waiting["id"]:
            alerting.acknowledge_event(int(event_id), [ACK_ACTIONS[0]])
        time.sleep(0.05)


def sign_in(url: str, username: str) -> None:
    from dashboard.services.accounts import SignInFailed, sign_in as attempt
    try:
        attempt(get_engine(url), username, "not the password at all")
    except SignInFailed:
        return
    raise SystemExit("a wrong password was accepted")


if __name__ == "__main__":
    kind, url, start_at, *rest = sys.argv[1:]
    from dashboard.store.db import get_engine as _warm
    _warm(url).connect().close()  # connected before the start moment: the writes are what collide
    wait_until(float(start_at))
    if kind == "readings":
        readings(url, *map(int, rest))
    elif kind == "acknowledge":
        acknowledge(url, *map(int, rest))
    else:
        sign_in(url, *rest)
