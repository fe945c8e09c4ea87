"""A patient's course, infusion by infusion: dose, peak BP and HR, largest rise from the pre-infusion baseline,
alert events, side effects and sedation, so that earlier infusions can be compared with the next one."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.core.alerts import baselines
from dashboard.core.events import SEVERITIES

INDUCTION_INFUSIONS = 6  # clinical.md: an induction series is about 6 infusions, then maintenance
SERIES_COLUMNS = ("session_id", "code", "session_date", "infusion_number", "phase", "status", "dose_mg",
                  "dose_mg_per_kg", "readings", "peak_sbp", "peak_dbp", "peak_hr", "baseline_sbp", "baseline_dbp",
                  "rise_sbp", "rise_dbp", "alerts_high", "alerts_medium", "side_effects", "deepest_moaas",
                  "highest_cadss")


def _number(sessions: pd.DataFrame) -> np.ndarray:
    """The infusion number, or its place in the series when none was recorded."""
    given = pd.to_numeric(sessions["infusion_number"], errors="coerce").to_numpy(dtype="float64")
    return np.where(np.isnan(given), np.arange(1, len(sessions) + 1), given).astype(int)


def _side_effects(events: pd.DataFrame) -> pd.Series:
    """Per session: each side effect once, at its worst severity, in the order first seen ('Nausea (moderate)')."""
    effects = events[events["kind"] == "side_effect"].sort_values(["occurred_at"], kind="stable")
    rank = {severity: i for i, severity in enumerate(SEVERITIES)}
    texts = {}
    for session_id, group in effects.groupby("session_id", sort=False):
        worst: dict[str, str | None] = {}
        for label, severity in zip(group["label"], group["severity"]):
            severity = severity if isinstance(severity, str) else None
            known = worst.get(label)
            if label not in worst or (severity and (known is None or rank[severity] > rank[known])):
                worst[label] = severity
        texts[session_id] = ", ".join(f"{label} ({severity})" if severity else label for label, severity in worst.items())
    return pd.Series(texts, dtype=object)


def _scores(events: pd.DataFrame, kind: str, how: str) -> pd.Series:
    scored = events[(events["kind"] == kind) & events["score"].notna()]
    return scored.groupby("session_id")["score"].agg(how).astype("float64")


def infusion_series(sessions: pd.DataFrame, readings: pd.DataFrame, events: pd.DataFrame,
                    alert_counts: pd.DataFrame) -> pd.DataFrame:
    """One row per infusion (SERIES_COLUMNS), oldest first.

    sessions: session_id, code, session_date, infusion_number, status, planned_dose_mg, weight_kg,
      infusion_started_at, infusion_stopped_at, discharged_at (UTC).
    readings: the readings in force: session_id, measured_at (UTC), sbp, dbp, hr.
    events: session_id, kind, label, score, severity, occurred_at.
    alert_counts: session_id, priority, events (alert events not withdrawn).
    The baseline is the alert engine's (median of the readings before infusion start); the rise is the largest
    reading from infusion start on minus the baseline (NaN without a baseline or a reading after the start).
    """
    if sessions.empty:
        return pd.DataFrame(columns=list(SERIES_COLUMNS))
    s = sessions.sort_values(["session_date", "infusion_number", "session_id"], na_position="last",
                             kind="stable").reset_index(drop=True)
    ids = pd.Index(s["session_id"], name="session_id")
    number = _number(s)
    per = readings.groupby("session_id")
    peaks = per[["sbp", "dbp", "hr"]].max().reindex(ids)
    base = baselines(readings, s[["session_id", "infusion_started_at", "infusion_stopped_at", "discharged_at"]])
    started = readings["session_id"].map(pd.to_datetime(s["infusion_started_at"], utc=True).set_axis(ids))
    after = readings[readings["measured_at"] >= started]  # NaT (not started) compares False
    highest_after = after.groupby("session_id")[["sbp", "dbp"]].max().reindex(ids)
    counts = alert_counts.groupby(["session_id", "priority"])["events"].sum().unstack("priority") \
        if len(alert_counts) else pd.DataFrame()
    dose = pd.to_numeric(s["planned_dose_mg"], errors="coerce").to_numpy(dtype="float64")
    weight = pd.to_numeric(s["weight_kg"], errors="coerce").to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        per_kg = np.where(weight > 0, dose / weight, np.nan)

    def count(priority: str) -> np.ndarray:
        column = counts[priority] if priority in counts else pd.Series(dtype="float64")
        return column.reindex(ids).fillna(0).astype(int).to_numpy()

    return pd.DataFrame({
        "session_id": s["session_id"].to_numpy(),
        "code": s["code"].to_numpy(),
        "session_date": s["session_date"].to_numpy(),
        "infusion_number": number,
        "phase": np.where(number <= INDUCTION_INFUSIONS, "induction", "maintenance"),
        "status": s["status"].to_numpy(),
        "dose_mg": dose,
        "dose_mg_per_kg": np.round(per_kg, 2),
        "readings": per.size().reindex(ids).fillna(0).astype(int).to_numpy(),
        "peak_sbp": peaks["sbp"].to_numpy(),
        "peak_dbp": peaks["dbp"].to_numpy(),
        "peak_hr": peaks["hr"].to_numpy(),
        "baseline_sbp": base["sbp"].to_numpy(),
        "baseline_dbp": base["dbp"].to_numpy(),
        "rise_sbp": (highest_after["sbp"] - base["sbp"].to_numpy()).to_numpy(),
        "rise_dbp": (highest_after["dbp"] - base["dbp"].to_numpy()).to_numpy(),
        "alerts_high": count("high"),
        "alerts_medium": count("medium"),
        "side_effects": _side_effects(events).reindex(ids).fillna("").to_numpy(),
        "deepest_moaas": _scores(events, "moaa_s", "min").reindex(ids).to_numpy(),
        "highest_cadss": _scores(events, "cadss", "max").reindex(ids).to_numpy(),
    }, columns=list(SERIES_COLUMNS))


def _num(value, digits: int = 0) -> str:
    if value is None or pd.isna(value):
        return ""
    return f"{value:.{digits}f}" if digits else f"{value:g}"


def _signed(value) -> str:
    return "" if pd.isna(value) else f"{value:+g}"


def _pair(first: str, second: str, between: str = "/") -> str:
    return f"{first}{between}{second}" if first or second else ""


def _dose(mg, per_kg) -> str:
    """'34 mg (0.50 mg/kg)'."""
    if pd.isna(mg):
        return ""
    return f"{mg:g} mg" + (f" ({per_kg:.2f} mg/kg)" if pd.notna(per_kg) else "")


def series_display(table: pd.DataFrame) -> pd.DataFrame:
    """The series as read on the page: one row per infusion, units in the headers."""
    return pd.DataFrame({
        "Infusion": table["infusion_number"].to_numpy(),
        "Session": table["code"].to_numpy(),
        "Date": [f"{d:%Y-%m-%d}" for d in table["session_date"]],
        "Phase": table["phase"].to_numpy(),
        "Dose": [_dose(mg, per_kg) for mg, per_kg in zip(table["dose_mg"], table["dose_mg_per_kg"])],
        "Peak BP mmHg": [_pair(_num(s), _num(d)) for s, d in zip(table["peak_sbp"], table["peak_dbp"])],
        "Peak HR /min": [_num(v) for v in table["peak_hr"]],
        "Baseline BP": [_pair(_num(s), _num(d)) for s, d in zip(table["baseline_sbp"], table["baseline_dbp"])],
        "Rise SBP / DBP": [_pair(_signed(s), _signed(d), " / ") for s, d in zip(table["rise_sbp"], table["rise_dbp"])],
        "High alerts": table["alerts_high"].to_numpy(),
        "Medium alerts": table["alerts_medium"].to_numpy(),
        "Side effects": table["side_effects"].to_numpy(),
        "Deepest MOAA/S": [_num(v) for v in table["deepest_moaas"]],
        "Highest CADSS": [_num(v) for v in table["highest_cadss"]],
    })
