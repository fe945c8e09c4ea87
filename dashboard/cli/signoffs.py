"""`sign-off --session CODE --as USER --meaning reviewed|approved`: a supervisor's electronic signature from the
shell, with the same refusals, warnings, password check and audit entry as the sign-off panel."""

from __future__ import annotations

import argparse
import sys

from dashboard.cli.common import acting, engine, plain


def add_commands(sub) -> None:
    parser = sub.add_parser(
        "sign-off", help="sign a session off as a supervisor (reviewed or approved), with your password",
        description="An electronic signature: refused, with each reason on its own line of standard error, while "
                    "a high-priority alert is unacknowledged or the infusion is not over; otherwise the warnings "
                    "(gaps such as no discharge time or a missing REMS blood pressure) are printed and kept with "
                    "the signature. The password is asked for, or read from standard input with --password-stdin.")
    parser.add_argument("--session", required=True, metavar="CODE", help="session code (S-0042) or id")
    parser.add_argument("--as", dest="as_user", required=True, metavar="USERNAME",
                        help="the supervisor signing (a signature needs a person: never the system)")
    parser.add_argument("--meaning", required=True, choices=["reviewed", "approved"],
                        help="reviewed: the record was read; approved: the care it records is approved")
    parser.add_argument("--password-stdin", action="store_true", help="read the signer's password from standard input")
    parser.set_defaults(func=cmd_sign_off)


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    import getpass
    return getpass.getpass(f"Password of {args.as_user}: ")


def cmd_sign_off(args: argparse.Namespace) -> int:
    from dashboard.cli.sessions import find_session
    from dashboard.config import clinic_timezone
    from dashboard.services.records import Records
    from dashboard.services.signoffs import Signoffs, SignoffRefused
    db = engine()
    actor = acting(db, args.as_user)
    actor.require("session.sign_off")  # before anything is read or printed
    tz = clinic_timezone()
    session = find_session(Records(db, actor, tz), args.session.strip())
    service = Signoffs(db, actor, tz)
    found = service.check(session.id)
    if found.refusals:
        for reason in found.refusals:
            print(plain(f"refused: {reason}"), file=sys.stderr)
        return 1
    for warning in found.warnings:
        print(plain(f"warning: {warning}"))
    try:
        signed = service.sign(session.id, password=_password(args), meaning=args.meaning,
                              acknowledge_warnings=found.warnings)
    except SignoffRefused as refused:  # something changed since the check: an alert raised meanwhile
        for reason in refused.reasons:
            print(plain(f"refused: {reason}"), file=sys.stderr)
        return 1
    print(plain(f"{session.code}: {signed.stamp(tz)} ({tz})" +
                (f", with {len(signed.warnings)} warning(s)" if signed.warnings else "")))
    return 0
