"""`migrate` and `seed`: the schema up to date, and the sample sessions loaded."""

from __future__ import annotations

import argparse
from pathlib import Path

from dashboard.cli.common import engine, safe_url
from dashboard.config import REPO_ROOT, database_url


def add_commands(sub) -> None:
    migrate = sub.add_parser("migrate", help="create or upgrade the database schema")
    migrate.set_defaults(func=cmd_migrate)

    seed = sub.add_parser("seed", help="load the sample sessions and the shipped training scenarios (skips those "
                                       "already loaded)")
    seed.add_argument("--directory", default=str(REPO_ROOT / "sample_data"))
    seed.set_defaults(func=cmd_seed)


def cmd_migrate(args: argparse.Namespace) -> int:
    engine()
    print(f"database is up to date: {safe_url(database_url())}")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from dashboard.services.runtime import load_sample_sessions
    loaded = load_sample_sessions(engine(with_scenarios=True), Path(args.directory))
    print(f"loaded {loaded} sample session(s) into {safe_url(database_url())}"
          + ("" if loaded else " (they were already there)"))
    return 0
