"""A session's readings as a FHIR R4 Bundle of vital-sign Observations (LOINC codes, UCUM units), the patient
named by clinic code only."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from dashboard.core.sessions import Session
from dashboard.core.vitals import VITAL_BY_KEY

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CATEGORY = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "vital-signs", "display": "Vital Signs"}], "text": "Vital Signs"}
PATIENT_CODE_SYSTEM = "urn:infusion-vitals:patient-code"  # the clinic's own patient codes (no name, no MRN)
SESSION_CODE_SYSTEM = "urn:infusion-vitals:session-code"
NAMESPACE = uuid.UUID("6f1c3c1e-5d55-4a8e-9d8b-6b7e2f0c4a10")  # fullUrls are stable: the same reading, the same urn
BP_PANEL = ("85354-9", "Blood pressure panel with all children optional")
PROFILE = "http://hl7.org/fhir/StructureDefinition/"
# vital -> (LOINC display, UCUM code, unit shown, FHIR vital-signs profile)
CODES = {
    "sbp": ("Systolic blood pressure", "mm[Hg]", "mmHg", None),
    "dbp": ("Diastolic blood pressure", "mm[Hg]", "mmHg", None),
    "map": ("Mean blood pressure", "mm[Hg]", "mmHg", None),
    "hr": ("Heart rate", "/min", "beats/minute", "heartrate"),
    "rr": ("Respiratory rate", "/min", "breaths/minute", "resprate"),
    "spo2": ("Oxygen saturation in Arterial blood by Pulse oximetry", "%", "%", "oxygensat"),
    "temp_c": ("Body temperature", "Cel", "°C", "bodytemp"),
}
SPO2_ALSO = {"system": LOINC, "code": "2708-6", "display": "Oxygen saturation in Arterial blood"}
SINGLE_VITALS = ("map", "hr", "rr", "spo2", "temp_c")
BP_METHOD_TEXT = {"cuff": "non-invasive cuff", "arterial": "arterial line", "manual": "manual cuff"}


def _coding(key: str) -> dict:
    codings = [{"system": LOINC, "code": VITAL_BY_KEY[key].loinc, "display": CODES[key][0]}]
    if key == "spo2":
        codings.append(SPO2_ALSO)  # the vital-signs profile asks for 2708-6; 59408-5 says pulse oximetry
    return {"coding": codings, "text": VITAL_BY_KEY[key].label}


def _quantity(key: str, value: float) -> dict:
    _, code, unit, _ = CODES[key]
    number = round(float(value), VITAL_BY_KEY[key].decimals)
    return {"value": int(number) if number.is_integer() else number, "unit": unit, "system": UCUM, "code": code}


def _when(moment: pd.Timestamp, tz: str) -> str:
    return moment.tz_convert(ZoneInfo(tz)).isoformat()


def _observation(obs_id: str, code: dict, when: str, patient: dict, session: Session, status: str,
                 profile: str | None) -> dict:
    resource = {"resourceType": "Observation", "id": obs_id, "status": status, "category": [CATEGORY], "code": code,
                "subject": patient, "effectiveDateTime": when,
                "identifier": [{"system": SESSION_CODE_SYSTEM, "value": f"{session.code}/{obs_id}"}]}
    if profile:
        resource["meta"] = {"profile": [PROFILE + profile, PROFILE + "vitalsigns"]}
    return resource


def reading_observations(row, session: Session, patient: dict, tz: str) -> list[dict]:
    """The Observations of one reading: a BP panel with SBP and DBP components, then MAP, HR, RR, SpO2 and
    temperature, each as its own Observation (only what was measured)."""
    reading_id = int(row.id)
    when = _when(row.measured_at, tz)
    status = "corrected" if pd.notna(getattr(row, "supersedes_id", None)) else "final"
    out = []
    if not (np.isnan(row.sbp) or np.isnan(row.dbp)):
        panel = _observation(f"r{reading_id}-bp", {"coding": [{"system": LOINC, "code": BP_PANEL[0],
                                                               "display": BP_PANEL[1]}], "text": "Blood pressure"},
                             when, patient, session, status, "bp")
        panel["component"] = [{"code": _coding(key), "valueQuantity": _quantity(key, getattr(row, key))}
                              for key in ("sbp", "dbp")]
        method = getattr(row, "bp_method", None)
        if isinstance(method, str) and method in BP_METHOD_TEXT:
            panel["method"] = {"text": BP_METHOD_TEXT[method]}
        out.append(panel)
    for key in SINGLE_VITALS:
        value = getattr(row, key, np.nan)
        if value is None or np.isnan(value):
            continue
        obs = _observation(f"r{reading_id}-{key.replace('_', '')}", _coding(key), when, patient, session, status,
                           CODES[key][3])
        obs["valueQuantity"] = _quantity(key, value)
        if key == "map" and bool(getattr(row, "map_computed", False)):
            obs["note"] = [{"text": "computed as (SBP + 2 x DBP) / 3, not measured"}]
        out.append(obs)
    return out


def session_bundle(session: Session, readings: pd.DataFrame, *, now: datetime, tz: str = "UTC") -> dict:
    """A Bundle of type collection holding every reading in force as Observations (JSON-ready dict).

    readings: id, measured_at (UTC), the vitals (NaN = not measured), optional map_computed, bp_method,
    supersedes_id (a correction is status 'corrected')."""
    patient = {"identifier": {"system": PATIENT_CODE_SYSTEM, "value": session.patient_code},
               "display": f"Patient {session.patient_code}"}
    entries = []
    frame = readings.sort_values(["measured_at", "id"], kind="stable")
    for key in ("sbp", "dbp", *SINGLE_VITALS):
        if key not in frame:
            frame = frame.assign(**{key: np.nan})
    for row in frame.itertuples(index=False):
        for obs in reading_observations(row, session, patient, tz):
            name = uuid.uuid5(NAMESPACE, session.code + "/" + obs["id"])
            entries.append({"fullUrl": f"urn:uuid:{name}", "resource": obs})
    return {"resourceType": "Bundle", "type": "collection",
            "identifier": {"system": SESSION_CODE_SYSTEM, "value": session.code},
            "timestamp": pd.Timestamp(now).tz_convert(ZoneInfo(tz)).isoformat(timespec="seconds"),
            "entry": entries}
