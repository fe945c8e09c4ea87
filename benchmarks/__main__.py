"""`python -m benchmarks [--quick] [--json] [--only NAME] [--repeat N]`: every figure against its baseline."""

from __future__ import annotations

import argparse
import sys

from benchmarks import alerts, store  # noqa: F401  (they register their figures)
from benchmarks.harness import REGISTRY, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes: about a minute in all")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--only", help="run only the figure with this name")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per side; the median is reported")
    args = parser.parse_args(argv)
    figures = [f for f in REGISTRY if args.only in (None, f.name)]
    if not figures:
        parser.error(f"no figure named {args.only!r}; there are: {', '.join(f.name for f in REGISTRY)}")
    if not args.json:
        print(f"{'figure':<30} {'project':>11}   {'baseline (same run)':<45} {'':>9}   ratio = project / baseline")
    for figure in figures:
        result = run(figure, quick=args.quick, repeat=args.repeat)
        print(result.json() if args.json else result.line(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
