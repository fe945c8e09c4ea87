"""Database tables: patients, chairs, sessions, versioned readings, events, users, audit log, protocols, alerts,
training scenarios and trainees' results; and the board's per-session state, derived from them."""

from __future__ import annotations

from sqlalchemy import (
    Boolean, Column, Date, Float, ForeignKey, Index, Integer, MetaData, String, Table, Text, UniqueConstraint, and_,
)

from dashboard.store.types import UTCDateTime

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

patients = Table(
    "patients", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("year_of_birth", Integer),
    Column("notes", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(80), nullable=False),
)

# The clinic's chairs (or beds). A session is placed in one when its infusion starts and leaves it at discharge;
# a chair is retired, never deleted, so past sessions keep naming it (a monitor feed will bind to a chair).
chairs = Table(
    "chairs", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(40), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(80), nullable=False),
    Column("retired_at", UTCDateTime),
)

sessions = Table(
    "sessions", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("patient_id", Integer, ForeignKey("patients.id"), nullable=False, index=True),
    Column("session_date", Date, nullable=False),
    Column("infusion_number", Integer),
    Column("protocol", String(120), nullable=False),
    Column("planned_dose_mg", Float),
    Column("weight_kg", Float),
    Column("infusion_started_at", UTCDateTime),
    Column("infusion_stopped_at", UTCDateTime),
    Column("discharged_at", UTCDateTime),
    Column("status", String(20), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(80), nullable=False),
    Column("protocol_version_id", Integer),  # pinned when the infusion starts; later edits do not change it
    Column("chair_id", Integer, ForeignKey("chairs.id")),  # where it runs; kept after discharge for the record
)
# The sessions list: newest first by day (the id breaks ties), and by the nurse who opened the session.
Index("ix_sessions_date_id", sessions.c.session_date, sessions.c.id)
Index("ix_sessions_created_by", sessions.c.created_by)
# One session at a time in a chair: two nurses placing patients in the same chair at once cannot both succeed.
_in_chair = and_(sessions.c.chair_id.isnot(None), sessions.c.discharged_at.is_(None))
Index("uq_sessions_chair_in_use", sessions.c.chair_id, unique=True, sqlite_where=_in_chair, postgresql_where=_in_chair)
Index("ix_sessions_status_date", sessions.c.status, sessions.c.session_date)  # the board's sessions of today

# Rows are never updated or deleted (database triggers refuse it): a correction is a new row whose
# supersedes_id names the row it replaces; a unique index allows one successor per version.
readings = Table(
    "readings", metadata,
    Column("id", Integer, primary_key=True),
    Column("session_id", Integer, ForeignKey("sessions.id"), nullable=False),
    Column("measured_at", UTCDateTime, nullable=False),
    Column("entered_at", UTCDateTime, nullable=False),
    Column("entered_by", String(80), nullable=False),
    Column("source", String(10), nullable=False),
    Column("sbp", Float),
    Column("dbp", Float),
    Column("map", Float),
    Column("map_computed", Boolean, nullable=False, default=False),
    Column("hr", Float),
    Column("spo2", Float),
    Column("rr", Float),
    Column("temp_c", Float),
    Column("bp_method", String(10)),
    Column("note", Text),
    Column("supersedes_id", Integer, ForeignKey("readings.id")),
    Column("correction_reason", Text),
    Column("entered_in_error", Boolean, nullable=False, default=False),
    Column("source_file", String(255)),
    Column("source_line", Integer),
)
Index("ix_readings_session_time", readings.c.session_id, readings.c.measured_at)
# The newest blood pressure of a session in one step (the board), though a monitor export has one in many rows.
_has_bp = readings.c.sbp.isnot(None)
Index("ix_readings_session_bp_time", readings.c.session_id, readings.c.measured_at, sqlite_where=_has_bp,
      postgresql_where=_has_bp)
# Partial: originals (supersedes_id NULL) cost the bulk path no index entry.
Index("uq_readings_supersedes_id", readings.c.supersedes_id, unique=True,
      sqlite_where=readings.c.supersedes_id.isnot(None), postgresql_where=readings.c.supersedes_id.isnot(None))
# Partial as well: corrections and voids per session, so a session's readings in force are counted from
# the indexes alone (dashboard/store/session_search.py).
Index("ix_readings_successors", readings.c.session_id,
      sqlite_where=readings.c.supersedes_id.isnot(None), postgresql_where=readings.c.supersedes_id.isnot(None))

session_events = Table(
    "session_events", metadata,
    Column("id", Integer, primary_key=True),
    Column("session_id", Integer, ForeignKey("sessions.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("label", String(80), nullable=False),
    Column("score", Integer),
    Column("severity", String(10)),
    Column("note", Text),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("entered_at", UTCDateTime, nullable=False),
    Column("entered_by", String(80), nullable=False),
)

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("full_name", String(120), nullable=False),
    Column("role", String(20), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("must_change_password", Boolean, nullable=False, default=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("failed_attempts", Integer, nullable=False, default=0),
    Column("locked_until", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(80), nullable=False),
)

# Append-only like readings: who did what, when, with the state before and after (JSON text).
audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False, index=True),
    Column("actor", String(80), nullable=False, index=True),
    Column("role", String(20), nullable=False),
    Column("action", String(40), nullable=False, index=True),
    Column("entity", String(40), nullable=False),
    Column("entity_id", String(40)),
    Column("session_id", Integer, index=True),
    Column("before", Text),
    Column("after", Text),
)

# A protocol edit adds a version; nothing is overwritten.
protocol_versions = Table(
    "protocol_versions", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(120), nullable=False),
    Column("version", Integer, nullable=False),
    Column("definition", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(80), nullable=False),
    UniqueConstraint("name", "version"),
)

