"""`grant-app-role`: PostgreSQL rights for the app's own role, run as the schema owner."""

from __future__ import annotations

import argparse

from dashboard.cli.common import engine


def add_commands(sub) -> None:
    grant = sub.add_parser("grant-app-role", help="PostgreSQL: give the app's role only the rights it needs "
                                                   "(run as the schema owner)")
    grant.add_argument("role")
    grant.set_defaults(func=cmd_grant)


def cmd_grant(args: argparse.Namespace) -> int:
    from dashboard.services.runtime import grant_app_role
    grant_app_role(engine(), args.role)
    print(f"granted {args.role}: read and insert; update sessions and users only; no delete, no truncate")
    return 0
