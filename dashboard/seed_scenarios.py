"""The scenarios shipped with the app, stored once on first start: the sample sessions (TR-001 ... TR-011) and
windows of the real monitor recordings in ../shared/realdata (TR-051, TR-052), skipped with a note when that
folder is not there. Safe when two processes start together: a scenario's unique code decides who stores it."""

from __future__ import annotations

import logging
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine

from dashboard.config import REPO_ROOT
from dashboard.core.decisions import CHOICES, decision_points
from dashboard.core.roles import SYSTEM_ACTOR
from dashboard.core.scenarios import Draft, definition_json, from_sample_files, monitor_draft, realdata_specs
from dashboard.seed import SAMPLE_DIR, read_sample_files
from dashboard.services.protocols import parse
from dashboard.services.training import protocol_named
from dashboard.store import protocols as store_protocols
from dashboard.store import scenarios as store_scenarios
from dashboard.store.errors import Conflict

log = logging.getLogger(__name__)
REALDATA_DIR = (REPO_ROOT / realdata_specs()[0]["folder"]).resolve()
SEED_REASON = "shipped with the app"


@lru_cache(maxsize=4)
def _sample_drafts(directory: Path) -> tuple[tuple[str, Draft], ...]:
    readings, manifest = read_sample_files(directory)
    return tuple((f"TR-{int(code.split('-')[1]):03d}", draft) for code, draft in from_sample_files(readings, manifest))


def realdata_drafts(folder: Path) -> tuple[list[tuple[str, Draft]], list[str]]:
    """(code, draft) per real recording found in folder, and a note for each one that is missing."""
    spec, scenarios = realdata_specs()
    found, notes = [], []
    for item in scenarios:
        path = folder / item["file"]
        if not path.is_file():
            notes.append(f"scenario {item['code']} ({item['title']}) skipped: {path} is not there")
            continue
        found.append((item["code"], monitor_draft(folder, item, spec["citation"])))
    return found, notes


@lru_cache(maxsize=8)
def _rows(sample_dir: Path, realdata: Path, protocols: tuple[tuple[str, str], ...]) -> tuple[tuple, tuple[str, ...]]:
    """Every shipped scenario as stored ((code, title, goal, protocol, source, definition), ...) and the notes,
    worked out once per process for the same files and protocols (each new database stores the same rows)."""
    found, notes = realdata_drafts(realdata)
    named = dict(protocols)
    rows = []
    for code, draft in [*_sample_drafts(sample_dir), *found]:
        draft = replace(draft, choices=draft.choices or CHOICES)
        protocol = parse(named[draft.protocol]) if draft.protocol in named else protocol_named(None, draft.protocol)
        decisions = decision_points(draft.readings, draft.as_scenario("").session_frame(), protocol,
                                    overrides=draft.overrides, quiet_at=draft.quiet_at)
        rows.append((code, draft.title, draft.goal, draft.protocol, draft.source, definition_json(draft, decisions)))
    return tuple(rows), tuple(notes)


def seed_scenarios(engine: Engine, sample_dir: Path = SAMPLE_DIR, realdata: Path | None = None) -> list[str]:
    """Store every shipped scenario not stored yet; returns notes (a real recording missing)."""
    realdata = REALDATA_DIR if realdata is None else realdata
    _, specs = realdata_specs()
    wanted = [code for code, _ in _sample_drafts(sample_dir)] + [s["code"] for s in specs]
    have = store_scenarios.codes(engine)
    if all(code in have for code in wanted):
        return []
    protocols = tuple((name, store_protocols.latest(engine, name).definition) for name in store_protocols.names(engine))
    rows, notes = _rows(sample_dir, realdata, protocols)
    for code, title, goal, protocol, source, definition in rows:
        if code in have:
            continue
        try:  # like the protocol presets: shipped content, its version row says who and why (no audit entry)
            store_scenarios.add_scenario(engine, code, title=title, goal=goal, protocol=protocol, source=source,
                                         definition=definition, reason=SEED_REASON, by=SYSTEM_ACTOR.username)
        except Conflict:
            continue  # another process starting at the same moment stored it first
    for note in notes:
        log.warning(note)
    return list(notes)
