"""Finding sessions to review: the filtered, sorted, paged sessions list, for every role that may read sessions."""

from __future__ import annotations

from sqlalchemy import Engine

from dashboard.core.roles import Actor
from dashboard.core.session_filter import SessionFilter, SessionPage
from dashboard.store import session_search as store_search


class SessionSearch:
    """The sessions list as the signed-in user may read it."""

    def __init__(self, engine: Engine, actor: Actor):
        self.engine, self.actor = engine, actor

    def page(self, filters: SessionFilter) -> SessionPage:
        """How many sessions match, and the page asked for (the last one when it asks past the end)."""
        self.actor.require("session.read")
        return store_search.search_sessions(self.engine, filters)

    def choices(self) -> dict[str, list]:
        """What the nurse and protocol filters offer: {'nurses': [(username, full name)], 'protocols': [...]}."""
        self.actor.require("session.read")
        return store_search.filter_choices(self.engine)
