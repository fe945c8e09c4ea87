"""`board [--json]`: every chair's session in progress, most urgent first, as the Board page shows it."""

from __future__ import annotations

import argparse

from dashboard.cli.common import acting, add_as_option, engine, plain


def add_commands(sub) -> None:
    board = sub.add_parser("board", help="every session in progress (and today's planned), most urgent first",
                           description="The Board page's tiles in its order: unacknowledged high alerts, then "
                                       "medium, then BP overdue, then the rest by chair; planned sessions last.")
    board.add_argument("--json", action="store_true",
                       help="one JSON object: tiles, each with session, chair, phase, latest, highest_alert, "
                            "overdue, unacknowledged")
    add_as_option(board)
    board.set_defaults(func=cmd_board)


def cmd_board(args: argparse.Namespace) -> int:
    import json

    from dashboard.config import clinic_timezone
    from dashboard.core import board as words
    from dashboard.services.board import Board
    db = engine()
    tiles = Board(db, acting(db, args.as_user), clinic_timezone()).tiles()
    if args.json:
        print(json.dumps({"tiles": [t.as_dict() for t in tiles]}, ensure_ascii=False))
        return 0
    if not tiles:
        print("no session in progress and none planned today")
        return 0
    for t in tiles:
        alert = words.ALERT_WORDS[t.highest_alert] if not t.planned else ""
        head = f"{t.chair or 'no chair'} · {t.session} · {t.patient} · {words.phase_text(t)}"
        details = [words.vitals_text(t) if not t.planned else "", alert, words.bp_text(t),
                   words.acknowledgement_text(t)]
        print(plain(head))
        print(plain("    " + " | ".join(d for d in details if d)))
    return 0
