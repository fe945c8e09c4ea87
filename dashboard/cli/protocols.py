"""`protocols list|show NAME`: the alert protocols and their current versions."""

from __future__ import annotations

import argparse

from dashboard.cli.common import acting, add_as_option, engine


def add_commands(sub) -> None:
    protocols = sub.add_parser("protocols", help="list protocols, or show one's current version")
    protocols.add_argument("action", choices=["list", "show"])
    protocols.add_argument("name", nargs="?")
    add_as_option(protocols)
    protocols.set_defaults(func=cmd_protocols)


def cmd_protocols(args: argparse.Namespace) -> int:
    from dashboard.services.protocols import Protocols
    db = engine()
    protocols = Protocols(db, acting(db, args.as_user))
    if args.action == "list":
        for name in protocols.names():
            history = protocols.history(name)
            print(f"{name}  (version {int(history['version'].max())}, {len(history)} version(s))")
        return 0
    if not args.name:
        raise SystemExit("error: protocols show needs a NAME")
    print(protocols.current(args.name).model_dump_json(indent=2))
    return 0
