"""PostgreSQL privileges for the application's own role: it may add records but never rewrite history."""

from __future__ import annotations

import re

from sqlalchemy import Engine, text

APPEND_ONLY_TABLES = ("readings", "audit_log", "session_events", "patients", "protocol_versions", "session_signoffs",
                      "scenarios", "scenario_versions", "scenario_results",
                      "protocol_assignments", "alert_acks", "alert_event_acks")
# status, times and chair; sign-in counters and roles; alert and alert-event end, priority and withdrawal; a
# chair's retirement; the board's per-session state, derived from the records
UPDATABLE_TABLES = ("sessions", "users", "alerts", "alert_events", "chairs", "board_state")


def grant_app_role(engine: Engine, role: str) -> None:
    """Run as the schema owner: the app role may read and insert everywhere, update only where it must,
    and delete or truncate nothing, so not even a compromised app can change a reading or an audit entry."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", role):
        raise ValueError(f"not a plain role name: {role!r}")
    if engine.dialect.name != "postgresql":
        raise ValueError("roles and grants are for a PostgreSQL deployment")
    statements = [
        f'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{role}"',
        f'GRANT USAGE ON SCHEMA public TO "{role}"',
        f'GRANT SELECT, INSERT ON {", ".join(APPEND_ONLY_TABLES + UPDATABLE_TABLES)} TO "{role}"',
        f'GRANT UPDATE ON {", ".join(UPDATABLE_TABLES)} TO "{role}"',
        f'GRANT SELECT ON alembic_version TO "{role}"',
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"',
    ]
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
