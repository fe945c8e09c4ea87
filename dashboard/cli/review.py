"""`summary --session CODE [--json]` and `export --session CODE --format csv|fhir|report [--out PATH]`: a session's
review summary and its files, through the review service (--as USER: that account's rights)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dashboard.cli.common import acting, add_as_option, engine, plain, zone

EXPORT_EPILOG = """\
csv: the readings in force in the import template's columns plus bp_method (text a spreadsheet would run as a
formula gets a leading apostrophe). fhir: a FHIR R4 Bundle (JSON) of vital-sign Observations. report: the
one-page PDF report; it is written to --out, or to standard output only when that is a file or a pipe (never
to a terminal). csv and fhir go to standard output without --out."""


def add_commands(sub) -> None:
    summary = sub.add_parser("summary", help="a session's review summary (peaks, time beyond limits, readiness...)")
    summary.add_argument("--session", required=True, metavar="CODE", help="session code (S-0002) or id")
    summary.add_argument("--json", action="store_true", help="print one JSON object (times in ISO 8601, UTC)")
    summary.add_argument("--tz", metavar="ZONE", help="time zone of the times in the text (default: CLINIC_TZ)")
    add_as_option(summary)
    summary.set_defaults(func=cmd_summary)

    exp = sub.add_parser("export", help="write a session as CSV, a FHIR R4 Bundle or the PDF report",
                         description="Write a session's readings or report.", epilog=EXPORT_EPILOG,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    exp.add_argument("--session", metavar="CODE", required=True, help="session code (S-0002) or id")
    exp.add_argument("--format", choices=["csv", "fhir", "report"], default="csv")
    exp.add_argument("--out", metavar="PATH", help="write to this file (default: standard output)")
    exp.add_argument("--tz", metavar="ZONE", help="time zone of the written times (default: CLINIC_TZ)")
    add_as_option(exp)
    exp.set_defaults(func=cmd_export)


def _service(args):
    from dashboard.services.review import Review
    db = engine()
    return Review(db, acting(db, args.as_user), zone(args.tz))


def cmd_summary(args: argparse.Namespace) -> int:
    review = _service(args)
    summary = review.summary(review.find(args.session).id)
    if args.json:
        print(json.dumps(summary.as_json(), ensure_ascii=False))
        return 0
    for line in summary_text(summary, review.tz):
        print(plain(line))
    return 0


def summary_text(summary, tz: str) -> list[str]:
    """The summary as a few lines for a terminal."""
    from dashboard.core.report_pdf import summary_lines
    left, right = summary_lines(summary, tz)
    head = f"{summary.session_code} · patient {summary.patient_code} · {summary.protocol} · {summary.status}"
    return [head, *(f"  {label}: {text}" for label, text in left + right)]


def cmd_export(args: argparse.Namespace) -> int:
    review = _service(args)
    out = Path(args.out) if args.out else None
    if args.format == "report" and out is None and sys.stdout.isatty():
        raise ValueError("a PDF is not for the terminal: give --out FILE, or redirect standard output to a file")
    session = review.find(args.session)
    if args.format == "csv":
        data: bytes = review.csv(session.id).encode("utf-8")
    elif args.format == "fhir":
        data = json.dumps(review.fhir(session.id), ensure_ascii=False, indent=1).encode("utf-8")
    else:
        data = review.report(session.id)
    if out is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return 0
    try:
        out.write_bytes(data)
    except OSError as error:
        raise ValueError(f"cannot write {out}: {error.strerror or error}") from None
    print(f"{plain(session.code)}: {args.format} written to {plain(out)} ({len(data):,} bytes)")
    return 0
