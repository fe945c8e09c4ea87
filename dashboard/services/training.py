"""Training scenarios for the roles allowed to replay them (trainers, supervisors); sample files, never patients."""

from __future__ import annotations

from functools import lru_cache

from dashboard.core.roles import Actor
from dashboard.core.scenarios import Scenario, build_scenarios
from dashboard.seed import read_sample_files


@lru_cache(maxsize=1)
def _sample_scenarios() -> tuple[Scenario, ...]:
    readings, manifest = read_sample_files()
    return tuple(build_scenarios(readings, manifest))


def scenarios(actor: Actor) -> list[Scenario]:
    """The replayable sample sessions; refused (PermissionDenied) for a role that may not run scenarios."""
    actor.require("scenario.run")
    return list(_sample_scenarios())
