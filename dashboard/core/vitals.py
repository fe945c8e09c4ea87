"""Vital-sign definitions (names, units, codes) and the plausibility limits read from data."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class Vital:
    key: str
    label: str
    short: str
    unit: str
    loinc: str
    decimals: int = 0


VITALS: tuple[Vital, ...] = (
    Vital("sbp", "Systolic BP", "SBP", "mmHg", "8480-6"),
    Vital("dbp", "Diastolic BP", "DBP", "mmHg", "8462-4"),
    Vital("map", "Mean arterial pressure", "MAP", "mmHg", "8478-0"),
    Vital("hr", "Heart rate", "HR", "/min", "8867-4"),
    Vital("spo2", "SpO2", "SpO2", "%", "59408-5"),
    Vital("rr", "Respiratory rate", "RR", "/min", "9279-1"),
    Vital("temp_c", "Temperature", "Temp", "°C", "8310-5", decimals=1),
)
VITAL_BY_KEY = {v.key: v for v in VITALS}
VITAL_KEYS = tuple(v.key for v in VITALS)

BP_METHODS = ("cuff", "arterial", "manual")
SOURCES = ("manual", "file", "device")


@dataclass(frozen=True)
class Range:
    min: float
    max: float


@lru_cache(maxsize=None)
def plausibility_limits(path: Path | None = None) -> dict[str, Range]:
    """Limits outside which a value is impossible (rejected), as opposed to alert thresholds."""
    raw = json.loads((path or DATA_DIR / "plausibility.json").read_text())
    return {key: Range(float(raw[key]["min"]), float(raw[key]["max"])) for key in VITAL_KEYS}


def compute_map(sbp: float, dbp: float) -> float:
    """Estimated mean arterial pressure, (SBP + 2 DBP) / 3; about 5 mmHg below a cuff's measured MAP."""
    return round((sbp + 2 * dbp) / 3, 1)
