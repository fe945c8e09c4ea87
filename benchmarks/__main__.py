"""`python -m benchmarks [--quick] [--json] [--only NAME] [--repeat N] [--list]`: every figure against its baseline."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import traceback

import benchmarks
from benchmarks.harness import HEADER, REGISTRY, run

NOT_AREAS = {"__main__", "harness", "data"}  # every other module in this package registers figures


def load_areas() -> list[str]:
    """Import each area module (store, alerts, ...) so it registers its figures; returns the ones that failed."""
    failed = []
    for module in sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__)):
        if module in NOT_AREAS:
            continue
        try:
            importlib.import_module(f"benchmarks.{module}")
        except Exception:  # one broken area must not hide the others' figures
            print(f"benchmarks: could not load area {module!r}:\n{traceback.format_exc()}", file=sys.stderr)
            failed.append(module)
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes: about a minute in all")
    parser.add_argument("--json", action="store_true",
                        help="one JSON object per line: name, value_s, baseline_name, baseline_s, ratio, ratio_worst,"
                             " peak_mb")
    parser.add_argument("--only", metavar="NAME", help="run only the figure with this name")
    parser.add_argument("--repeat", type=int, default=3, metavar="N",
                        help="timed runs per side, interleaved; the median is reported (default 3)")
    parser.add_argument("--list", action="store_true", help="list the figures with what they measure, run nothing")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat needs at least 1")
    failed = load_areas()
    figures = [f for f in REGISTRY.values() if args.only in (None, f.name)]
    if not figures:
        parser.error(f"no figure named {args.only!r}; there are: {', '.join(REGISTRY)}")
    if args.list:
        for f in figures:
            print(f"{f.name}  (baseline: {f.baseline_name})\n    {f.description}")
        return 1 if failed else 0
    notes = sys.stderr if args.json else sys.stdout  # stdout in --json mode holds only the JSON lines
    if not args.json:
        print(HEADER, flush=True)
    for figure in figures:
        result = run(figure, quick=args.quick, repeat=args.repeat)
        print(result.json() if args.json else result.line(), flush=True)
        for note in result.notes:
            print(f"{'':<4}({figure.name}: {note})", file=notes, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
