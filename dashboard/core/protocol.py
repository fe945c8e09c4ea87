"""Alert protocols: per-vital warning and critical thresholds, validated, read from data files."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, model_validator

from dashboard.core.vitals import DATA_DIR, VITAL_KEYS

PROTOCOL_DIR = DATA_DIR / "protocols"
DEFAULT_PROTOCOL_FILE = "iv-ketamine-default.json"


class VitalLimits(BaseModel):
    """Thresholds for one vital; any of them may be absent (e.g. SpO2 has no high limit)."""

    model_config = ConfigDict(extra="forbid")

    critical_low: float | None = None
    warning_low: float | None = None
    warning_high: float | None = None
    critical_high: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> VitalLimits:
        order = [("critical_low", self.critical_low), ("warning_low", self.warning_low),
                 ("warning_high", self.warning_high), ("critical_high", self.critical_high)]
        present = [(name, value) for name, value in order if value is not None]
        for (name_a, a), (name_b, b) in zip(present, present[1:]):
            if not a < b:
                raise ValueError(f"{name_a} ({a:g}) must be below {name_b} ({b:g})")
        return self

    def level(self, value: float) -> str:
        """'critical', 'warning' or 'normal' for one value."""
        if (self.critical_low is not None and value < self.critical_low) or (
            self.critical_high is not None and value > self.critical_high
        ):
            return "critical"
        if (self.warning_low is not None and value < self.warning_low) or (
            self.warning_high is not None and value > self.warning_high
        ):
            return "warning"
        return "normal"


class PreDoseCaution(BaseModel):
    sbp: float = 140
    dbp: float = 90


class Protocol(BaseModel):
    """A named, versioned set of alert thresholds."""

    model_config = ConfigDict(extra="forbid")

    name: str
    version: int = 1
    description: str = ""
    limits: dict[str, VitalLimits]
    pre_dose_caution: PreDoseCaution = PreDoseCaution()
    bp_interval_min: float = 15

    @model_validator(mode="after")
    def _known_vitals(self) -> Protocol:
        unknown = set(self.limits) - set(VITAL_KEYS)
        if unknown:
            raise ValueError(f"unknown vital(s) in limits: {', '.join(sorted(unknown))}")
        return self


@lru_cache(maxsize=None)
def load_protocol(filename: str = DEFAULT_PROTOCOL_FILE) -> Protocol:
    return Protocol.model_validate(json.loads((PROTOCOL_DIR / filename).read_text()))


def default_protocol() -> Protocol:
    return load_protocol(DEFAULT_PROTOCOL_FILE)
