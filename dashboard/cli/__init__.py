"""Command line: `python -m dashboard COMMAND ...`; each command group is a module here, over the services."""

from __future__ import annotations

import argparse
import sys

from dashboard import DISCLAIMER
from dashboard.cli import (alerts, board, chairs, database, grants, imports, operations, protocols, review, run,
                           sample_data, scenarios, sessions, signoffs, users)

# In the order `--help` lists them.
GROUPS = (run, database, users, alerts, protocols, grants, sessions, sample_data, imports, review, signoffs, scenarios,
          board, chairs, operations)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dashboard",
        description="Infusion Vitals: record and watch vital signs during infusion sessions. "
                    "The database is DATABASE_URL (default: an SQLite file var/infusion_vitals.db).",
        epilog=DISCLAIMER,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from dashboard import oplog
    oplog.configure(server=False)
    from dashboard.core.errors import StoreError
    from dashboard.core.roles import PermissionDenied
    try:
        return args.func(args)
    except (StoreError, PermissionDenied, ValueError) as error:  # one plain line for the user, no traceback
        print(f"error: {error}", file=sys.stderr)
        return 1
