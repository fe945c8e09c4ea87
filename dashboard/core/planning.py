"""Rules for opening a session: its number in the patient's series and the planned dose from the weight."""

from __future__ import annotations

from collections.abc import Iterable

MG_PER_KG = 0.5  # racemic ketamine, the usual IV dose over 40 minutes


def planned_dose_mg(dose_mg: float | None, weight_kg: float | None) -> float | None:
    """The dose as given, else MG_PER_KG times the weight (to 0.1 mg), else unknown."""
    if dose_mg:
        return dose_mg
    return round(MG_PER_KG * weight_kg, 1) if weight_kg else None


def next_infusion_number(previous: Iterable[int | None]) -> int:
    """The number after the patient's previous sessions (a session without a number still counts as one)."""
    numbers = list(previous)
    known = [n for n in numbers if n]
    return max(max(known, default=0), len(numbers)) + 1
