"""`chairs list|add|retire`: the clinic's chairs, through the same service as the app."""

from __future__ import annotations

import argparse

from dashboard.cli.common import acting, add_as_option, engine, plain


def add_commands(sub) -> None:
    chairs = sub.add_parser("chairs", help="the clinic's chairs: list, add, retire",
                            description="A session is placed in a chair when its infusion starts "
                                        "(`sessions start CODE --chair NAME`) and leaves it at discharge.")
    chairs.set_defaults(func=cmd_list, json=False, retired=False, as_user=None)
    steps = chairs.add_subparsers(dest="step", metavar="STEP")
    listing = steps.add_parser("list", help="every chair with the session in it now")
    listing.add_argument("--json", action="store_true")
    listing.add_argument("--retired", action="store_true", help="retired chairs too")
    add_as_option(listing)
    listing.set_defaults(func=cmd_list)
    for step, help_text in (("add", "add a chair (supervisors, admins)"),
                            ("retire", "retire a chair: no session is placed in it any more (supervisors, admins)")):
        parser = steps.add_parser(step, help=help_text)
        parser.add_argument("name", metavar="NAME", help='the chair\'s name, e.g. "Chair 3"')
        add_as_option(parser)
        parser.set_defaults(func=cmd_change)


def _chairs(args: argparse.Namespace):
    from dashboard.services.chairs import Chairs
    db = engine()
    return Chairs(db, acting(db, args.as_user))


def cmd_list(args: argparse.Namespace) -> int:
    import json
    chairs = _chairs(args).list(retired=args.retired)
    rows = [{"name": c.name, "session": c.session_code, "retired": c.retired_at is not None} for c in chairs]
    if args.json:
        print(json.dumps({"chairs": rows}, ensure_ascii=False))
    elif not rows:
        print('no chairs yet: add one with `chairs add "Chair 1"`')
    for row in rows if not args.json else []:
        state = "retired" if row["retired"] else (row["session"] or "free")
        print(plain(f"{row['name']:<24} {state}"))
    return 0


def cmd_change(args: argparse.Namespace) -> int:
    chairs = _chairs(args)
    if args.step == "add":
        chairs.add(args.name)
        print(plain(f"added {' '.join(args.name.split())}"))
    else:
        chairs.retire(args.name)
        print(plain(f"retired {' '.join(args.name.split())}"))
    return 0
