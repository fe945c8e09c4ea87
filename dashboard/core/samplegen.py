"""Seeded generator of the sample sessions: realistic vitals, side effects and corrections, as data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

CLINIC_TZ = "America/New_York"
PROTOCOL = "IV ketamine clinic default"
READING_COLUMNS = ["session_id", "timestamp", "sbp", "dbp", "map", "hr", "spo2", "rr", "temp_c", "note"]
# Minutes from infusion start: two baselines, every 5 min of the 40-min infusion, every 15 min of recovery,
# and the discharge reading.
SCHEDULE = (-12, -3, 0, 5, 10, 15, 20, 25, 30, 35, 40, 55, 70, 85, 100)
INFUSION_MIN = 40
DISCHARGE_MIN = 105


@dataclass(frozen=True)
class SampleSet:
    readings: pd.DataFrame  # the template CSV layout
    manifest: dict


@dataclass(frozen=True)
class Spec:
    code: str
    patient: str
    year_of_birth: int
    day: date
    start: str  # clock time of infusion start, HH:MM
    weight_kg: float
    baseline: tuple[float, float, float, float, float]  # sbp, dbp, hr, spo2, rr
    rise: tuple[float, float, float]  # peak change of sbp, dbp, hr during dosing
    title: str
    description: str
    watch_for: str
    infusion_number: int = 1
    monitor_map: bool = False  # readings copied from a bedside monitor, which reports a measured MAP


def dosing_effect(minutes: np.ndarray, peak_at: float = 33.0) -> np.ndarray:
    """0 before dosing, 1 at the peak (30-40 min), back near 0 about an hour after the infusion."""
    t = np.clip(np.asarray(minutes, dtype=float), 0, None) / peak_at
    return t ** 3 * np.exp(3 * (1 - t))


def _series(spec: Spec, rng: np.random.Generator) -> pd.DataFrame:
    minutes = np.array(SCHEDULE, dtype=float)
    effect = dosing_effect(minutes)
    sbp0, dbp0, hr0, spo20, rr0 = spec.baseline
    frame = pd.DataFrame({
        "minute": minutes,
        "sbp": sbp0 + spec.rise[0] * effect + rng.normal(0, 3, len(minutes)),
        "dbp": dbp0 + spec.rise[1] * effect + rng.normal(0, 2, len(minutes)),
        "hr": hr0 + spec.rise[2] * effect + rng.normal(0, 2, len(minutes)),
        "spo2": np.clip(spo20 + rng.normal(0, 0.6, len(minutes)), 90, 100),
        "rr": rr0 + rng.normal(0, 1, len(minutes)),
    })
    frame["map"] = np.nan
    frame["temp_c"] = np.nan
    temperature = round(36.5 + rng.normal(0, 0.2), 1)  # always drawn, so the random stream stays the same
    if spec.infusion_number == 1:  # taken at the intake visit's baseline only
        frame.loc[0, "temp_c"] = temperature
    frame["note"] = ""
    frame.loc[0, "note"] = "baseline"
    frame.loc[frame["minute"] == 0, "note"] = "infusion started"
    frame.loc[frame["minute"] == INFUSION_MIN, "note"] = "infusion stopped"
    frame.loc[frame["minute"] == DISCHARGE_MIN - 5, "note"] = "discharge check"
    return frame


def _measured_map(frame: pd.DataFrame, rng: np.random.Generator) -> pd.Series:
    """An oscillometric cuff's MAP: about 5 mmHg above the (SBP + 2 DBP) / 3 estimate."""
    estimate = (frame["sbp"] + 2 * frame["dbp"]) / 3
    return (estimate + 5 + rng.normal(0, 1.5, len(frame))).round().astype(int)


