"""An infusion session as pages, commands and services see it: who, when, and where it stands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

STATUSES = ("planned", "infusing", "recovery", "discharged")


@dataclass(frozen=True)
class Session:
    id: int
    code: str
    patient_id: int
    patient_code: str
    session_date: date
    infusion_number: int | None
    protocol: str
    planned_dose_mg: float | None
    weight_kg: float | None
    infusion_started_at: datetime | None
    infusion_stopped_at: datetime | None
    discharged_at: datetime | None
    status: str
    chair_id: int | None = None
    chair: str | None = None  # the chair's name: where it runs (kept after discharge)

    @property
    def label(self) -> str:
        number = f" · infusion {self.infusion_number}" if self.infusion_number else ""
        return f"{self.code} · {self.patient_code} · {self.session_date:%Y-%m-%d}{number}"
