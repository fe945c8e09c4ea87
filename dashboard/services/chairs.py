"""The clinic's chairs for supervisors and admins: list them, add one, retire one; audited."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import Engine

from dashboard.core.roles import Actor
from dashboard.store import audit
from dashboard.store import chairs as store_chairs
from dashboard.store.chairs import Chair
from dashboard.store.db import begin
from dashboard.store.errors import Conflict


class Chairs:
    def __init__(self, engine: Engine, actor: Actor):
        self.engine, self.actor = engine, actor

    def list(self, *, retired: bool = False) -> list[Chair]:
        """Chairs in name order ('Chair 2' before 'Chair 10'), each with the session in it now."""
        self.actor.require("chair.read")
        return store_chairs.list_chairs(self.engine, retired=retired)

    def add(self, name: str) -> int:
        self.actor.require("chair.manage")
        with begin(self.engine) as conn:
            chair_id = store_chairs.add_chair(conn, name, by=self.actor.username)
            audit.record(conn, self.actor, "chair.add", "chair", chair_id, after={"name": store_chairs.check_name(name)})
        return chair_id

    def retire(self, name: str) -> None:
        """No session is placed in it any more; past sessions keep naming it. Refused while one is in it."""
        self.actor.require("chair.manage")
        with begin(self.engine) as conn:
            chair = store_chairs.find_chair(conn, name)
            if chair.session_code is not None:
                raise Conflict(f"{chair.session_code} is in {chair.name}: discharge it, or move it to another chair, "
                               "first")
            store_chairs.retire_chair(conn, chair.id)
            audit.record(conn, self.actor, "chair.retire", "chair", chair.id, before=asdict(chair))
