"""`sessions list|open|start|stop|discharge|event`: every session step, through the same service as the Record page."""

from __future__ import annotations

import argparse
import inspect
from datetime import date, datetime
from zoneinfo import ZoneInfo

from dashboard.cli.common import acting, add_as_option, engine, parse_time, plain

KINDS = {"side_effect": "side_effect", "moaas": "moaa_s", "cadss": "cadss"}  # command-line name -> stored kind
CODE_LENGTH = 40  # as the database holds session and patient codes
LIMITS = {"--infusion-number": (1, 99), "--weight-kg": (0.5, 400), "--dose-mg": (0.5, 1000)}  # as on the Record page
# step -> (Records method, what it records, the session field holding its time, help)
STEPS = {
    "start": ("start_infusion", "infusion started", "infusion_started_at", "record the infusion start"),
    "stop": ("stop_infusion", "infusion stopped", "infusion_stopped_at", "record the infusion stop"),
    "discharge": ("discharge", "discharged", "discharged_at", "record the patient's discharge"),
}


# `sessions list` options when not given (also `sessions` alone)
LIST_DEFAULTS = {"date_from": None, "date_to": None, "nurse": None, "patient": None, "protocol": None, "status": None,
                 "unacknowledged": False, "critical": False, "not_signed": False, "sort": "date", "ascending": False}


def add_commands(sub) -> None:
    sessions = sub.add_parser(
        "sessions", help="list sessions; open one, start and stop the infusion, discharge, record events",
        description="Every session step, checked by role and audited as on the Record page. Without a step: list.")
    sessions.set_defaults(func=cmd_list, json=False, as_user=None, **LIST_DEFAULTS)  # no step: the whole list
    steps = sessions.add_subparsers(dest="step", metavar="STEP")

    listing = steps.add_parser("list", help="sessions (all, or those matching the filters): patient, date, status, "
                                            "nurse, readings, alerts, signature",
                               description="Sessions, newest first, filtered as on the Sessions page.")
    listing.add_argument("--json", action="store_true", help="print one JSON object")
    add_list_filters(listing)
    add_as_option(listing)
    listing.set_defaults(func=cmd_list)

    opening = steps.add_parser("open", help="open a planned session (registering the patient with --new-patient)")
    opening.add_argument("code", metavar="CODE", help="the new session's code, e.g. S-0042")
    opening.add_argument("--patient", required=True, metavar="CODE", help="the patient's clinic code, e.g. P-1042")
    opening.add_argument("--new-patient", action="store_true", help="register the patient first")
    opening.add_argument("--date", required=True, metavar="YYYY-MM-DD", help="the session's day")
    opening.add_argument("--protocol", metavar="NAME",
                         help="run the session under this protocol (a session override: supervisors only); "
                              "default: the patient's or the clinic's")
    opening.add_argument("--infusion-start", metavar="ISO-TIME",
                         help="also record the infusion start (no offset: CLINIC_TZ)")
    opening.add_argument("--infusion-number", type=int, metavar="N", help="infusion number in the series")
    opening.add_argument("--weight-kg", type=float, metavar="KG")
    opening.add_argument("--dose-mg", type=float, metavar="MG", help="planned dose (default 0.5 mg/kg of the weight)")
    opening.add_argument("--confirm-second", action="store_true",
                         help="open it although the patient already has a session that day")
    add_as_option(opening)
    opening.set_defaults(func=cmd_open)

    for step, (_, _, _, help_text) in STEPS.items():
        parser = steps.add_parser(step, help=f"{help_text}, now or --at")
        parser.add_argument("code", metavar="CODE", help="session code (S-0042) or id")
        parser.add_argument("--at", metavar="ISO-TIME", help="when (default now; no offset: CLINIC_TZ)")
        if step == "start":
            parser.add_argument("--chair", metavar="NAME", help="the chair it runs in (see `chairs list`)")
        if step == "discharge":
            parser.add_argument("--override", metavar="REASON",
                                help="discharge although the checks refuse it, saying why (kept in the audit log)")
        add_as_option(parser)
        parser.set_defaults(func=cmd_step)

    move = steps.add_parser("move", help="move a session that has not been discharged to another chair")
    move.add_argument("code", metavar="CODE", help="session code (S-0042) or id")
    target = move.add_mutually_exclusive_group(required=True)
    target.add_argument("--chair", metavar="NAME", help="the chair it moves to (free now; see `chairs list`)")
    target.add_argument("--no-chair", action="store_true", help="it leaves its chair for none")
    add_as_option(move)
    move.set_defaults(func=cmd_move)

    event = steps.add_parser("event", help="record a side effect, a MOAA/S sedation or a CADSS dissociation score")
    event.add_argument("code", metavar="CODE", help="session code (S-0042) or id")
    event.add_argument("--kind", required=True, choices=list(KINDS))
    event.add_argument("--label", help="the side effect: Nausea, Vomiting, Headache, Dizziness, Dissociation, "
                                       "Hallucinations, Sedation, Anxiety or Other")
    event.add_argument("--severity", choices=["mild", "moderate", "severe"], help="of a side effect")
    event.add_argument("--score", type=int, help="MOAA/S 0-5 or CADSS 0-92")
    event.add_argument("--at", metavar="ISO-TIME", help="when (default now; no offset: CLINIC_TZ)")
    event.add_argument("--note")
    add_as_option(event)
    event.set_defaults(func=cmd_event)


