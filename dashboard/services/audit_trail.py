"""Reading the audit log, for the roles allowed to (supervisors and admins)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine

from dashboard.core.roles import Actor
from dashboard.store import audit


def audit_entries(engine: Engine, actor: Actor, **filters) -> pd.DataFrame:
    actor.require("audit.read")
    return audit.entries(engine, **filters)
