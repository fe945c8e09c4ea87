"""`sample-data`: write the sample session files again from their seeded generator."""

from __future__ import annotations

import argparse
from pathlib import Path

from dashboard.config import REPO_ROOT


def add_commands(sub) -> None:
    sample = sub.add_parser("sample-data", help="regenerate the sample session files from the seeded generator")
    sample.add_argument("--out", default=str(REPO_ROOT / "sample_data"))
    sample.set_defaults(func=cmd_sample_data)


def cmd_sample_data(args: argparse.Namespace) -> int:
    from dashboard.seed import write_sample_files
    write_sample_files(Path(args.out))
    print(f"wrote sample sessions to {args.out}")
    return 0
