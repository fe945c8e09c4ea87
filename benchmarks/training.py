"""Training figure: what the scenario player works out on every tick (the alerts at the replay moment, from the
readings so far) on a 4-hour 1 Hz scenario, against one bare evaluation of the same readings."""

from __future__ import annotations

import pandas as pd

from benchmarks.harness import Case, benchmark, size
from benchmarks.record_page import session_vitals
from dashboard.core.alerts import evaluate
from dashboard.core.protocol import default_protocol
from dashboard.core.replay import alerts_at
from dashboard.core.scenarios import REFERENCE_START

READINGS = 14_400  # 4 hours at 1 Hz, as an imported monitor export becomes a scenario


@benchmark("replay_tick_14400", "evaluate() of the same readings, once",
           "dashboard.core.replay.alerts_at at the scenario's last minute: the readings so far cut by the replay "
           "clock, every rule of the protocol with the BP interval up to that moment, grouped into events for the "
           "banner and toasts (what the player does each second while playing); 14,400 readings (quick 3,600)")
def replay_tick(quick: bool) -> Case:
    n = size(READINGS // 4 if quick else READINGS)
    readings = session_vitals(n, REFERENCE_START, 1.0)
    sessions = pd.DataFrame({"session_id": [1], "infusion_started_at": [REFERENCE_START],
                             "infusion_stopped_at": [REFERENCE_START + pd.Timedelta(minutes=40)],
                             "discharged_at": pd.to_datetime([None], utc=True)})
    moment = readings["measured_at"].iloc[-1]
    protocol = default_protocol()
    bare = readings.assign(session_id=1)
    return Case(project=lambda: alerts_at(readings, sessions, protocol, moment),
                baseline=lambda: evaluate(bare, sessions, protocol))
