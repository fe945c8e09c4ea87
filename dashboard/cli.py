"""Command line: `python -m dashboard run|seed|migrate|sessions|users|alerts|protocols|...` over the services."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from dashboard import DISCLAIMER
from dashboard.config import REPO_ROOT, database_url


def _engine():
    from dashboard.services.protocols import bootstrap
    from dashboard.store.db import get_engine, migrate
    url = database_url()
    migrate(url)
    engine = get_engine(url)
    bootstrap(engine)
    return engine


def cmd_migrate(args: argparse.Namespace) -> int:
    _engine()
    print(f"database is up to date: {_safe(database_url())}")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from dashboard.seed import load_samples
    loaded = load_samples(_engine(), Path(args.directory))
    print(f"loaded {loaded} sample session(s) into {_safe(database_url())}"
          + ("" if loaded else " (they were already there)"))
    return 0


def cmd_sample_data(args: argparse.Namespace) -> int:
    from dashboard.seed import write_sample_files
    write_sample_files(Path(args.out))
    print(f"wrote sample sessions to {args.out}")
    return 0


def cmd_sessions(args: argparse.Namespace) -> int:
    from dashboard.store.readings import reading_counts
    from dashboard.store.sessions import list_sessions
    engine = _engine()
    counts = reading_counts(engine)
    for s in list_sessions(engine):
        print(f"{s.id:>5}  {s.label}  [{s.status}]  {counts.get(s.id, 0)} readings")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from dashboard.seed import load_samples
    from dashboard.store.sessions import list_sessions
    from dashboard.services.accounts import needs_first_admin
    engine = _engine()
    if not args.no_samples and not list_sessions(engine):
        print(f"loaded {load_samples(engine)} sample session(s)")
    print(DISCLAIMER)
    if needs_first_admin(engine):
        print("No account exists yet: open the app and enter the set-up code it prints below to create the "
              "first admin, or stop here and run: python -m dashboard users add NAME --role admin")
    command = [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "dashboard" / "app.py"),
               "--server.port", str(args.port), *args.streamlit_args]
    os.chdir(REPO_ROOT)
    os.execv(sys.executable, command)
    return 0


def _password(args: argparse.Namespace) -> str:
    import getpass
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise SystemExit("error: the two passwords differ")
    return first


def cmd_users(args: argparse.Namespace) -> int:
    from dashboard.core.roles import SYSTEM_ACTOR
    from dashboard.services.accounts import Accounts
    accounts = Accounts(_engine(), SYSTEM_ACTOR)
    if args.action == "list":
        table = accounts.list()
        for row in table.itertuples():
            state = "disabled" if row.disabled else "active"
            print(f"{row.username:<20} {row.role:<11} {state:<9} {row.full_name}")
        return 0
    if not args.username:
        raise SystemExit(f"error: users {args.action} needs a USERNAME")
    if args.action == "add":
        accounts.add(args.username, args.full_name or args.username, args.role, _password(args),
                     must_change=args.must_change)
        print(f"added {args.username} ({args.role})")
    elif args.action == "disable":
        accounts.disable(args.username)
        print(f"disabled {args.username}")
    elif args.action == "enable":
        accounts.enable(args.username)
        print(f"enabled {args.username}")
    elif args.action == "reset-password":
        accounts.reset_password(args.username, _password(args))
        print(f"reset the password of {args.username}; they choose a new one at sign-in")
    return 0


def cmd_alerts(args: argparse.Namespace) -> int:
    import json

    import pandas as pd

    from dashboard.core.alerts import evaluate
    from dashboard.core.roles import SYSTEM_ACTOR
    from dashboard.services.alerting import session_frame
    from dashboard.services.protocols import Protocols, resolve
    from dashboard.store.errors import NotFound
    from dashboard.store.readings import session_readings
    from dashboard.store.sessions import find_session, get_session
    engine = _engine()
    session = find_session(engine, args.session) or (get_session(engine, int(args.session))
                                                      if args.session.isdigit() else None)
    if session is None:
        raise NotFound(f"no session {args.session!r}")
    protocol = (Protocols(engine, SYSTEM_ACTOR).current(args.protocol) if args.protocol
                else resolve(engine, session)[0])
    found = evaluate(session_readings(engine, session.id), session_frame(session), protocol)
    rows = [{"rule": r.rule, "vital": r.vital, "level": r.level, "priority": r.priority,
             "start": r.started_at.isoformat(), "end": None if pd.isna(r.ended_at) else r.ended_at.isoformat(),
             "peak_value": None if pd.isna(r.peak_value) else float(r.peak_value), "message": r.message}
            for r in found.itertuples()]
    from dashboard.core.alert_events import group
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


def cmd_protocols(args: argparse.Namespace) -> int:
    from dashboard.core.roles import SYSTEM_ACTOR
    from dashboard.services.protocols import Protocols
    protocols = Protocols(_engine(), SYSTEM_ACTOR)
    if args.action == "list":
        for name in protocols.names():
            history = protocols.history(name)
            print(f"{name}  (version {int(history['version'].max())}, {len(history)} version(s))")
        return 0
    if not args.name:
        raise SystemExit("error: protocols show needs a NAME")
    print(protocols.current(args.name).model_dump_json(indent=2))
    return 0


def cmd_grant(args: argparse.Namespace) -> int:
    from dashboard.store.grants import grant_app_role
    grant_app_role(_engine(), args.role)
    print(f"granted {args.role}: read and insert; update sessions and users only; no delete, no truncate")
    return 0


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url
    return make_url(url).render_as_string(hide_password=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dashboard",
        description="Infusion Vitals: record and watch vital signs during infusion sessions. "
                    "The database is DATABASE_URL (default: an SQLite file var/infusion_vitals.db).",
        epilog=DISCLAIMER,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="migrate, load the sample sessions into an empty database, start the app")
    run.add_argument("--port", type=int, default=8501)
    run.add_argument("--no-samples", action="store_true", help="do not load sample sessions")
    run.add_argument("streamlit_args", nargs=argparse.REMAINDER, help="further options for streamlit run")
    run.set_defaults(func=cmd_run)

    migrate = sub.add_parser("migrate", help="create or upgrade the database schema")
    migrate.set_defaults(func=cmd_migrate)

    seed = sub.add_parser("seed", help="load the sample sessions (skips those already loaded)")
    seed.add_argument("--directory", default=str(REPO_ROOT / "sample_data"))
    seed.set_defaults(func=cmd_seed)

    users = sub.add_parser("users", help="manage accounts: list, add, disable, enable, reset-password")
    users.add_argument("action", choices=["list", "add", "disable", "enable", "reset-password"])
    users.add_argument("username", nargs="?")
    users.add_argument("--role", choices=["nurse", "supervisor", "trainer", "admin"], default="nurse")
    users.add_argument("--full-name")
    users.add_argument("--must-change", action="store_true", help="ask for a new password at first sign-in")
    users.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    users.set_defaults(func=cmd_users)

    alerts = sub.add_parser("alerts", help="a session's alerts under its protocol (or another one)")
    alerts.add_argument("--session", required=True, help="session code (S-0002) or id")
    alerts.add_argument("--protocol", help="evaluate under this protocol instead (what-if)")
    alerts.add_argument("--json", action="store_true")
    alerts.set_defaults(func=cmd_alerts)

    protocols = sub.add_parser("protocols", help="list protocols, or show one's current version")
    protocols.add_argument("action", choices=["list", "show"])
    protocols.add_argument("name", nargs="?")
    protocols.set_defaults(func=cmd_protocols)

    grant = sub.add_parser("grant-app-role", help="PostgreSQL: give the app's role only the rights it needs "
                                                   "(run as the schema owner)")
    grant.add_argument("role")
    grant.set_defaults(func=cmd_grant)

    sessions = sub.add_parser("sessions", help="list sessions")
    sessions.set_defaults(func=cmd_sessions)

    sample = sub.add_parser("sample-data", help="regenerate the sample session files from the seeded generator")
    sample.add_argument("--out", default=str(REPO_ROOT / "sample_data"))
    sample.set_defaults(func=cmd_sample_data)
    from dashboard.cli_import import add_commands
    add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from dashboard.core.roles import PermissionDenied
    from dashboard.store.errors import StoreError
    try:
        return args.func(args)
    except (StoreError, PermissionDenied, ValueError) as error:  # one plain line for the user, no traceback
        print(f"error: {error}", file=sys.stderr)
        return 1
