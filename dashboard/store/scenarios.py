"""Training scenarios and trainees' results: add a scenario or a version of one, read the latest or a given
version, append a result, read results back. Nothing here is ever updated or deleted."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from dashboard.core.clock import utcnow
from dashboard.store.db import Bind, begin, connect
from dashboard.store.errors import Conflict, NotFound
from dashboard.store.schema import scenario_results, scenario_versions, scenarios

CODE_PREFIX = "TR-"
FIRST_FREE_NUMBER = 101  # TR-001 ... TR-100 are the scenarios shipped with the app


@dataclass(frozen=True)
class StoredVersion:
    id: int
    code: str
    version: int
    title: str
    goal: str
    protocol: str
    source: str
    definition: str  # JSON (dashboard.core.scenarios.definition_json)
    reason: str
    created_at: datetime
    created_by: str


def _version_select():
    v = scenario_versions
    return select(v.c.id, scenarios.c.code, v.c.version, v.c.title, v.c.goal, v.c.protocol, v.c.source,
                  v.c.definition, v.c.reason, v.c.created_at, v.c.created_by).join(scenarios)


def _stored(row) -> StoredVersion:
    return StoredVersion(**row._mapping)


def codes(bind: Bind) -> set[str]:
    with connect(bind) as conn:
        return set(conn.execute(select(scenarios.c.code)).scalars())


def next_code(bind: Bind) -> str:
    """TR-101, TR-102, ...: one past the highest number in use (the shipped ones stay below)."""
    numbers = [int(m.group(1)) for code in codes(bind) if (m := re.fullmatch(r"TR-(\d+)", code))]
    return f"{CODE_PREFIX}{max([FIRST_FREE_NUMBER - 1, *numbers]) + 1:03d}"


def add_scenario(bind: Bind, code: str, *, title: str, goal: str, protocol: str, source: str, definition: str,
                 reason: str, by: str) -> StoredVersion:
    """A new scenario with its version 1; Conflict when the code is taken (also when another process took it
    a moment ago: the unique code decides)."""
    try:
        with begin(bind) as conn:
            scenario_id = conn.execute(insert(scenarios).values(code=code, created_at=utcnow(), created_by=by)
                                       .returning(scenarios.c.id)).scalar_one()
            return _add_version(conn, scenario_id, 1, title=title, goal=goal, protocol=protocol, source=source,
                                definition=definition, reason=reason, by=by)
    except IntegrityError:
        raise Conflict(f"a scenario with code {code!r} already exists") from None


def add_version(bind: Bind, code: str, *, title: str, goal: str, protocol: str, source: str, definition: str,
                reason: str, by: str) -> StoredVersion:
    try:
        with begin(bind) as conn:
            scenario_id = _scenario_id(conn, code)
            latest = conn.execute(select(func.max(scenario_versions.c.version))
                                  .where(scenario_versions.c.scenario_id == scenario_id)).scalar_one() or 0
            return _add_version(conn, scenario_id, latest + 1, title=title, goal=goal, protocol=protocol,
                                source=source, definition=definition, reason=reason, by=by)
    except IntegrityError:
        raise Conflict(f"scenario {code} was changed meanwhile by someone else: reload and try again") from None


def _add_version(conn, scenario_id: int, version: int, *, title, goal, protocol, source, definition, reason,
                 by) -> StoredVersion:
    now = utcnow()
    new_id = conn.execute(insert(scenario_versions).values(
        scenario_id=scenario_id, version=version, title=title, goal=goal, protocol=protocol, source=source,
        definition=definition, reason=reason, created_at=now, created_by=by,
    ).returning(scenario_versions.c.id)).scalar_one()
    return _stored(conn.execute(_version_select().where(scenario_versions.c.id == new_id)).one())


def _scenario_id(conn, code: str) -> int:
    found = conn.execute(select(scenarios.c.id).where(scenarios.c.code == code)).scalar_one_or_none()
    if found is None:
        raise NotFound(f"no scenario {code!r}")
    return found


def latest_versions(bind: Bind) -> list[StoredVersion]:
    """Every scenario's newest version, by code."""
    newest = (select(scenario_versions.c.scenario_id, func.max(scenario_versions.c.version).label("version"))
              .group_by(scenario_versions.c.scenario_id).subquery())
    query = _version_select().join(newest, (newest.c.scenario_id == scenario_versions.c.scenario_id)
                                   & (newest.c.version == scenario_versions.c.version)).order_by(scenarios.c.code)
    with connect(bind) as conn:
        return [_stored(row) for row in conn.execute(query)]


def version(bind: Bind, code: str, number: int | None = None) -> StoredVersion:
    """A scenario's given version, or its newest."""
    query = _version_select().where(scenarios.c.code == code)
    query = query.where(scenario_versions.c.version == number) if number is not None else \
        query.order_by(scenario_versions.c.version.desc()).limit(1)
    with connect(bind) as conn:
        row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"no scenario {code!r}" + ("" if number is None else f" version {number}"))
    return _stored(row)


def history(bind: Bind, code: str) -> pd.DataFrame:
    """Every version of a scenario, newest first: version, title, protocol, reason, who and when."""
    query = (_version_select().where(scenarios.c.code == code).order_by(scenario_versions.c.version.desc()))
    with connect(bind) as conn:
        rows = conn.execute(query).all()
    frame = pd.DataFrame([r._mapping for r in rows],
                         columns=["id", "code", "version", "title", "goal", "protocol", "source", "definition",
                                  "reason", "created_at", "created_by"])
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    return frame.drop(columns=["definition"])


RESULT_COLUMNS = ("id", "code", "version", "trainee", "finished_at", "score", "right_answers", "decisions",
                  "answers")


def add_result(bind: Bind, version_id: int, *, trainee: str, score: int, right_answers: int, decisions: int,
               answers: str, finished_at: datetime | None = None) -> int:
    with begin(bind) as conn:
        return conn.execute(insert(scenario_results).values(
            scenario_version_id=version_id, trainee=trainee, finished_at=finished_at or utcnow(), score=score,
            right_answers=right_answers, decisions=decisions, answers=answers,
        ).returning(scenario_results.c.id)).scalar_one()


def results(bind: Bind, *, code: str | None = None, trainee: str | None = None) -> pd.DataFrame:
    """Results, newest first, of one scenario (any version) and/or one trainee."""
    r, v = scenario_results, scenario_versions
    query = (select(r.c.id, scenarios.c.code, v.c.version, r.c.trainee, r.c.finished_at, r.c.score,
                    r.c.right_answers, r.c.decisions, r.c.answers)
             .join(v, r.c.scenario_version_id == v.c.id).join(scenarios, v.c.scenario_id == scenarios.c.id)
             .order_by(r.c.finished_at.desc(), r.c.id.desc()))
    if code is not None:
        query = query.where(scenarios.c.code == code)
    if trainee is not None:
        query = query.where(r.c.trainee == trainee)
    with connect(bind) as conn:
        rows = conn.execute(query).all()
    frame = pd.DataFrame([row._mapping for row in rows], columns=list(RESULT_COLUMNS))
    frame["finished_at"] = pd.to_datetime(frame["finished_at"], utc=True)
    return frame
