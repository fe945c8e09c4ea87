"""A patient's series read from the database (SQLite and PostgreSQL) in a few queries, whatever its length."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import event

from dashboard.core.roles import SYSTEM_ACTOR
from dashboard.services.patient_series import PatientSeries
from dashboard.store.errors import NotFound
from tests.review_world import DAYS, build_review_world


@pytest.fixture
def series(clinic_engine):
    build_review_world(clinic_engine)
    return PatientSeries(clinic_engine, SYSTEM_ACTOR)


def statements(engine, call) -> tuple[object, int]:
    seen = []
    # SQLite's explicit BEGIN (see store/db.py) opens the transaction; it is not a query
    listener = lambda *args: args[2] != "BEGIN" and seen.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        return call(), len(seen)
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def test_a_patients_infusions_with_peaks_rise_alerts_and_sedation(series, clinic_engine):
    table, queries = statements(clinic_engine, lambda: series.series("P-100"))
    assert queries <= 5  # the patient, sessions, readings, events, alert counts: not one per session or vital
    rows = table.set_index("code")
    assert rows.index.tolist() == ["S-A1", "S-A2"]
    assert rows["session_date"].tolist() == [DAYS["A1"], DAYS["A2"]]
    assert rows["infusion_number"].tolist() == [1, 2] and rows["phase"].tolist() == ["induction"] * 2
    # A1: baseline 118/76 before the start, peak 196/80; A2: no reading before the start, so no rise
    assert rows.loc["S-A1", ["peak_sbp", "peak_dbp", "peak_hr", "rise_sbp", "rise_dbp"]].tolist() == \
        [196, 80, 72, 78, 4]
    # in force: A2's 128 corrected to 129, its 126 voided
    assert rows.loc["S-A2", ["readings", "peak_sbp"]].tolist() == [2, 197]
    assert pd.isna(rows.loc["S-A2", "rise_sbp"])
    assert rows["alerts_high"].tolist() == [1, 1]
    assert rows.loc["S-A1", ["side_effects", "deepest_moaas"]].tolist() == ["Nausea (mild)", 4]
    assert rows.loc["S-A2", "side_effects"] == ""


def test_a_patient_without_sessions_and_an_unknown_code(series, clinic_engine):
    from dashboard.store import sessions as store_sessions
    store_sessions.create_patient(clinic_engine, "P-NEW", by="ana")
    assert series.series("P-NEW").empty
    with pytest.raises(NotFound, match="no patient with code 'P-404'"):
        series.series("P-404")
    with pytest.raises(NotFound, match="no patient"):
        series.series("' OR 1=1 --")
