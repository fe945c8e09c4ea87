"""The operations log: sign-ins, imports and alerts raised as JSON lines, for the clinic's monitoring to collect.

LOG_FILE names a file every process appends to ('-': standard error). Without it the app server writes the
lines to its console (standard error) and the command line writes none. The audit log in the database stays
the record; these lines are for watching a running clinic (failed sign-ins, imports, alerts as they happen).
"""

from __future__ import annotations

import json
import logging
import os
import sys

from dashboard.core.clock import utcnow

LOGGER = logging.getLogger("infusion_vitals.events")
LOGGER.propagate = False  # Streamlit's own log format must not wrap the JSON
LOGGER.setLevel(logging.INFO)
LOG_FILE_ENV = "LOG_FILE"


def event(name: str, **fields) -> None:
    """One JSON object on one line: at (UTC, ISO 8601), event, then the fields."""
    if LOGGER.handlers:
        LOGGER.info(json.dumps({"at": utcnow().isoformat(), "event": name, **fields}, default=str, ensure_ascii=False))


def configure(*, server: bool) -> None:
    """Where the lines go, once per process: LOG_FILE, else standard error for the app server only."""
    if LOGGER.handlers:
        return
    target = os.environ.get(LOG_FILE_ENV, "").strip()
    if target == "-" or (not target and server):
        handler: logging.Handler = logging.StreamHandler(sys.stderr)
    elif target:
        handler = logging.FileHandler(target, encoding="utf-8")
    else:
        return
    handler.setFormatter(logging.Formatter("%(message)s"))
    LOGGER.addHandler(handler)
