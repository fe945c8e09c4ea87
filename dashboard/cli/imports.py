"""Command line: `python -m dashboard import FILE ...` (the export command is in review.py)."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path

from dashboard.cli.common import add_as_option
from dashboard.cli.common import zone as _zone

IMPORT_EPILOG = """\
The file may be the project's template (session_id,timestamp,sbp,dbp,map,hr,spo2,rr,temp_c,note) or a
monitor or spreadsheet export: columns are recognised by name, times may be ISO 8601, 11/02/2026 09:10
(give --dayfirst or --monthfirst), epoch seconds, or elapsed minutes from --start. Good rows are stored in
one transaction with an audit entry; rows already stored are skipped; every rejected row is reported.
Exit code 0 when the file was processed (some rows may be rejected), 1 when it cannot be used at all."""


def add_commands(subparsers) -> None:
    """Register `import` on the main parser's subcommands."""
    imp = subparsers.add_parser("import", help="import vitals from a CSV file (see --help; --dry-run to preview)",
                                description="Import vitals from a CSV file.", epilog=IMPORT_EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    imp.add_argument("file", metavar="FILE", help="the CSV file")
    where = imp.add_mutually_exclusive_group()
    where.add_argument("--session", metavar="CODE", help="import every row into this session (e.g. S-0001)")
    where.add_argument("--session-column", metavar="NAME", help="the column holding each row's session code")
    add_reading_options(imp)
    imp.add_argument("--dry-run", action="store_true", help="check and report only; store nothing")
    imp.add_argument("--json", action="store_true",
                     help="print one JSON object (the first 1,000 problems; problems_total and problems_by_reason "
                          "count them all)")
    imp.add_argument("--rejects", metavar="OUT.csv",
                     help="write every line with a problem to this CSV, as it was, with what was stored and why")
    add_as_option(imp)
    imp.set_defaults(func=cmd_import)


def add_reading_options(parser: argparse.ArgumentParser, for_action: str = "") -> None:
    """The options that say how to read a vitals file's times and columns (`import`, `scenarios import`)."""
    say = f"{for_action}: " if for_action else ""
    parser.add_argument("--start", metavar="ISO-TIME",
                        help=f"{say}start of the recording, for elapsed times (e.g. 2026-11-02T09:00; no offset = --tz)")
    parser.add_argument("--tz", metavar="ZONE", help=f"{say}time zone of times without offset (default: CLINIC_TZ)")
    order = parser.add_mutually_exclusive_group()
    order.add_argument("--dayfirst", action="store_true", help=f"{say}dates like 11/02/2026 are day/month")
    order.add_argument("--monthfirst", action="store_true", help=f"{say}dates like 11/02/2026 are month/day")
    parser.add_argument("--map", metavar="FIELD=COLUMN", action="append", default=[],
                        help=f"{say}take FIELD from COLUMN (FIELD= to leave it out); fields: sbp, dbp, map, bp, "
                             "art_sbp, art_dbp, art_map, art_bp, hr, spo2, rr, temp_c, temp_f, time, date, clock, "
                             "elapsed, session, bp_method, note")


def reading_options(args: argparse.Namespace, **more):
    """The ImportOptions the reading options on the command line ask for (plus `more`, e.g. the session)."""
    from dashboard.core.csvfile import ImportOptions
    start = None
    if args.start:
        try:
            start = datetime.fromisoformat(args.start)
        except ValueError:
            raise ValueError(f"--start {args.start!r} is not a date and time like 2026-11-02T09:00") from None
    return ImportOptions(tz=_zone(args.tz), dayfirst=True if args.dayfirst else False if args.monthfirst else None,
                         start=start, mapping=_mapping(args.map), **more)


def _mapping(pairs: list[str]) -> dict[str, str | None]:
    mapping: dict[str, str | None] = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        if not sep or not field.strip():
            raise ValueError(f"--map takes FIELD=COLUMN, not {pair!r}")
        mapping[field.strip()] = column or None
    return mapping


def _actor(engine, username: str | None):
    from dashboard.cli.common import acting
    return acting(engine, username)


def _read(path: Path) -> bytes:
    from dashboard.core.csvfile.decode import size_check
    try:
        if not path.is_file():
            raise ValueError(f"{path} is not a file" if path.exists() else f"no file {path}")
        size_check(path.stat().st_size)
        return path.read_bytes()
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror or error}") from None


def _plain(text: object) -> str:
    """Text from a file made safe for a terminal: control characters (escape sequences) shown, not run."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in str(text))


def cmd_import(args: argparse.Namespace) -> int:
    from dashboard.cli.common import engine as _engine
    from dashboard.services.imports import Imports
    path = Path(args.file)
    data = _read(path)  # before anything else: a missing file touches no database
    tz = _zone(args.tz)
    options = reading_options(args, session=args.session, session_column=args.session_column)
    engine = _engine()
    imports = Imports(engine, _actor(engine, args.as_user), tz)
    preview = imports.preview(data, file_name=path.name, options=options)
    report = preview.report() if args.dry_run else imports.commit(preview)
    if args.rejects:
        _write_rejects(Path(args.rejects), report)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
        return 0
    verb = "would be stored (dry run: nothing was stored)" if args.dry_run else "stored"
    stored = report.readings_to_store if args.dry_run else report.readings_stored
    print(f"{_plain(report.file_name)}: {report.rows_read} rows read, {report.rows_accepted} accepted, "
          f"{report.rows_rejected} rejected; {stored} readings {verb}; "
          f"{report.duplicates_skipped} already stored, skipped"
          + ("" if args.dry_run else f"; {report.alerts_raised} alerts raised"))
    for code, count in report.sessions:
        print(f"  {_plain(code)}: {count} readings")
    for note in report.notes:
        print(f"  note: {_plain(note)}")
    for p in report.problems:
        value = "" if p.value is None else f" {p.value!r}"
        print(_plain(f"  line {p.line}, {p.column or 'line'}{value}: {p.reason}"))
    if report.problems_total > len(report.problems):
        print(f"  ... and {report.problems_total - len(report.problems)} more problems"
              + ("" if args.rejects else " (--rejects FILE writes them all)"))
    return 0


def _write_rejects(path: Path, report) -> None:
    try:
        with path.open("w", encoding="utf-8", newline="") as out:
            report.parsed.write_rejected(out)
    except OSError as error:
        raise ValueError(f"cannot write {path}: {error.strerror or error}") from None
