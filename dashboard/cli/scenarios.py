"""`scenarios list|show|add|import`: the training scenario library from the shell."""

from __future__ import annotations

import argparse
import json
import math

from dashboard.cli.common import acting, add_as_option, engine, plain
from dashboard.cli.imports import add_reading_options

SCENARIOS_EPILOG = """\
list                          every scenario's newest version (--json: one object per scenario)
show CODE [--version N]       one scenario; --json includes its readings, events and decision points
add --from-session CODE --title T --goal G
                              a de-identified scenario from a discharged or signed session (trainers, supervisors)
import FILE --title T --goal G [--start ISO-TIME] [--protocol NAME] [--infusion-min M]
                              a scenario from any vitals CSV the importer reads (as `import` reads it)"""


def add_commands(sub) -> None:
    parser = sub.add_parser("scenarios", help="training scenarios: list, show, add from a session, import a file",
                            description="Training scenarios.", epilog=SCENARIOS_EPILOG,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["list", "show", "add", "import"])
    parser.add_argument("target", nargs="?", metavar="CODE|FILE")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--version", type=int, help="show: this version (default: the newest)")
    parser.add_argument("--from-session", metavar="CODE", help="add: the discharged or signed session")
    parser.add_argument("--title", help="add, import: the scenario's title")
    parser.add_argument("--goal", help="add, import: its learning goal")
    parser.add_argument("--protocol", help="import: the protocol it runs under (default: the clinic default)")
    add_reading_options(parser, "import")
    parser.add_argument("--infusion-min", type=float, default=0.0,
                        help="import: the infusion starts this many minutes after the first reading (default 0)")
    add_as_option(parser)
    parser.set_defaults(func=cmd_scenarios)


def _number(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def scenario_json(scenario, *, with_readings: bool) -> dict:
    """A scenario as JSON: its text, times as minutes from the infusion start (the reference day's clock)."""
    import pandas as pd
    data = {"code": scenario.code, "version": scenario.version, "title": scenario.title, "goal": scenario.goal,
            "protocol": scenario.protocol, "source": scenario.source, "description": scenario.description,
            "infusion_start": scenario.started_at.isoformat(),
            "infusion_stop_min": None if scenario.stopped_at is None else scenario.minute_of(scenario.stopped_at),
            "discharge_min": None if scenario.discharged_at is None else scenario.minute_of(scenario.discharged_at),
            "choices": list(scenario.choices), "decisions": [d.as_dict() for d in scenario.decisions]}
    if with_readings:
        keys = ["sbp", "dbp", "map", "hr", "spo2", "rr", "temp_c"]
        data["readings"] = [{"minute": round(scenario.minute_of(r.measured_at), 3),
                             "time": r.measured_at.isoformat(),
                             **{k: _number(getattr(r, k)) for k in keys},
                             "bp_method": r.bp_method if isinstance(r.bp_method, str) else None}
                            for r in scenario.readings.itertuples(index=False)]
        data["events"] = [{"minute": round(scenario.minute_of(e.occurred_at), 3), "kind": e.kind, "label": e.label,
                           "score": None if pd.isna(e.score) else int(e.score),
                           "severity": e.severity if isinstance(e.severity, str) else None}
                          for e in scenario.events.itertuples(index=False)]
    return data


def cmd_scenarios(args: argparse.Namespace) -> int:
    from dashboard.services.training import Training
    if args.action == "import":
        return _import(args)
    db = engine(with_scenarios=True)
    training = Training(db, acting(db, args.as_user))
    if args.action == "list":
        items = training.scenarios()
        if args.json:
            print(json.dumps([item.as_dict() for item in items], ensure_ascii=False))
            return 0
        for item in items:
            print(plain(f"{item.code}  v{item.version}  {item.title}  ({item.readings} readings, "
                        f"{item.decisions} decisions; {item.protocol})"))
        return 0
    if args.action == "show":
        if not args.target:
            raise ValueError("scenarios show needs a CODE")
        scenario = training.scenario(args.target, args.version)
        if args.json:
            print(json.dumps(scenario_json(scenario, with_readings=True), ensure_ascii=False))
            return 0
        data = scenario_json(scenario, with_readings=False)
        print(plain(f"{data['code']} v{data['version']}: {data['title']}"))
        for key in ("goal", "protocol", "source", "description"):
            if data[key]:
                print(plain(f"  {key}: {data[key]}"))
        print(f"  readings: {len(scenario.readings)}; decisions:")
        for d in scenario.decisions:
            print(plain(f"    minute {d.at_min:g} ({d.kind}): {d.label} -> {'; '.join(d.good)}"))
        return 0
    if not args.from_session:
        raise ValueError("scenarios add needs --from-session CODE (or use `scenarios import FILE`)")
    scenario = training.add_from_session(args.from_session, title=args.title or "", goal=args.goal or "")
    print(plain(f"added {scenario.code}: {scenario.title} ({len(scenario.readings)} readings, "
                f"{len(scenario.decisions)} decisions)"))
    return 0


def _import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from dashboard.cli.imports import _read, reading_options
    from dashboard.services.protocols import DEFAULT_NAME
    from dashboard.services.training import Training
    if not args.target:
        raise ValueError("scenarios import needs a FILE")
    path = Path(args.target)
    data = _read(path)  # before anything else: a missing file touches no database
    options = reading_options(args)
    db = engine(with_scenarios=True)
    training = Training(db, acting(db, args.as_user))
    scenario = training.import_file(data, file_name=path.name, title=args.title or "", goal=args.goal or "",
                                    protocol=args.protocol or DEFAULT_NAME, options=options,
                                    infusion_min=args.infusion_min)
    if args.json:
        print(json.dumps(scenario_json(scenario, with_readings=False), ensure_ascii=False))
        return 0
    print(plain(f"added {scenario.code}: {scenario.title} ({len(scenario.readings)} readings, "
                f"{len(scenario.decisions)} decisions)"))
    return 0
