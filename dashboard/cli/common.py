"""What every command shares: the database, who is acting (--as), times typed on the command line."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from dashboard.core.roles import SYSTEM_ACTOR, Actor

if TYPE_CHECKING:
    from sqlalchemy import Engine


def engine(*, with_scenarios: bool = False) -> Engine:
    """The DATABASE_URL database, migrated and with the shipped protocols (and, when asked, the shipped training
    scenarios) stored."""
    from dashboard.services.runtime import open_database
    return open_database(with_scenarios=with_scenarios)


def safe_url(url: str) -> str:
    """A database URL fit to print: the password hidden."""
    from sqlalchemy.engine import make_url
    return make_url(url).render_as_string(hide_password=True)


def add_as_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="as_user", metavar="USERNAME",
                        help="act as this existing, enabled account, with its role's rights (default: the system)")


def acting(bind: Engine, username: str | None) -> Actor:
    """The system for no --as; otherwise the named account, refused when unknown or disabled."""
    if not username:
        return SYSTEM_ACTOR
    from dashboard.services.accounts import acting_as
    return acting_as(bind, username)


def parse_time(text: str, tz: str, flag: str) -> datetime:
    """An ISO 8601 time from the command line, in UTC; without an offset it is read in the clinic's zone."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{flag} {text!r} is not a date and time like 2026-11-02T09:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    return moment.astimezone(ZoneInfo("UTC"))


def plain(text: object) -> str:
    """Stored text made safe for a terminal: control characters (escape sequences) shown, not run."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in str(text))


def zone(name: str | None) -> str:
    """The time zone given on the command line, else CLINIC_TZ; an unknown name is refused plainly."""
    from zoneinfo import ZoneInfoNotFoundError

    from dashboard.config import clinic_timezone
    chosen = name or clinic_timezone()
    try:
        ZoneInfo(chosen)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {chosen!r} (use an IANA name such as America/New_York)") from None
    return chosen