def add_list_filters(parser: argparse.ArgumentParser) -> None:
    from dashboard.core.session_filter import SORTS
    from dashboard.core.sessions import STATUSES
    parser.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="sessions on or after this day")
    parser.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="sessions on or before this day")
    parser.add_argument("--nurse", metavar="USERNAME", help="sessions opened by this account")
    parser.add_argument("--patient", metavar="TEXT", help="patient codes containing this text (any case)")
    parser.add_argument("--protocol", metavar="NAME", help="sessions under this protocol")
    parser.add_argument("--status", action="append", choices=STATUSES, help="this status (repeat for several)")
    parser.add_argument("--unacknowledged", action="store_true",
                        help="only sessions with a high-priority alert nobody has acknowledged")
    parser.add_argument("--critical", action="store_true", help="only sessions with a high-priority alert")
    parser.add_argument("--not-signed", action="store_true", help="only sessions no supervisor has signed")
    parser.add_argument("--sort", choices=list(SORTS), default="date", help="sort by (default: date)")
    parser.add_argument("--ascending", action="store_true", help="oldest, lowest or A first (default: the reverse)")


def _day(text: str | None, flag: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{flag} {text!r} is not a day like 2026-11-02") from None


def list_filter(args: argparse.Namespace, page: int, page_size: int):
    from dashboard.core.session_filter import SessionFilter
    return SessionFilter(date_from=_day(args.date_from, "--from"), date_to=_day(args.date_to, "--to"),
                         nurse=args.nurse, patient=args.patient, protocol=args.protocol,
                         statuses=tuple(args.status or ()), unacknowledged=args.unacknowledged,
                         critical=args.critical, not_signed=args.not_signed, sort=args.sort,
                         descending=not args.ascending, page=page, page_size=page_size)


def find_session(records, code_or_id: str):
    """The session with this code (or, for digits, this id), as the records service lets the actor see it."""
    from dashboard.core.errors import NotFound
    by_code = {s.code: s for s in records.sessions()}
    if code_or_id in by_code:
        return by_code[code_or_id]
    if code_or_id.isdigit():
        return records.session(int(code_or_id))
    raise NotFound(f"no session {code_or_id!r}")


def service_options(method, **given: tuple[str, object]) -> dict:
    """Keyword arguments for flags the user gave ({parameter: (flag, value)}), only those given, and refused
    plainly when this version's service method does not take them yet."""
    wanted = {name: value for name, (flag, value) in given.items() if value not in (None, False)}
    accepted = inspect.signature(method).parameters
    for name in wanted:
        if name not in accepted:
            raise ValueError(f"{given[name][0]} is not supported by this version of Infusion Vitals")
    return wanted


def _records(args: argparse.Namespace):
    from dashboard.services.records import Records
    db = engine()
    return Records(db, acting(db, args.as_user), _tz())


def _tz() -> str:
    from dashboard.config import clinic_timezone
    return clinic_timezone()


def _when(text: str | None, tz: str, flag: str) -> datetime | None:
    """A time given on the command line, refused when in the future; None for now."""
    from dashboard.core.clock import utcnow
    from dashboard.core.validation import FUTURE_TOLERANCE
    if text is None:
        return None
    moment = parse_time(text, tz, flag)
    if moment > utcnow() + FUTURE_TOLERANCE:
        raise ValueError(f"{flag} {text} is in the future")
    return moment


def _local(moment: datetime, tz: str) -> str:
    return f"{moment.astimezone(ZoneInfo(tz)):%Y-%m-%d %H:%M} ({tz})"


def _code(text: str, what: str) -> str:
    code = text.strip()
    if not code:
        raise ValueError(f"a {what} code cannot be blank")
    if len(code) > CODE_LENGTH:
        raise ValueError(f"a {what} code has at most {CODE_LENGTH} characters")
    return code


def _new_alerts(records) -> None:
    for alert in records.raised.itertuples():
        print(f"  new alert ({alert.priority}): {plain(alert.message)}")


def _listed(args: argparse.Namespace) -> tuple[list[dict], str]:
    """Every session matching the options, read a page at a time, and the filters in words."""
    from dashboard.core.session_filter import LIST_COLUMNS, MAX_PAGE_SIZE
    from dashboard.services.session_search import SessionSearch
    db = engine()
    search = SessionSearch(db, acting(db, args.as_user))
    first = list_filter(args, 1, MAX_PAGE_SIZE)
    found, number = [], 1
    while True:
        page = search.page(list_filter(args, number, MAX_PAGE_SIZE))
        found += [dict(zip(LIST_COLUMNS, record)) for record in page.records]
        if number >= page.pages:
            break
        number += 1

    def value(v):
        return None if v is None or v != v else v  # NaN (a missing number or text) is null

    rows = [{"code": r["code"], "patient": r["patient_code"], "date": r["session_date"].isoformat(),
             "infusion_number": None if value(r["infusion_number"]) is None else int(r["infusion_number"]),
             "status": r["status"], "chair": r["chair"], "protocol": r["protocol"], "readings": int(r["readings"]),
             "unacknowledged_high_alerts": int(r["unacknowledged_high"]), "nurse": r["nurse"],
             "alerts_high": int(r["alerts_high"]), "alerts_medium": int(r["alerts_medium"]),
             "signed": value(r["signed_meaning"]), "signed_by": value(r["signed_by"])} for r in found]
    return rows, first.describe()


def cmd_list(args: argparse.Namespace) -> int:
    import json
    rows, described = _listed(args)
    if args.json:
        print(json.dumps({"count": len(rows), "sessions": rows}, ensure_ascii=False))
        return 0
    if not rows:
        print(plain(f"no session matches: {described}") if described else
              "no sessions yet: open one with `sessions open`, or load the samples with `seed`")
        return 0
    header = ("SESSION", "PATIENT", "DATE", "INFUSION", "STATUS", "CHAIR", "READINGS", "TO ACKNOWLEDGE", "NURSE",
              "SIGNED", "PROTOCOL")
    keys = ("code", "patient", "date", "infusion_number", "status", "chair", "readings", "unacknowledged_high_alerts",
            "nurse", "signature", "protocol")
    for row in rows:
        row["signature"] = f"{row['signed']} ({row['signed_by']})" if row["signed"] else "not signed"
    table = [header] + [tuple(plain("" if row[k] is None else row[k]) for k in keys) for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(header) - 1)]
    for line in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths)) + "  " + line[-1])
    print(plain(f"{len(rows)} session{'s' if len(rows) != 1 else ''}" + (f" ({described})" if described else "")))
    return 0


