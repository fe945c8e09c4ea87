"""`backup --out FILE`, `restore FILE`, `health`: the operator's care of the clinic's database."""

from __future__ import annotations

import argparse
from pathlib import Path

from dashboard.cli.common import safe_url
from dashboard.config import database_url


def add_commands(sub) -> None:
    backup = sub.add_parser("backup", help="a consistent copy of the whole database, taken while the app runs",
                            description="SQLite: the online backup API (a database file). PostgreSQL: pg_dump's "
                                        "custom format (needs PostgreSQL's client tools).")
    backup.add_argument("--out", required=True, metavar="FILE", help="the new backup file (never overwritten)")
    backup.set_defaults(func=cmd_backup)

    restore = sub.add_parser("restore", help="a backup into an empty database (DATABASE_URL)",
                             description="Refused unless the database is empty. PostgreSQL: create the database "
                                         "first, restore as its owner, then run grant-app-role again.")
    restore.add_argument("file", metavar="FILE", help="a file written by `backup`")
    restore.set_defaults(func=cmd_restore)

    health = sub.add_parser("health", help="exit 0 when the database answers and its schema is current, else 1",
                            description="For the clinic's monitoring: reaches the database, reads it, compares its "
                                        "schema with this version's. Changes nothing.")
    health.add_argument("--json", action="store_true", help="one JSON object: ok, problem, schema, expected, "
                                                             "latency_ms")
    health.set_defaults(func=cmd_health)


def cmd_backup(args: argparse.Namespace) -> int:
    from dashboard.services.runtime import backup_database
    out = Path(args.out)
    backup_database(out)
    print(f"backed up {safe_url(database_url())} to {out} ({out.stat().st_size:,} bytes)")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from dashboard.services.runtime import check_health, restore_database
    restore_database(Path(args.file))
    state = check_health()
    print(f"restored {args.file} into {safe_url(database_url())}" +
          ("" if state.ok else f"; {state.problem}"))
    return 0


def cmd_health(args: argparse.Namespace) -> int:
    import json

    from dashboard.services.runtime import check_health
    state = check_health()
    if args.json:
        print(json.dumps(state.as_dict()))
    elif state.ok:
        print(f"ok: {safe_url(database_url())} answers in {state.latency_ms:.0f} ms, schema {state.schema}")
    else:
        print(f"not ok: {state.problem}")
    return 0 if state.ok else 1
