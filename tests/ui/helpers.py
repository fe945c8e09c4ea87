"""AppTest helpers: open the app as a signed-in user, find buttons by label, read errors, pick times."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from streamlit.testing.v1 import AppTest

from dashboard.core.clock import utcnow
from dashboard.core.roles import Actor

TZ = "America/New_York"
APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
VIEWS = Path(APP).parent / "views"


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


def decode(values) -> list:
    """Plotly sends numpy arrays as typed arrays ({'dtype', 'bdata'}); give plain numbers back."""
    if isinstance(values, dict) and "bdata" in values:
        import base64

        import numpy as np
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values or [])


def chart_spec(at: AppTest) -> dict:
    import json
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def plotted(at: AppTest) -> dict[str, list]:
    """Trace name -> y values of the session chart."""
    return {trace.get("name"): decode(trace.get("y")) for trace in chart_spec(at)["data"]}
