"""AppTest helpers: open the app as a signed-in user, find buttons by label, read errors, pick times."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from streamlit.testing.v1 import AppTest

from dashboard.core.clock import utcnow
from dashboard.core.roles import Actor

TZ = "America/New_York"
APP = "dashboard/app.py"


def open_app(session_id: int | None = None, user: str | None = "ana", role: str = "nurse") -> AppTest:
    """The app as a signed-in user (the sign-in form itself is tested on its own)."""
    at = AppTest.from_file(APP, default_timeout=60)
    if user:
        at.session_state["actor"] = Actor(user, role)
        at.session_state["full_name"] = user.title()
    if session_id is not None:
        at.session_state["session_id"] = session_id
    return at.run()


def minutes_ago(minutes: int):
    """A clock time a few minutes back (kept on the same clinic day)."""
    now = utcnow().astimezone(ZoneInfo(TZ))
    then = now - timedelta(minutes=minutes)
    if then.date() != now.date():
        then = datetime.combine(now.date(), then.time().min, tzinfo=now.tzinfo)
    return then.time().replace(second=0, microsecond=0)


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]
