"""Settings read from the environment: database URL, clinic time zone, idle sign-out."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = REPO_ROOT / "var" / "infusion_vitals.db"


def database_url() -> str:
    """DATABASE_URL, or the embedded SQLite file var/infusion_vitals.db beside the package."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}"


def clinic_timezone() -> str:
    """IANA zone in which times are shown and offset-less times are read (CLINIC_TZ)."""
    return os.environ.get("CLINIC_TZ", "America/New_York")


def idle_minutes() -> float:
    """Minutes without any action after which a user is signed out (IDLE_SIGNOUT_MINUTES)."""
    return float(os.environ.get("IDLE_SIGNOUT_MINUTES", "15"))