def cmd_open(args: argparse.Namespace) -> int:
    from dashboard.core.protocol import default_protocol
    from dashboard.services.protocols import Protocols
    code, patient = _code(args.code, "session"), _code(args.patient, "patient")
    try:
        day = date.fromisoformat(args.date)
    except ValueError:
        raise ValueError(f"--date {args.date!r} is not a day like 2026-11-02") from None
    for flag, value in (("--infusion-number", args.infusion_number), ("--weight-kg", args.weight_kg),
                        ("--dose-mg", args.dose_mg)):
        low, high = LIMITS[flag]
        if value is not None and not low <= value <= high:
            raise ValueError(f"{flag} {value:g} is outside {low:g}-{high:g}")
    started = _when(args.infusion_start, _tz(), "--infusion-start")
    records = _records(args)
    protocols = Protocols(records.engine, records.actor)
    # Every permission the whole command needs, before its first write: a refusal changes nothing.
    records.actor.require("session.create")
    if args.protocol:
        records.actor.require("protocol.edit")
        protocol = protocols.current(args.protocol).name
    else:
        protocol = default_protocol().name
    if started is not None:
        records.actor.require("session.infusion")
    options = service_options(records.open_session, confirm_second=("--confirm-second", args.confirm_second))
    dose = args.dose_mg if args.dose_mg is not None else (round(0.5 * args.weight_kg, 1) if args.weight_kg else None)
    session_id = records.open_session(day, patient_code=patient, new_patient=args.new_patient, protocol=protocol,
                                      infusion_number=args.infusion_number, planned_dose_mg=dose,
                                      weight_kg=args.weight_kg, code=code, **options)
    if args.protocol:
        protocols.assign("session", session_id, protocol, reason="chosen when the session was opened")
    session = records.session(session_id)
    number = f", infusion {session.infusion_number}" if session.infusion_number else ""
    print(plain(f"opened {session.code} for {session.patient_code} on {session.session_date:%Y-%m-%d}{number}"
                f" under {protocol}" + (" (new patient)" if args.new_patient else "")))
    if started is not None:
        records.start_infusion(session_id, started)
        print(plain(f"{session.code}: infusion started at {_local(started, records.tz)}"))
        _new_alerts(records)
    return 0