SPECS = (
    Spec("S-0001", "P-1001", 1984, date(2026, 11, 2), "09:00", 70, (122, 78, 72, 98, 14), (12, 7, 6),
         "Uneventful infusion",
         "Baseline 122/78, HR 72. A mild rise during dosing that peaks around 35 min and settles in recovery.",
         "What normal looks like: a small, smooth rise in BP and HR that returns toward baseline."),
    Spec("S-0002", "P-1002", 1969, date(2026, 11, 2), "10:30", 92, (136, 86, 76, 97, 15), (52, 27, 14),
         "Hypertensive response",
         "Baseline 136/86, just under the 140/90 pre-dose caution. BP climbs past 180 systolic from 25 min "
         "and above 180/110 between 30 and 40 min, with a headache, then settles during recovery.",
         "The climb toward 160 and 180 systolic; the headache; the return to baseline before discharge."),
    Spec("S-0003", "P-1003", 1991, date(2026, 11, 3), "13:00", 64, (118, 74, 88, 98, 16), (14, 8, 44),
         "Tachycardia",
         "Anxious patient with a resting HR of 88. HR reaches 120 at 20 min, stays above it until the infusion ends "
         "and briefly passes 140.",
         "HR above 120 for several readings, the brief peak above 140, and the anxiety noted beside it."),
    Spec("S-0004", "P-1004", 1958, date(2026, 11, 4), "09:30", 81, (128, 80, 70, 97, 13), (10, 5, 4),
         "Desaturation with sedation",
         "Deep sedation at 20-30 min: MOAA/S 3, SpO2 down to 88-89 %, RR 8-9. Verbal stimulation and a chin "
         "lift; recovers to MOAA/S 5 in recovery.",
         "SpO2 and RR falling together while the sedation score drops; BP and HR stay calm."),
    Spec("S-0005", "P-1005", 1977, date(2026, 11, 5), "11:00", 75, (124, 79, 75, 98, 14), (15, 8, 8),
         "Artifacts and a corrected reading",
         "At 15 min a motion artifact (HR 165, SpO2 79) was entered and later marked as entered in error; at "
         "25 min a systolic of 212 was typed for 122 and corrected with its reason.",
         "How a correction looks: the original stays visible, struck through, with who, when and why."),
)
# Monday, Wednesday, Friday; the fifth moves to Thursday because the clinic closes on Veterans Day (11 Nov).
SERIES_DAYS = (date(2026, 11, 2), date(2026, 11, 4), date(2026, 11, 6), date(2026, 11, 9), date(2026, 11, 12),
               date(2026, 11, 16))
SERIES_CADSS = (28, 22, 17, 13, 10, 8)


