"""Several processes meeting a fresh database at once: each one starts cleanly, the presets are stored once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dashboard.store.db import dispose, get_engine
from dashboard.store.schema import protocol_assignments, protocol_versions

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 4


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_url(request, tmp_path):
    """A database nothing has touched yet: no schema, no table."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    cluster = request.getfixturevalue("pg_cluster")
    name = f"fresh_{os.getpid()}_{tmp_path.name[-20:]}".replace("-", "_").lower()
    url = cluster.create_database(name)
    yield url
    dispose(url)
    cluster.drop_database(name)


def test_imports_started_together_on_a_fresh_database_all_finish_and_store_the_presets_once(fresh_url, tmp_path):
    """Before: one of two imports died with 'table patients already exists' or a UNIQUE failure on the presets."""
    csv = tmp_path / "chair 1.csv"
    csv.write_text("session_id,timestamp,sbp,dbp,map,hr,spo2,rr,temp_c,note\n"
                   "S-9,2026-01-01T09:00:00-05:00,128,82,,74,98,14,,\n")
    env = {**os.environ, "DATABASE_URL": fresh_url, "CLINIC_TZ": "America/New_York"}
    started = [subprocess.Popen([sys.executable, "-m", "dashboard", "import", str(csv)], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(PROCESSES)]
    finished = [process.communicate(timeout=300) for process in started]
    for process, (out, err) in zip(started, finished, strict=True):
        assert "Traceback" not in err, err
        assert process.returncode == 0, err
        assert "session 'S-9' does not exist" in out
    engine = get_engine(fresh_url)
    with engine.connect() as conn:
        versions = conn.execute(select(protocol_versions.c.name, func.count()).group_by(protocol_versions.c.name)).all()
        assignments = conn.execute(select(func.count()).select_from(protocol_assignments)).scalar_one()
    assert sorted(n for _, n in versions) == [1, 1]  # each shipped preset once, as version 1
    assert assignments == 1  # one clinic default
