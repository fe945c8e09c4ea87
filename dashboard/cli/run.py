"""`run`: bring the database up to date, load the samples into an empty one, start the app."""

from __future__ import annotations

import argparse
import os
import sys

from dashboard import DISCLAIMER
from dashboard.cli.common import engine
from dashboard.config import REPO_ROOT


def add_commands(sub) -> None:
    run = sub.add_parser("run", help="migrate, load the sample sessions into an empty database, start the app")
    run.add_argument("--port", type=int, default=8501)
    run.add_argument("--no-samples", action="store_true", help="do not load sample sessions")
    run.add_argument("streamlit_args", nargs=argparse.REMAINDER, help="further options for streamlit run")
    run.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    from dashboard.core.roles import SYSTEM_ACTOR
    from dashboard.services.accounts import SETUP_CODE_ENV, announce_setup_code, setup_code
    from dashboard.services.records import Records
    from dashboard.services.runtime import load_sample_sessions
    db = engine()
    if not args.no_samples and not Records(db, SYSTEM_ACTOR).sessions():
        print(f"loaded {load_sample_sessions(db)} sample session(s)")
    print(DISCLAIMER)
    if announce_setup_code(db):
        os.environ[SETUP_CODE_ENV] = setup_code()  # the app started below accepts the code printed here
    command = [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "dashboard" / "app.py"),
               "--server.port", str(args.port), *args.streamlit_args]
    os.chdir(REPO_ROOT)
    os.execv(sys.executable, command)
    return 0