def _series_specs() -> list[Spec]:
    return [
        Spec(f"S-{6 + i:04d}", "P-1006", 1988, day, "14:00", 68, (116, 74, 68, 98, 14), (18 - i, 9 - i // 2, 9 - i),
             f"Induction series, infusion {i + 1} of 6",
             f"Patient P-1006, infusion {i + 1} of a six-infusion induction series (three a week over about two "
             f"and a half weeks). Mild rises; dissociation (CADSS {SERIES_CADSS[i]}) lessening from one infusion "
             f"to the next. Vitals copied from the bedside monitor, so MAP is the monitor's measured value.",
             "How one patient's response changes across a series: dissociation falls, vitals stay mild.",
             infusion_number=i + 1, monitor_map=True)
        for i, day in enumerate(SERIES_DAYS)
    ]


def _shape(spec: Spec, frame: pd.DataFrame) -> pd.DataFrame:
    """Per-scenario changes on top of the smooth dosing response."""
    m = frame["minute"]
    if spec.code == "S-0003":
        frame.loc[m == 30, "hr"] = 146
        frame.loc[m == 20, "note"] = "patient anxious, reassured"
    if spec.code == "S-0004":
        dip = {15: (94, 11), 20: (90, 9), 25: (88, 8), 30: (89, 9), 35: (93, 11), 40: (95, 12)}
        for minute, (spo2, rr) in dip.items():
            frame.loc[m == minute, ["spo2", "rr"]] = (spo2, rr)
        frame.loc[m == 25, "note"] = "verbal stimulation, chin lift"
    if spec.code == "S-0005":
        frame.loc[m == 15, ["hr", "spo2"]] = (165, 79)
        frame.loc[m == 25, "sbp"] = 212
        frame.loc[m == 25, "dbp"] = 82
    return frame


def _events(spec: Spec, at) -> list[dict]:
    def event(kind, label, minute, score=None, severity=None, note=None):
        return {"session": spec.code, "kind": kind, "label": label, "score": score, "severity": severity,
                "occurred_at": at(minute), "note": note}

    by_code = {
        "S-0001": [event("cadss", "CADSS", 30, score=12), event("moaa_s", "MOAA/S", 30, score=5)],
        "S-0002": [event("side_effect", "Headache", 33, severity="moderate", note="frontal, throbbing"),
                   event("cadss", "CADSS", 30, score=15), event("side_effect", "Nausea", 45, severity="mild")],
        "S-0003": [event("side_effect", "Anxiety", 18, severity="moderate"), event("cadss", "CADSS", 30, score=19)],
        "S-0004": [event("side_effect", "Sedation", 20, severity="moderate"), event("moaa_s", "MOAA/S", 22, score=3),
                   event("moaa_s", "MOAA/S", 35, score=4), event("moaa_s", "MOAA/S", 55, score=5)],
        "S-0005": [event("side_effect", "Dizziness", 42, severity="mild"), event("cadss", "CADSS", 30, score=14)],
    }
    if spec.code in by_code:
        return by_code[spec.code]
    number = spec.infusion_number
    events = [event("cadss", "CADSS", 30, score=SERIES_CADSS[number - 1]),
              event("side_effect", "Dissociation", 25, severity="moderate" if number <= 2 else "mild")]
    if number == 1:
        events.append(event("side_effect", "Nausea", 38, severity="mild"))
    return events


def generate(seed: int = 20261102) -> SampleSet:
    """The sample sessions; the same seed gives the same readings and manifest."""
    rng = np.random.default_rng(seed)
    monitor_rng = np.random.default_rng([seed, 1])  # separate stream: the other sessions' values do not move
    tz = ZoneInfo(CLINIC_TZ)
    rows, sessions, events, patients = [], [], [], {}
    corrections, voided = [], []
    for spec in (*SPECS, *_series_specs()):
        clock = datetime.strptime(spec.start, "%H:%M").time()  # noqa: DTZ007 -- the clock time only
        start = datetime.combine(spec.day, clock, tzinfo=tz)

        def at(minute: float, start=start) -> str:
            return (start + timedelta(minutes=float(minute))).isoformat()

        frame = _shape(spec, _series(spec, rng))
        for column in ("sbp", "dbp", "hr", "rr", "spo2"):
            frame[column] = frame[column].round().astype(int)
        frame["spo2"] = frame["spo2"].clip(upper=100)
        if spec.monitor_map:
            frame["map"] = _measured_map(frame, monitor_rng)
        frame.insert(0, "session_id", spec.code)
        frame.insert(1, "timestamp", [at(minute) for minute in frame["minute"]])
        rows.append(frame[READING_COLUMNS])
        patients[spec.patient] = {"code": spec.patient, "year_of_birth": spec.year_of_birth}
        sessions.append({
            "code": spec.code, "patient": spec.patient, "date": spec.day.isoformat(),
            "infusion_number": spec.infusion_number, "protocol": PROTOCOL, "weight_kg": spec.weight_kg,
            "planned_dose_mg": round(0.5 * spec.weight_kg, 1), "infusion_started_at": at(0),
            "infusion_stopped_at": at(INFUSION_MIN), "discharged_at": at(DISCHARGE_MIN),
            "title": spec.title, "description": spec.description, "watch_for": spec.watch_for,
        })
        events += _events(spec, at)
        if spec.code == "S-0005":
            voided.append({"session": spec.code, "timestamp": at(15), "by": "sample nurse",
                           "reason": "motion artifact: patient moving, probe displaced"})
            corrections.append({"session": spec.code, "timestamp": at(25), "by": "sample nurse",
                                "values": {"sbp": 122, "dbp": 82}, "reason": "digits transposed (212 typed for 122)"})
    readings = pd.concat(rows, ignore_index=True)
    readings["map"] = readings["map"].astype("Int64")  # whole numbers in the file, empty where not given
    manifest = {"clinic_tz": CLINIC_TZ, "patients": list(patients.values()), "sessions": sessions,
                "events": events, "corrections": corrections, "entered_in_error": voided}
    return SampleSet(readings, manifest)
