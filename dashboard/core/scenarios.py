"""Training scenarios: the sample sessions as replayable data, read from sample_data/ (no database)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard.core.events import event_caption
from dashboard.core.validation import complete_map


@dataclass(frozen=True)
class Scenario:
    code: str
    title: str
    description: str
    watch_for: str
    started_at: pd.Timestamp
    stopped_at: pd.Timestamp
    readings: pd.DataFrame  # measured_at and vitals, as recorded after corrections
    events: pd.DataFrame  # occurred_at, label

    @property
    def span_min(self) -> tuple[float, float]:
        minutes = (self.readings["measured_at"] - self.started_at).dt.total_seconds() / 60
        return float(minutes.min()), float(minutes.max())


def build_scenarios(readings: pd.DataFrame, manifest: dict) -> list[Scenario]:
    """readings: as read by dashboard.seed.read_sample_files (session_code, measured_at, vitals)."""
    scenarios = []
    voided = {(v["session"], pd.Timestamp(v["timestamp"])) for v in manifest["entered_in_error"]}
    for spec in manifest["sessions"]:
        rows = readings[readings["session_code"] == spec["code"]].copy()
        keep = [(spec["code"], t) not in voided for t in rows["measured_at"]]
        rows = rows[keep]
        for fix in (c for c in manifest["corrections"] if c["session"] == spec["code"]):
            hit = rows["measured_at"] == pd.Timestamp(fix["timestamp"])
            for key, value in fix["values"].items():
                rows.loc[hit, key] = float(value)
            rows.loc[hit & rows["map_computed"], "map"] = float("nan")
        rows = complete_map(rows.drop(columns="map_computed"))
        events = [e for e in manifest["events"] if e["session"] == spec["code"]]
        scenarios.append(Scenario(
            code=spec["code"], title=spec["title"], description=spec["description"], watch_for=spec["watch_for"],
            started_at=pd.Timestamp(spec["infusion_started_at"]).tz_convert("UTC"),
            stopped_at=pd.Timestamp(spec["infusion_stopped_at"]).tz_convert("UTC"),
            readings=rows.reset_index(drop=True),
            events=pd.DataFrame({
                "occurred_at": pd.to_datetime([e["occurred_at"] for e in events], utc=True),
                "label": [event_caption(e["kind"], e["label"], e["score"]) for e in events],
            }),
        ))
    return scenarios
