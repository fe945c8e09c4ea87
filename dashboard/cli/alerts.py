"""`alerts --session S-0002 [--protocol NAME] [--json]`: a session's alerts, or what another protocol would raise."""

from __future__ import annotations

import argparse

from dashboard.cli.common import acting, add_as_option, engine


def add_commands(sub) -> None:
    alerts = sub.add_parser("alerts", help="a session's alerts under its protocol (or another one)")
    alerts.add_argument("--session", required=True, help="session code (S-0002) or id")
    alerts.add_argument("--protocol", help="evaluate under this protocol instead (what-if)")
    alerts.add_argument("--json", action="store_true")
    add_as_option(alerts)
    alerts.set_defaults(func=cmd_alerts)


def cmd_alerts(args: argparse.Namespace) -> int:
    import json

    import pandas as pd

    from dashboard.cli.sessions import find_session
    from dashboard.config import clinic_timezone
    from dashboard.core.alert_events import group
    from dashboard.core.alerts import evaluate
    from dashboard.services.alerting import session_frame
    from dashboard.services.protocols import Protocols, resolve
    from dashboard.services.records import Records
    db = engine()
    actor = acting(db, args.as_user)
    records = Records(db, actor, clinic_timezone())
    session = find_session(records, args.session)
    protocol = Protocols(db, actor).current(args.protocol) if args.protocol else resolve(db, session)[0]
    found = evaluate(records.readings(session.id), session_frame(session), protocol)
    rows = [{"rule": r.rule, "vital": r.vital, "level": r.level, "priority": r.priority,
             "start": r.started_at.isoformat(), "end": None if pd.isna(r.ended_at) else r.ended_at.isoformat(),
             "peak_value": None if pd.isna(r.peak_value) else float(r.peak_value), "message": r.message}
            for r in found.itertuples()]
    events = [{"priority": e.priority, "start": e.started_at.isoformat(),
               "end": None if pd.isna(e.ended_at) else e.ended_at.isoformat(), "rules": int(e.members),
               "summary": e.summary} for e in group(found).itertuples()]
    if args.json:
        print(json.dumps({"session": session.code, "protocol": protocol.name, "version": protocol.version,
                          "alerts": rows, "events": events}))
    else:
        print(f"{session.code} under {protocol.name} v{protocol.version}: {len(events)} event(s), "
              f"{len(rows)} alert(s)")
        for e in events:
            print(f"  event {e['start']} -> {e['end'] or 'active'}  {e['summary']}")
        for r in rows:
            print(f"  {r['priority']:<6} {r['rule']:<18} {r['vital']:<8} {r['start']} -> {r['end'] or 'active'}"
                  f"  peak {r['peak_value']}")
    return 0
