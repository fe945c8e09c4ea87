"""Alert protocols: thresholds, persistence, hysteresis, baseline change; validated, read from data."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import lru_cache

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dashboard.core.vitals import DATA_DIR, VITAL_BY_KEY, VITAL_KEYS, plausibility_limits

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
        for (name_a, a), (name_b, b) in zip(present, present[1:], strict=False):
            if not a < b:
                raise ValueError(f"{name_a.replace('_', ' ')} ({a:g}) must be below {name_b.replace('_', ' ')} "
                                 f"({b:g}): each warning limit sits inside its critical limit")
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
    model_config = ConfigDict(extra="forbid")

    sbp: float = 140
    dbp: float = 90


class Persistence(BaseModel):
    """A condition must hold for this many consecutive readings, or this many minutes, to raise an alert."""

    model_config = ConfigDict(extra="forbid")

    readings: int = Field(1, ge=1, le=20)
    minutes: float | None = Field(None, gt=0, le=60)


class BaselineChange(BaseModel):
    """Change from the session's own pre-infusion baseline that alerts (medium priority)."""

    model_config = ConfigDict(extra="forbid")

    rise_abs: float | None = Field(None, gt=0)
    rise_pct: float | None = Field(None, gt=0, le=200)
    fall_pct: float | None = Field(None, gt=0, lt=100)


DEFAULT_HYSTERESIS = {"sbp": 5, "dbp": 5, "map": 5, "hr": 5, "spo2": 1, "rr": 2, "temp_c": 0.2}


class Protocol(BaseModel):
    """A named, versioned set of alert thresholds."""

    model_config = ConfigDict(extra="forbid")

    name: str
    version: int = 1
    description: str = ""
    limits: dict[str, VitalLimits]
    persistence: dict[str, Persistence] = {"warning": Persistence(readings=2), "critical": Persistence(readings=1)}
    hysteresis: dict[str, float] = DEFAULT_HYSTERESIS
    baseline_change: dict[str, BaselineChange] = {}
    escalate_when_warnings: int = Field(2, ge=2, le=7)
    pre_dose_caution: PreDoseCaution = PreDoseCaution()
    bp_interval_min: float = Field(15, gt=0, le=240)
    reminder_min: float = Field(3, gt=0, le=60)
    # Discharge is refused (unless overridden with a reason) before this many minutes have passed since
    # the infusion stopped (IV) or started (a nasal-spray dose is given at the start).
    min_observation_min: float = Field(30, ge=0, le=480)
    min_observation_from: Literal["infusion_stop", "infusion_start"] = "infusion_stop"

    @model_validator(mode="after")
    def _consistent(self) -> Protocol:
        for section in ("limits", "hysteresis", "baseline_change"):
            unknown = set(getattr(self, section)) - set(VITAL_KEYS)
            if unknown:
                raise ValueError(f"unknown vital(s) in {section}: {', '.join(sorted(unknown))}")
        if set(self.persistence) - {"warning", "critical"}:
            raise ValueError("persistence has the levels 'warning' and 'critical' only")
        possible = plausibility_limits()
        for key, limits in self.limits.items():
            bounds, vital = possible[key], VITAL_BY_KEY[key]
            for name, value in limits.model_dump().items():
                if value is not None and not bounds.min <= value <= bounds.max:
                    raise ValueError(
                        f"{vital.short} {name.replace('_', ' ')} {value:g} is outside the possible range "
                        f"{bounds.min:g}-{bounds.max:g} {vital.unit}: check the units")
        return self

    def margin(self, key: str) -> float:
        return float(self.hysteresis.get(key, 0.0))

    def earliest_discharge(self, started_at: datetime | None, stopped_at: datetime | None) -> datetime | None:
        """The minimum observation's end: min_observation_min after the infusion stop (or start, for a dose
        given at once such as a nasal spray). None when the reference time is not known yet."""
        reference = stopped_at if self.min_observation_from == "infusion_stop" else started_at
        return None if reference is None else reference + timedelta(minutes=self.min_observation_min)


@lru_cache(maxsize=None)
def load_protocol(filename: str = DEFAULT_PROTOCOL_FILE) -> Protocol:
    return Protocol.model_validate(json.loads((PROTOCOL_DIR / filename).read_text()))


def default_protocol() -> Protocol:
    return load_protocol(DEFAULT_PROTOCOL_FILE)


def preset_files() -> list[str]:
    """The protocols shipped with the app (dashboard/data/protocols/*.json)."""
    return sorted(p.name for p in PROTOCOL_DIR.glob("*.json"))