def cmd_step(args: argparse.Namespace) -> int:
    method_name, done, field, _ = STEPS[args.step]
    at = _when(args.at, _tz(), "--at")
    records = _records(args)
    session = find_session(records, args.code)
    method = getattr(records, method_name)
    options = service_options(method, override_reason=("--override", getattr(args, "override", None)),
                              chair=("--chair", getattr(args, "chair", None)))
    method(session.id, at, **options)
    moment = getattr(records.session(session.id), field)
    print(plain(f"{session.code}: {done} at {_local(moment, records.tz)}"))
    _new_alerts(records)
    return 0


def cmd_move(args: argparse.Namespace) -> int:
    records = _records(args)
    session = find_session(records, args.code)
    records.place_in_chair(session.id, None if args.no_chair else args.chair)
    chair = records.session(session.id).chair
    print(plain(f"{session.code}: in {chair}" if chair else f"{session.code}: in no chair"))
    return 0


def cmd_event(args: argparse.Namespace) -> int:
    from dashboard.core.clock import utcnow
    from dashboard.core.events import EVENT_KINDS, SIDE_EFFECTS
    kind = KINDS[args.kind]
    if kind == "side_effect":
        names = {name.lower(): name for name in SIDE_EFFECTS}
        if not args.label or args.label.strip().lower() not in names:
            raise ValueError(f"--kind side_effect needs --label, one of {', '.join(SIDE_EFFECTS)}")
        if args.score is not None:
            raise ValueError("a side effect takes no --score (give --severity)")
        label = names[args.label.strip().lower()]
    else:
        low, high = EVENT_KINDS[kind][1]
        if args.score is None:
            raise ValueError(f"--kind {args.kind} needs --score ({low}-{high})")
        if args.severity is not None:
            raise ValueError(f"{EVENT_KINDS[kind][0]} takes no --severity")
        label = EVENT_KINDS[kind][0]
    at = _when(args.at, _tz(), "--at") or utcnow()
    records = _records(args)
    session = find_session(records, args.code)
    records.add_event(session.id, kind, label, occurred_at=at, score=args.score, severity=args.severity,
                      note=args.note)
    what = f"{label} {args.score}" if args.score is not None else label + (f" ({args.severity})" if args.severity
                                                                            else "")
    print(plain(f"{session.code}: recorded {what} at {_local(at, records.tz)}"))
    return 0
