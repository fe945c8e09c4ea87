"""Sessions list figures: the filtered, paged list over 10,000 sessions and 10,000,000 readings against the same
rows from bare indexed SQL, on SQLite and on PostgreSQL."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from benchmarks.harness import Case, benchmark, size
from dashboard.core.roles import Actor
from dashboard.core.session_filter import SessionFilter, last_page
from dashboard.core.session_list import session_list_display
from dashboard.services.session_search import SessionSearch
from dashboard.store.db import dispose, get_engine, migrate

NURSES = [(f"nurse{i}", f"Nurse Number {i}") for i in range(1, 9)]
SUPERVISOR = ("sup1", "Sam Super")
DEFAULT, ESKETAMINE = "IV ketamine clinic default", "Esketamine nasal spray (REMS-style)"
PAGE = 50
READING_EVERY_S = 15


@dataclass(frozen=True)
class Query:
    """One typical search: the filter the page asks the service for, and the same by hand in SQL."""

    name: str
    filters: SessionFilter
    where: str  # over sessions s joined to patients p; {p} is a parameter placeholder
    params: tuple
    order: str


def queries(today: date) -> list[Query]:
    year_ago = today - timedelta(days=365)
    high = "EXISTS (SELECT 1 FROM alert_events e WHERE e.session_id = s.id AND e.priority = 'high' " \
           "AND e.withdrawn_at IS NULL{extra})"
    unacked = " AND NOT EXISTS (SELECT 1 FROM alert_event_acks a WHERE a.event_id = e.id)"
    return [
        Query("newest first", SessionFilter(page_size=PAGE), "1 = 1", (), "s.session_date DESC, s.id DESC"),
        Query("last year, not signed", SessionFilter(date_from=year_ago, not_signed=True, page_size=PAGE),
              "s.session_date >= {p} AND NOT EXISTS (SELECT 1 FROM session_signoffs g WHERE g.session_id = s.id)",
              (year_ago,), "s.session_date DESC, s.id DESC"),
        Query("critical, not acknowledged", SessionFilter(critical=True, unacknowledged=True, page_size=PAGE),
              high.format(extra="") + " AND " + high.format(extra=unacked), (), "s.session_date DESC, s.id DESC"),
        Query("patient code part, oldest first", SessionFilter(patient="P-0004", descending=False, page_size=PAGE),
              "lower(p.code) LIKE {p} ESCAPE '/'", ("%p-0004%",), "s.session_date ASC, s.id ASC"),
        Query("nurse, discharged, by patient, page 3",
              SessionFilter(nurse="nurse3", statuses=("discharged",), sort="patient", descending=False, page=3,
                            page_size=PAGE),
              "s.created_by = {p} AND s.status IN ({p})", ("nurse3", "discharged"), "p.code ASC, s.id ASC"),
    ]


# ---- the bare floor: hand-written SQL through the driver, tuples back ----

COUNTS = (  # readings in force from the indexes, as the list counts them (all rows less successors less live voids)
    "(SELECT count(*) FROM readings r WHERE r.session_id = s.id) "
    "- (SELECT count(*) FROM readings r WHERE r.session_id = s.id AND r.supersedes_id IS NOT NULL) "
    "- (SELECT count(*) FROM readings r WHERE r.session_id = s.id AND r.supersedes_id IS NOT NULL "
    "AND r.entered_in_error AND NOT EXISTS (SELECT 1 FROM readings c WHERE c.supersedes_id = r.id))",
    "(SELECT count(*) FROM alert_events e WHERE e.session_id = s.id AND e.priority = 'high' "
    "AND e.withdrawn_at IS NULL)",
    "(SELECT count(*) FROM alert_events e WHERE e.session_id = s.id AND e.priority = 'medium' "
    "AND e.withdrawn_at IS NULL)",
    "(SELECT count(*) FROM alert_events e WHERE e.session_id = s.id AND e.priority = 'high' "
    "AND e.withdrawn_at IS NULL AND NOT EXISTS (SELECT 1 FROM alert_event_acks a WHERE a.event_id = e.id))",
    *[f"(SELECT g.{c} FROM session_signoffs g WHERE g.session_id = s.id "  # noqa: S608 -- constant column names
      "ORDER BY g.signed_at DESC, g.id DESC LIMIT 1)" for c in ("meaning", "signed_by", "signer_name")],
)


def bare_statements(query: Query, placeholder: str, page: int) -> tuple[str, str]:
    """The count and the page, as one would write them by hand (the same WHERE and ORDER as the list)."""
    where = query.where.format(p=placeholder)
    count = f"SELECT count(*) FROM sessions s JOIN patients p ON p.id = s.patient_id WHERE {where}"  # noqa: S608 -- constant fragments
    rows = (f"SELECT s.id, s.code, p.code, s.session_date, s.infusion_number, s.status, s.protocol, "  # noqa: S608
            f"s.created_by, u.full_name, {', '.join(COUNTS)} "
            f"FROM (SELECT s.id FROM sessions s JOIN patients p ON p.id = s.patient_id WHERE {where} "
            f"ORDER BY {query.order} LIMIT {PAGE} OFFSET {(page - 1) * PAGE}) AS chosen "
            "JOIN sessions s ON s.id = chosen.id JOIN patients p ON p.id = s.patient_id "
            f"LEFT JOIN users u ON u.username = s.created_by ORDER BY {query.order}")
    return count, rows


# ---- the big database, built once per run in bulk ----

def clinic(n_sessions: int, today: date, seed: int = 0) -> dict[str, list[tuple]]:
    """Rows of users, patients, sessions, alert events and their acknowledgements, and signatures: ten
    infusions a patient (six of induction 2-3 days apart, then monthly), spread over four years."""
    rng = np.random.default_rng(seed)
    n_patients = max(1, n_sessions // 10)
    first = today - timedelta(days=4 * 365)
    users = [(i + 1, u, name, "nurse" if u.startswith("nurse") else "supervisor")
             for i, (u, name) in enumerate([*NURSES, SUPERVISOR])]
    patients = [(i + 1, f"P-{i + 1:05d}") for i in range(n_patients)]
    gaps = [0, 2, 2, 3, 2, 3, 28, 30, 31, 35]
    sessions, events, acks, signoffs = [], [], [], []
    start = 0
    for sid in range(1, n_sessions + 1):
        patient, k = (sid - 1) // 10 + 1, (sid - 1) % 10
        if k == 0:  # the patient's first infusion
            start = int(rng.integers(0, 4 * 365 - 140))
        day = min(first + timedelta(days=start + sum(gaps[: k + 1])), today)
        status = "discharged" if day < today - timedelta(days=1) else str(rng.choice(["planned", "infusing",
                                                                                      "recovery"]))
        sessions.append((sid, f"S-{sid:06d}", patient, day, k + 1, ESKETAMINE if rng.random() < 0.1 else DEFAULT,
                         status, NURSES[int(rng.integers(0, len(NURSES)))][0]))
        for priority, chance in (("medium", 0.25), ("high", 0.06)):
            if rng.random() < chance:
                event_id = len(events) + 1
                events.append((event_id, sid, day, priority, rng.random() < 0.02))
                if priority == "high" and rng.random() < 0.97:
                    acks.append((len(acks) + 1, event_id, day))
        if status == "discharged" and day < today - timedelta(days=14) and rng.random() < 0.85:
            signoffs.append((len(signoffs) + 1, sid, day, "approved" if rng.random() < 0.5 else "reviewed"))
    return {"users": users, "patients": patients, "sessions": sessions, "events": events, "acks": acks,
            "signoffs": signoffs}


def _stamp(day: date, hour: int) -> str:
    return f"{day.isoformat()} {hour:02d}:00:00.000000"


def _rows(data: dict, table: str) -> tuple[str, list[tuple]]:
    """(column list, rows) for an INSERT of one table, times as the project stores them (naive UTC text)."""
    if table == "users":
        return ("id, username, full_name, role, password_hash, must_change_password, disabled, failed_attempts, "
                "created_at, created_by"), [(*u, "x", False, False, 0, "2020-01-01 00:00:00.000000", "bench")
                                            for u in data["users"]]
    if table == "patients":
        return "id, code, created_at, created_by", [(*p, "2020-01-01 00:00:00.000000", "bench")
                                                    for p in data["patients"]]
    if table == "sessions":
        return ("id, code, patient_id, session_date, infusion_number, protocol, status, created_by, created_at, "
                "infusion_started_at, infusion_stopped_at, discharged_at"), [
            (sid, code, patient, day.isoformat(), number, protocol, status, by, _stamp(day, 13),
             None if status == "planned" else _stamp(day, 14), _stamp(day, 15) if status != "infusing" and
             status != "planned" else None, _stamp(day, 17) if status == "discharged" else None)
            for sid, code, patient, day, number, protocol, status, by in data["sessions"]]
    if table == "alert_events":
        return "id, session_id, started_at, ended_at, priority, raised_at, withdrawn_at", [
            (eid, sid, _stamp(day, 14), _stamp(day, 15), priority, _stamp(day, 14), _stamp(day, 16) if gone else None)
            for eid, sid, day, priority, gone in data["events"]]
    if table == "alert_event_acks":
        return "id, event_id, at, by, actions, note", [(aid, eid, _stamp(day, 14), "nurse1",
                                                        '["Observed: no action needed"]', None)
                                                       for aid, eid, day in data["acks"]]
    return "id, session_id, signed_at, signed_by, signer_name, meaning, warnings", [
        (gid, sid, _stamp(day, 18), SUPERVISOR[0], SUPERVISOR[1], meaning, "[]")
        for gid, sid, day, meaning in data["signoffs"]]


TABLES = ("users", "patients", "sessions", "alert_events", "alert_event_acks", "session_signoffs")


def readings_sql(per_session: int, generate: str) -> str:
    """Every session's readings, one every 15 s from an hour before its infusion, made by the database itself
    (generate: the dialect's 0..per_session-1 rows); ids given, so that corrections can name what they replace."""
    return (
        "INSERT INTO readings (id, session_id, measured_at, entered_at, entered_by, source, sbp, dbp, hr, spo2, "  # noqa: S608 -- constants
        "rr, map_computed, bp_method, entered_in_error) "
        f"SELECT (s.id - 1) * {per_session} + n.i + 1, s.id, {{time}}, {{time}}, 'bench', 'file', "
        "105 + (n.i * 7 + s.id * 13) % 70, 60 + (n.i * 5 + s.id * 3) % 35, 55 + (n.i * 3 + s.id) % 60, "
        "92 + (n.i + s.id) % 9, 10 + (n.i + s.id) % 14, {false}, 'cuff', {false} "
        f"FROM sessions s CROSS JOIN ({generate}) AS n ORDER BY s.id, n.i")


def corrections_sql(per_session: int, true: str) -> tuple[str, str]:
    """A correction of every fifth session's fourth reading and a void of every twentieth's tenth."""
    base = (
        "INSERT INTO readings (session_id, measured_at, entered_at, entered_by, source, sbp, dbp, hr, spo2, "  # noqa: S608 -- constants
        "rr, map_computed, bp_method, entered_in_error, supersedes_id, correction_reason) "
        "SELECT session_id, measured_at, entered_at, 'bench', 'manual', sbp + 1, dbp, hr, spo2, rr, map_computed, "
        "bp_method, {error}, id, 'bench' FROM readings WHERE id IN (SELECT (s.id - 1) * " + str(per_session)
        + " + {k} FROM sessions s WHERE s.id % {every} = 0)")
    return (base.format(error="entered_in_error", k=min(4, per_session), every=5),
            base.format(error=true, k=min(10, per_session), every=20))


def build_sqlite(path: Path, data: dict, per_session: int) -> None:
    url = f"sqlite:///{path}"
    migrate(url)
    dispose(url)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    with conn:
        for table in TABLES:
            columns, rows = _rows(data, table)
            conn.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(rows[0]))})",  # noqa: S608
                             [tuple(int(v) if isinstance(v, bool) else v for v in row) for row in rows])
        last = per_session - 1
        generate = f"WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i < {last}) SELECT i FROM g"  # noqa: S608
        time_text = "strftime('%Y-%m-%d %H:%M:%S', coalesce(s.infusion_started_at, s.created_at), '-1 hour', " \
                    f"'+' || (n.i * {READING_EVERY_S}) || ' seconds') || '.000000'"
        conn.execute(readings_sql(per_session, generate).format(time=time_text, false="0"))
        for statement in corrections_sql(per_session, "1"):
            conn.execute(statement)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def build_postgres(cluster, name: str, data: dict, per_session: int) -> str:
    import psycopg
    cluster.drop_database(name)  # a leftover of a killed run on a TEST_POSTGRES_URL server
    url = cluster.create_database(name)
    migrate(url)
    dispose(url)
    with psycopg.connect(cluster.dsn(name)) as conn:
        with conn.cursor() as cursor:
            for table in TABLES:
                columns, rows = _rows(data, table)
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            generate = f"SELECT generate_series(0, {per_session - 1}) AS i"
            time_value = f"coalesce(s.infusion_started_at, s.created_at) - interval '1 hour' " \
                         f"+ n.i * interval '{READING_EVERY_S} seconds'"
            cursor.execute(readings_sql(per_session, generate).format(time=time_value, false="false"))
            for table in (*TABLES, "readings"):  # ids were given: the sequences go on from the last one
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 -- constant names
                               f"(SELECT max(id) FROM {table}))")
            for statement in corrections_sql(per_session, "true"):
                cursor.execute(statement)
    with psycopg.connect(cluster.dsn(name), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # what autovacuum does on a live server after a load like this
    return url


# ---- the figures ----

def _sizes(quick: bool) -> tuple[int, int]:
    return (size(1_000, floor=20), size(100, floor=10)) if quick else (size(10_000, floor=20), size(1_000, floor=10))


def _project(url: str, qs: list[Query]):
    search = SessionSearch(get_engine(url), Actor("sup1", "supervisor"))

    def run() -> None:
        for q in qs:
            page = search.page(q.filters)
            session_list_display(page.records)
            assert len(page.records) <= PAGE
    return run


def _same_rows(url: str, run_bare, qs: list[Query]) -> list[int]:
    """Each search's count, after checking that the list and the bare SQL give the same count and page."""
    search = SessionSearch(get_engine(url), Actor("sup1", "supervisor"))
    totals = []
    for q in qs:
        total, ids = run_bare(q)
        page = search.page(q.filters)
        assert (page.total, page.ids) == (total, ids), f"{q.name}: the list and the bare SQL disagree"
        totals.append(total)
    return totals


def _note(kind: str, data: dict, n_readings: int, seconds: float, totals: list[int], qs: list[Query]) -> str:
    matched = ", ".join(f"{q.name}: {t:,}" for q, t in zip(qs, totals))
    return (f"{kind}: built {len(data['sessions']):,} sessions, {n_readings:,} readings, {len(data['events']):,} alert "
            f"events, {len(data['signoffs']):,} signatures in {seconds:.1f} s (bulk SQL, not a figure); "
            f"sessions matching each search: {matched}")


@benchmark("sessions_list_10k", "bare indexed SQL, sqlite3, tuples",
           "The Sessions page's searches over 10,000 sessions and 10,000,000 readings (quick: 1,000 and 100,000) "
           "in a migrated SQLite file: five typical filters (newest first; last year not signed; critical and not "
           "acknowledged; part of a patient code, oldest first; a nurse's discharged sessions by patient, page 3), "
           "each SessionSearch.page (count, a page of 50, readings in force and alert events counted for the page) "
           "and its display table. Baseline: the same count and page as one hand-written SQL statement each "
           "through sqlite3, fetchall() into tuples, on the same file.")
def sessions_list_sqlite_case(quick: bool) -> Case:
    n_sessions, per_session = _sizes(quick)
    folder = Path(tempfile.mkdtemp(prefix="iv-bench-list-"))
    path = folder / "clinic.db"
    today = date.today()
    started = time.perf_counter()
    data = clinic(n_sessions, today)
    build_sqlite(path, data, per_session)
    built = time.perf_counter() - started
    qs = queries(today)
    bare = sqlite3.connect(path)

    def run_bare(q: Query) -> tuple[int, list[int]]:
        params = tuple(p.isoformat() if isinstance(p, date) else p for p in q.params)
        total = bare.execute(bare_statements(q, "?", 1)[0], params).fetchone()[0]
        rows = bare_statements(q, "?", min(q.filters.page, last_page(total, PAGE)))[1]
        return total, [row[0] for row in bare.execute(rows, params).fetchall()]

    url = f"sqlite:///{path}"
    totals = _same_rows(url, run_bare, qs)
    n_readings = bare.execute("SELECT count(*) FROM readings").fetchone()[0]
    notes = [_note("SQLite", data, n_readings, built, totals, qs)]

    def cleanup() -> None:
        bare.close()
        dispose(url)
        shutil.rmtree(folder, ignore_errors=True)

    return Case(project=_project(url, qs), baseline=lambda: [run_bare(q) for q in qs], cleanup=cleanup, notes=notes)


@benchmark("sessions_list_10k_postgres", "bare indexed SQL, psycopg, tuples",
           "The same five searches as sessions_list_10k over 10,000 sessions and 10,000,000 readings (quick: 1,000 "
           "and 100,000) in a migrated PostgreSQL database on a throwaway local server (tests/pgcluster.py), "
           "VACUUM ANALYZE after the load. Baseline: the same hand-written statements through psycopg, tuples.")
def sessions_list_postgres_case(quick: bool) -> Case:
    import psycopg

    from tests.pgcluster import PgCluster
    n_sessions, per_session = _sizes(quick)
    today = date.today()
    started = time.perf_counter()
    cluster = PgCluster()
    try:
        data = clinic(n_sessions, today)
        url = build_postgres(cluster, "sessions_list", data, per_session)
    except BaseException:
        cluster.stop()
        raise
    built = time.perf_counter() - started
    qs = queries(today)
    bare = psycopg.connect(cluster.dsn("sessions_list"), autocommit=True)

    def run_bare(q: Query) -> tuple[int, list[int]]:
        total = bare.execute(bare_statements(q, "%s", 1)[0], q.params).fetchone()[0]
        rows = bare_statements(q, "%s", min(q.filters.page, last_page(total, PAGE)))[1]
        return total, [row[0] for row in bare.execute(rows, q.params).fetchall()]

    totals = _same_rows(url, run_bare, qs)
    n_readings = bare.execute("SELECT count(*) FROM readings").fetchone()[0]
    notes = [_note("PostgreSQL (server start included)", data, n_readings, built, totals, qs)]

    def cleanup() -> None:
        bare.close()
        dispose(url)
        cluster.stop()

    return Case(project=_project(url, qs), baseline=lambda: [run_bare(q) for q in qs], cleanup=cleanup, notes=notes)
