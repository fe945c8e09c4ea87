"""Training scenarios as data: readings and events on a fixed reference day, the protocol they run under,
their decision points, and the JSON they are stored as. Built from the sample files, a monitor file or a
finished session (de-identified: no code, name, note or date of the source survives)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.core.decisions import Decision
from dashboard.core.events import EVENT_KINDS, SIDE_EFFECTS, SEVERITIES, event_caption
from dashboard.core.validation import complete_map
from dashboard.core.vitals import BP_METHODS, VITAL_KEYS

# Every scenario is replayed on this day, its infusion starting at this moment: the source's date and time of
# day are never kept (times are stored as seconds from the infusion start).
REFERENCE_START = pd.Timestamp("2000-01-01 09:00", tz="UTC")
REPLAY_TZ = "UTC"  # scenario times are shown as the reference day's clock (the infusion starts at 09:00)
READING_FIELDS = (*VITAL_KEYS, "bp_method")
EVENT_FIELDS = ("kind", "label", "score", "severity")


@dataclass(frozen=True)
class Scenario:
    """One version of a scenario, its times materialised on the reference day."""

    code: str
    title: str
    goal: str  # the learning goal: what the trainee should take away
    protocol: str  # name of the protocol it runs under
    source: str  # where the readings come from (with the citation a data set asks for)
    description: str
    readings: pd.DataFrame  # measured_at (UTC, reference day), vitals, map_computed, bp_method
    events: pd.DataFrame  # occurred_at, kind, label, score, severity
    started_at: pd.Timestamp
    stopped_at: pd.Timestamp | None
    discharged_at: pd.Timestamp | None
    decisions: tuple[Decision, ...] = ()
    choices: tuple[str, ...] = ()
    version: int = 1
    created_at: pd.Timestamp | None = None
    created_by: str = ""
    reason: str = ""

    @property
    def span_min(self) -> tuple[float, float]:
        """First and last minute of the replay (from infusion start): the readings, the stop and discharge."""
        moments = [minutes(self.readings["measured_at"], self.started_at)] if len(self.readings) else []
        ends = [t for t in (self.stopped_at, self.discharged_at) if t is not None]
        values = np.concatenate([*moments, minutes(pd.Series(ends), self.started_at) if ends else [], [0.0]])
        return float(np.min(values)), float(np.max(values))

    def minute_of(self, moment) -> float:
        return float((pd.Timestamp(moment) - self.started_at).total_seconds() / 60)

    def moment(self, minute: float) -> pd.Timestamp:
        return self.started_at + pd.Timedelta(minutes=minute)

    def session_frame(self, until: pd.Timestamp | None = None) -> pd.DataFrame:
        """The one-session frame the alert engine takes; the discharge counts only once the clock has passed it."""
        discharged = self.discharged_at if self.discharged_at is not None and (
            until is None or self.discharged_at <= until) else None
        return pd.DataFrame({"session_id": [1],
                             "infusion_started_at": pd.to_datetime([self.started_at], utc=True),
                             "infusion_stopped_at": pd.to_datetime([self.stopped_at], utc=True),
                             "discharged_at": pd.to_datetime([discharged], utc=True)})

    def chart_events(self) -> pd.DataFrame:
        return pd.DataFrame({
            "occurred_at": self.events["occurred_at"],
            "label": [event_caption(k, lab, None if pd.isna(s) else int(s))
                      for k, lab, s in zip(self.events["kind"], self.events["label"], self.events["score"],
                                           strict=True)],
            "severity": self.events["severity"],
        })


def minutes(times: pd.Series, origin: pd.Timestamp) -> np.ndarray:
    return ((pd.to_datetime(times, utc=True) - origin).dt.total_seconds() / 60).to_numpy(dtype="float64")


# ---- building: what any source gives, de-identified ----

@dataclass(frozen=True)
class Draft:
    """A scenario before it is stored: what the readings show, without any link to where they came from."""

    title: str
    goal: str
    protocol: str
    source: str
    description: str
    readings: pd.DataFrame  # measured_at (UTC, reference day) + READING_FIELDS
    events: pd.DataFrame  # occurred_at + EVENT_FIELDS
    started_at: pd.Timestamp = REFERENCE_START
    stopped_at: pd.Timestamp | None = None
    discharged_at: pd.Timestamp | None = None
    choices: tuple[str, ...] = ()
    overrides: dict = field(default_factory=dict)  # minute -> {"good": [...], "why": "..."} (curated answers)
    quiet_at: tuple[float, ...] | None = None  # chosen quiet moments (minutes); None: chosen from the readings

    def as_scenario(self, code: str, decisions: tuple[Decision, ...] = ()) -> Scenario:
        return Scenario(code=code, title=self.title, goal=self.goal, protocol=self.protocol, source=self.source,
                        description=self.description, readings=self.readings, events=self.events,
                        started_at=self.started_at, stopped_at=self.stopped_at, discharged_at=self.discharged_at,
                        decisions=decisions, choices=self.choices)


def shift(readings: pd.DataFrame, events: pd.DataFrame, started_at, stopped_at=None, discharged_at=None,
          ) -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp | None, pd.Timestamp | None]:
    """Readings (vitals and BP method only) and events (kind, a label from the fixed lists, score, severity)
    moved so the infusion starts at REFERENCE_START. Everything else is dropped: ids, codes, who entered what,
    file names, notes and free-text labels (an unlisted side effect becomes 'Other', a note event goes)."""
    delta = REFERENCE_START - pd.Timestamp(started_at).tz_convert("UTC")
    kept = pd.DataFrame({"measured_at": pd.to_datetime(readings["measured_at"], utc=True) + delta})
    for key in VITAL_KEYS:
        kept[key] = readings[key].astype("float64") if key in readings else np.nan
    kept["map_computed"] = readings["map_computed"].fillna(False).astype(bool).to_numpy() \
        if "map_computed" in readings else False
    methods = readings["bp_method"] if "bp_method" in readings else pd.Series([None] * len(readings))
    kept["bp_method"] = [m if m in BP_METHODS and pd.notna(s) else None
                         for m, s in zip(methods, kept["sbp"], strict=True)]
    kept = kept.sort_values("measured_at", kind="stable", ignore_index=True)
    rows = []
    for event in events.itertuples(index=False):
        if event.kind not in EVENT_KINDS or event.kind == "note":
            continue
        if event.kind == "side_effect":
            label = event.label if event.label in SIDE_EFFECTS else "Other"
        else:
            label = EVENT_KINDS[event.kind][0]
        score = getattr(event, "score", None)
        severity = getattr(event, "severity", None)
        rows.append({"occurred_at": pd.Timestamp(event.occurred_at).tz_convert("UTC") + delta, "kind": event.kind,
                     "label": label, "score": None if score is None or pd.isna(score) else int(score),
                     "severity": severity if severity in SEVERITIES else None})
    moved = lambda t: None if t is None or pd.isna(t) else pd.Timestamp(t).tz_convert("UTC") + delta  # noqa: E731
    return kept, event_frame(rows), moved(stopped_at), moved(discharged_at)


def event_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["occurred_at", *EVENT_FIELDS])
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
    frame["score"] = frame["score"].astype("Int64")
    return frame.sort_values("occurred_at", kind="stable", ignore_index=True)


def from_sample_files(readings: pd.DataFrame, manifest: dict) -> list[tuple[str, Draft]]:
    """(sample session code, draft) for every sample session: readings as recorded after their corrections.

    readings: as read by dashboard.seed.read_sample_files (session_code, measured_at, vitals, map_computed)."""
    drafts = []
    voided = {(v["session"], pd.Timestamp(v["timestamp"])) for v in manifest["entered_in_error"]}
    for spec in manifest["sessions"]:
        rows = readings[readings["session_code"] == spec["code"]].copy()
        rows = rows[[(spec["code"], t) not in voided for t in rows["measured_at"]]]
        for fix in (c for c in manifest["corrections"] if c["session"] == spec["code"]):
            hit = rows["measured_at"] == pd.Timestamp(fix["timestamp"])
            for key, value in fix["values"].items():
                rows.loc[hit, key] = float(value)
            rows.loc[hit & rows["map_computed"], "map"] = float("nan")
        rows = complete_map(rows.drop(columns="map_computed")).assign(bp_method="cuff")
        events = pd.DataFrame([e for e in manifest["events"] if e["session"] == spec["code"]],
                              columns=["kind", "label", "score", "severity", "occurred_at"])
        events["occurred_at"] = pd.to_datetime(events["occurred_at"], utc=True)
        kept, moved_events, stopped, discharged = shift(rows, events, pd.Timestamp(spec["infusion_started_at"]),
                                                        pd.Timestamp(spec["infusion_stopped_at"]),
                                                        pd.Timestamp(spec["discharged_at"]))
        drafts.append((spec["code"], Draft(
            title=spec["title"], goal=spec["watch_for"], protocol=spec["protocol"],
            source=f"Invented sample session {spec['code']} (sample_data/, written by the seeded generator)",
            description=spec["description"], readings=kept, events=moved_events, stopped_at=stopped,
            discharged_at=discharged)))
    return drafts


def window(readings: pd.DataFrame, start, first_min: float, last_min: float) -> pd.DataFrame:
    """The readings from first_min to last_min minutes after start (inclusive)."""
    at = minutes(readings["measured_at"], pd.Timestamp(start))
    return readings[(at >= first_min) & (at <= last_min)].reset_index(drop=True)


# ---- stored form ----

def _number(value) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def _offset_s(moment, origin: pd.Timestamp) -> float | None:
    return None if moment is None else round((pd.Timestamp(moment) - origin).total_seconds(), 3)


def definition_json(scenario: Scenario | Draft, decisions: tuple[Decision, ...]) -> str:
    """The stored form: times as seconds from the infusion start, values column by column."""
    origin = scenario.started_at
    r = scenario.readings
    body = {
        "description": scenario.description,
        "infusion": {"stop_s": _offset_s(scenario.stopped_at, origin),
                     "discharge_s": _offset_s(scenario.discharged_at, origin)},
        "readings": {"t_s": [round(x * 60, 3) for x in minutes(r["measured_at"], origin)],
                     **{key: [_number(v) for v in r[key].to_numpy(dtype="float64")] for key in VITAL_KEYS},
                     "map_computed": [bool(v) for v in (r["map_computed"] if "map_computed" in r
                                                        else [False] * len(r))],
                     "bp_method": [m if isinstance(m, str) else None for m in r["bp_method"]]},
        "events": [{"t_s": _offset_s(e.occurred_at, origin), "kind": e.kind, "label": e.label,
                    "score": None if pd.isna(e.score) else int(e.score),
                    "severity": e.severity if isinstance(e.severity, str) else None}
                   for e in scenario.events.itertuples(index=False)],
        "choices": list(scenario.choices),
        "decisions": [d.as_dict() for d in decisions],
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def from_definition(code: str, version: int, title: str, goal: str, protocol: str, source: str,
                    definition: str) -> Scenario:
    body = json.loads(definition)
    origin = REFERENCE_START
    r = body["readings"]
    readings = pd.DataFrame({"measured_at": origin + pd.to_timedelta(np.asarray(r["t_s"], dtype="float64"), unit="s")})
    for key in VITAL_KEYS:
        readings[key] = np.asarray([np.nan if v is None else v for v in r[key]], dtype="float64")
    readings["map_computed"] = np.asarray(r["map_computed"], dtype=bool)
    readings["bp_method"] = pd.Series(r["bp_method"], dtype=object)
    events = event_frame([{"occurred_at": origin + pd.Timedelta(seconds=e["t_s"]), **{k: e[k] for k in EVENT_FIELDS}}
                          for e in body["events"]])
    at = lambda s: None if s is None else origin + pd.Timedelta(seconds=s)  # noqa: E731
    return Scenario(code=code, version=version, title=title, goal=goal, protocol=protocol, source=source,
                    description=body["description"], readings=readings, events=events, started_at=origin,
                    stopped_at=at(body["infusion"]["stop_s"]), discharged_at=at(body["infusion"]["discharge_s"]),
                    decisions=tuple(Decision.from_dict(d) for d in body["decisions"]),
                    choices=tuple(body["choices"]))


# ---- real monitor recordings (dashboard/data/scenarios/realdata.json) ----

REALDATA_SPEC = Path(__file__).resolve().parent.parent / "data" / "scenarios" / "realdata.json"


def realdata_specs(path: Path = REALDATA_SPEC) -> tuple[dict, list[dict]]:
    """(the whole spec, its scenarios): which recording, which window, the curated answers."""
    spec = json.loads(path.read_text())
    return spec, spec["scenarios"]


def monitor_draft(folder: Path, spec: dict, citation: str) -> Draft:
    """A recording cut to its window, read by the importer (impossible values and sensor-off zeros left out,
    as an import leaves them out), the infusion placed where the spec says."""
    from dashboard.core.csvfile import ImportOptions, parse_file
    origin = REFERENCE_START - pd.Timedelta(minutes=spec["infusion_start_min"])  # the recording's minute 0
    parsed = parse_file(folder / spec["file"], ImportOptions(tz="UTC", session="scenario",
                                                            start=origin.to_pydatetime()))
    readings = window(parsed.readings, origin, spec["first_min"], spec["last_min"])
    kept, events, stopped, _ = shift(readings, event_frame([]), REFERENCE_START,
                                     origin + pd.Timedelta(minutes=spec["infusion_stop_min"]))
    return Draft(title=spec["title"], goal=spec["goal"], protocol=spec["protocol"],
                 source=citation.format(record=spec["record"], first=spec["first_min"], last=spec["last_min"]),
                 description=spec["description"], readings=kept, events=events, stopped_at=stopped,
                 overrides=spec.get("answers", {}), quiet_at=tuple(spec["quiet_at"]) if "quiet_at" in spec else None)


def file_draft(parsed_readings: pd.DataFrame, *, title: str, goal: str, protocol: str, source: str,
               infusion_min: float = 0.0, infusion_length_min: float | None = 40.0) -> Draft:
    """A scenario from a vitals file the importer read: the infusion starts infusion_min after the first reading
    (its session codes, notes, file lines and dates are not kept)."""
    if parsed_readings.empty:
        raise ValueError("the file has no usable readings")
    sessions = parsed_readings["session"].dropna().unique() if "session" in parsed_readings else []
    if len(sessions) > 1:
        raise ValueError(f"the file holds readings of {len(sessions)} sessions: a scenario is one session's "
                         "readings (split the file, or import one session's export)")
    first = pd.to_datetime(parsed_readings["measured_at"], utc=True).min()
    start = first + pd.Timedelta(minutes=infusion_min)
    stop = None if infusion_length_min is None else start + pd.Timedelta(minutes=infusion_length_min)
    kept, events, stopped, _ = shift(parsed_readings, event_frame([]), start, stop)
    if stopped is not None and len(kept) and stopped > kept["measured_at"].max():
        stopped = None  # the recording ends before the infusion would have
    return Draft(title=title, goal=goal, protocol=protocol, source=source,
                 description="", readings=kept, events=events, stopped_at=stopped)