# Which protocol applies: the clinic default, a patient's override, a session's override (latest row wins).
protocol_assignments = Table(
    "protocol_assignments", metadata,
    Column("id", Integer, primary_key=True),
    Column("scope", String(10), nullable=False),
    Column("scope_id", Integer),
    Column("protocol_name", String(120), nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(80), nullable=False),
)
Index("ix_protocol_assignments_scope", protocol_assignments.c.scope, protocol_assignments.c.scope_id)

# What one set of readings fired, acted on as one: the rule-level alerts below name their event.
# Priority, end and withdrawal follow the members (dashboard/core/alert_events.py).
alert_events = Table(
    "alert_events", metadata,
    Column("id", Integer, primary_key=True),
    Column("session_id", Integer, ForeignKey("sessions.id"), nullable=False, index=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    Column("priority", String(8), nullable=False),
    Column("raised_at", UTCDateTime, nullable=False),
    Column("withdrawn_at", UTCDateTime),
)

alerts = Table(
    "alerts", metadata,
    Column("id", Integer, primary_key=True),
    Column("session_id", Integer, ForeignKey("sessions.id"), nullable=False, index=True),
    Column("rule", String(30), nullable=False),
    Column("vital", String(10), nullable=False),
    Column("level", String(12), nullable=False),
    Column("priority", String(8), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    Column("peak_value", Float),
    Column("message", Text, nullable=False),
    Column("protocol_version_id", Integer),
    Column("raised_at", UTCDateTime, nullable=False),
    Column("withdrawn_at", UTCDateTime),  # a correction of the readings made the episode disappear
    Column("event_id", Integer, ForeignKey("alert_events.id"), index=True),
    UniqueConstraint("session_id", "rule", "vital", "level", "started_at"),
)

# Before alert events: one acknowledgement per rule-level alert (kept, read for history).
alert_acks = Table(
    "alert_acks", metadata,
    Column("id", Integer, primary_key=True),
    Column("alert_id", Integer, ForeignKey("alerts.id"), nullable=False, index=True),
    Column("at", UTCDateTime, nullable=False),
    Column("by", String(80), nullable=False),
    Column("action", String(60), nullable=False),
    Column("note", Text),
)

# Append-only: one acknowledgement covers every alert of the event; actions is a JSON list.
alert_event_acks = Table(
    "alert_event_acks", metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", Integer, ForeignKey("alert_events.id"), nullable=False, index=True),
    Column("at", UTCDateTime, nullable=False),
    Column("by", String(80), nullable=False),
    Column("actions", Text, nullable=False),
    Column("note", Text),
)

# Derived, never a record: per session, its newest reading in force, its newest blood pressure and the state of
# its alert events, rewritten by the store in the same transaction as every change to them (store/board.py), so
# the board, polled by every open screen, reads one row per session instead of searching its readings.
board_state = Table(
    "board_state", metadata,
    Column("session_id", Integer, ForeignKey("sessions.id"), primary_key=True, autoincrement=False),
    Column("latest_id", Integer, ForeignKey("readings.id")),
    Column("bp_id", Integer, ForeignKey("readings.id")),
    Column("active_rank", Integer, nullable=False, server_default="0"),  # 2 high, 1 medium active; 0 none
    Column("unacked_high", Integer, nullable=False, server_default="0"),  # high events never acknowledged
    Column("unacked_medium", Integer, nullable=False, server_default="0"),  # medium, active, never acknowledged
)

# Append-only: a supervisor's electronic signature of a session. Whatever is entered after signed_at is an
# addendum; warnings (JSON list) are what the signer was shown and signed anyway.
session_signoffs = Table(
    "session_signoffs", metadata,
    Column("id", Integer, primary_key=True),
    Column("session_id", Integer, ForeignKey("sessions.id"), nullable=False, index=True),
    Column("signed_at", UTCDateTime, nullable=False),
    Column("signed_by", String(80), nullable=False),
    Column("signer_name", String(120), nullable=False),
    Column("meaning", String(20), nullable=False),
    Column("warnings", Text, nullable=False),
)

# Training scenarios: the code is all a scenario row holds; what it shows is in its versions (a change is a new
# version). No column refers to a patient or a session: a scenario made from a session keeps no link to it.
scenarios = Table(
    "scenarios", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(80), nullable=False),
)

# Append-only. definition: JSON with the readings and events (seconds from the infusion start), the decision
# points with their good responses, and the choices offered.
scenario_versions = Table(
    "scenario_versions", metadata,
    Column("id", Integer, primary_key=True),
    Column("scenario_id", Integer, ForeignKey("scenarios.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("goal", Text, nullable=False),
    Column("protocol", String(120), nullable=False),
    Column("source", Text, nullable=False),
    Column("definition", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(80), nullable=False),
    UniqueConstraint("scenario_id", "version"),
)

# Append-only: one row per trainee run; answers is the JSON list of verdicts (choice, replay minutes, outcome).
scenario_results = Table(
    "scenario_results", metadata,
    Column("id", Integer, primary_key=True),
    Column("scenario_version_id", Integer, ForeignKey("scenario_versions.id"), nullable=False, index=True),
    Column("trainee", String(80), nullable=False, index=True),
    Column("finished_at", UTCDateTime, nullable=False),
    Column("score", Integer, nullable=False),
    Column("right_answers", Integer, nullable=False),
    Column("decisions", Integer, nullable=False),
    Column("answers", Text, nullable=False),
)
