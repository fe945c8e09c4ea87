"""`users list|add|disable|enable|reset-password`: accounts, managed from the server's shell."""

from __future__ import annotations

import argparse
import sys

from dashboard.cli.common import engine
from dashboard.core.roles import ROLES


def add_commands(sub) -> None:
    users = sub.add_parser("users", help="manage accounts: list, add, disable, enable, reset-password")
    users.add_argument("action", choices=["list", "add", "disable", "enable", "reset-password"])
    users.add_argument("username", nargs="?")
    users.add_argument("--role", choices=list(ROLES), default="nurse")
    users.add_argument("--full-name")
    users.add_argument("--must-change", action="store_true", help="ask for a new password at first sign-in")
    users.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    users.set_defaults(func=cmd_users)


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
    accounts = Accounts(engine(), SYSTEM_ACTOR)
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
