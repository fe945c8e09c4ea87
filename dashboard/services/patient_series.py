"""A patient's infusions side by side (dose, peaks, rise from baseline, alerts, side effects, sedation)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine

from dashboard.core.roles import Actor
from dashboard.core.series import infusion_series
from dashboard.store.patient_series import patient_course


class PatientSeries:
    """One patient's course as the signed-in user may read it."""

    def __init__(self, engine: Engine, actor: Actor):
        self.engine, self.actor = engine, actor

    def series(self, patient_code: str) -> pd.DataFrame:
        """One row per infusion, oldest first (dashboard.core.series.SERIES_COLUMNS); NotFound for no such patient."""
        self.actor.require("session.read")
        course = patient_course(self.engine, patient_code)
        return infusion_series(course["sessions"], course["readings"], course["events"], course["alert_counts"])
