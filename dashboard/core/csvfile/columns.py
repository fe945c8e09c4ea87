"""Column names to fields: aliases in any case, with spaces, units and Device/Track prefixes; overrides."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from dashboard.core.csvfile.errors import UnusableFile

# field -> what the user sees in the mapping
FIELD_LABELS: dict[str, str] = {
    "session": "Session code",
    "time": "Time (date and time, or epoch seconds)",
    "date": "Date",
    "clock": "Time of day (with the date column)",
    "elapsed": "Elapsed time since the start",
    "sbp": "Systolic (cuff)",
    "dbp": "Diastolic (cuff)",
    "map": "MAP (cuff)",
    "bp": "Blood pressure 128/82 (cuff)",
    "art_sbp": "Systolic (arterial line)",
    "art_dbp": "Diastolic (arterial line)",
    "art_map": "MAP (arterial line)",
    "art_bp": "Blood pressure 128/82 (arterial line)",
    "hr": "Heart rate",
    "spo2": "SpO2",
    "rr": "Respiratory rate",
    "temp_c": "Temperature °C",
    "temp_f": "Temperature °F (converted to °C)",
    "bp_method": "BP method (cuff, arterial, manual)",
    "note": "Note",
}
FIELDS = tuple(FIELD_LABELS)
NUMERIC_FIELDS = ("sbp", "dbp", "map", "art_sbp", "art_dbp", "art_map", "hr", "spo2", "rr", "temp_c", "temp_f")
VITAL_FIELDS = (*NUMERIC_FIELDS, "bp", "art_bp")

# compact alias (lower case, letters and digits only) -> (field, priority: lower wins a tie)
_ALIASES: dict[str, tuple[str, int]] = {}


def _add(field: str, priority: int, *names: str) -> None:
    for name in names:
        _ALIASES[name] = (field, priority)


_add("session", 0, "sessionid", "session", "sessioncode", "sessionno", "sessionnumber")
_add("time", 0, "timestamp", "datetime", "measuredat", "charttime", "recordedat", "dateandtime", "timestamputc",
     "datetimeutc", "observationtime", "timeutc", "localtime", "epoch", "unixtime", "epochs", "epochtime")
_add("time", 1, "time", "zeit", "heure")
_add("date", 0, "date", "datum", "fecha")
_add("clock", 0, "clock", "timeofday", "clocktime")
_add("elapsed", 0, "elapsed", "elapsedmin", "elapsedmins", "elapsedminutes", "elapsedtime", "elapseds",
     "elapsedsec", "elapsedsecs", "elapsedseconds", "minutes", "mins", "min", "mmss", "relativetime",
     "minutesfromstart", "timefromstart", "timesincestart", "tmin", "offset")
_add("sbp", 0, "sbp", "sys", "systolic", "systolicbp", "bpsys", "sysbp", "bpsystolic", "systolicbloodpressure",
     "systolicpressure")
_add("dbp", 0, "dbp", "dia", "dias", "diastolic", "diastolicbp", "bpdia", "bpdias", "diabp", "bpdiastolic",
     "diastolicbloodpressure", "diastolicpressure")
_add("map", 0, "map", "mean", "meanbp", "mbp", "meanarterialpressure", "bpmean", "meanpressure")
_add("bp", 0, "bp", "bloodpressure", "nibp", "nbp", "cuffbp", "bpcuff")
_add("art_bp", 0, "abp", "art", "ibp", "arterialbp", "artbp", "arterialpressure")
_add("hr", 0, "hr", "heartrate", "hrbpm", "ecghr", "hrecg")
_add("hr", 1, "pulse", "pr", "pulserate", "puls", "pulsrate")
_add("spo2", 0, "spo2", "o2sat", "sat", "plethspo2", "oxygensaturation", "saturation", "spo2pct", "pulseox",
     "sao2pulse")
_add("rr", 0, "rr", "resp", "resprate", "respiratoryrate", "respirationrate", "rrco2", "breathingrate", "br", "af")
_add("temp_c", 0, "temp", "temperature", "tempc", "temperaturec", "bodytemp", "bodytemperature", "bt", "tempcelsius")
_add("temp_f", 0, "tempf", "temperaturef", "tempfahrenheit", "bodytempf")
_add("bp_method", 0, "bpmethod", "method", "bpsource", "bptype")
_add("note", 0, "note", "notes", "comment", "comments", "remark", "remarks", "event", "events", "annotation")

_CUFF_PREFIXES = ("nibp", "nbp")
_ARTERIAL_PREFIXES = ("arterial", "abp", "art", "ibp")
_PARTS = {
    "sbp": ("s", "sys", "systolic", "sbp", "systole"),
    "dbp": ("d", "dia", "dias", "diastolic", "dbp", "diastole"),
    "map": ("m", "mean", "mbp", "map"),
}
_UNIT = re.compile(r"[\(\[]\s*([^\)\]]*)\s*[\)\]]")
_FAHRENHEIT_UNITS = ("f", "°f", "degf", "deg f", "fahrenheit", "º f", "ºf")


@dataclass(frozen=True)
class Recognised:
    field: str
    priority: int
    device_cuff: bool = False  # NBP*/NIBP*: a monitor's cuff columns, repeated by sample-and-hold


def compact(header: str) -> str:
    """'Solar8000/NIBP_SBP' -> 'nibpsbp', 'NIBP Systolic (mmHg)' -> 'nibpsystolic': the comparable core."""
    name = header.strip().strip('"').strip()
    name = name.rsplit("/", 1)[-1] if "/" in name and not name.endswith("/") else name
    name = _UNIT.sub(" ", name)
    return re.sub(r"[^a-z0-9]", "", name.lower())


def unit_of(header: str) -> str:
    """The unit written in parentheses or brackets, lower case ('' when none)."""
    found = _UNIT.search(header)
    return found.group(1).strip().lower() if found else ""


def recognise(header: str) -> Recognised | None:
    """Which field a column name stands for, or None."""
    core = compact(header)
    if not core:
        return None
    unit = unit_of(header)
    if core in _ALIASES:
        field, priority = _ALIASES[core]
        if field == "temp_c" and unit in _FAHRENHEIT_UNITS:
            field = "temp_f"
        if field == "bp" and core in _CUFF_PREFIXES:
            return Recognised(field, priority, device_cuff=True)
        return Recognised(field, priority)
    for prefixes, method in ((_CUFF_PREFIXES, ""), (_ARTERIAL_PREFIXES, "art_")):
        for prefix in prefixes:
            if core.startswith(prefix):
                rest = core[len(prefix):]
                for field, parts in _PARTS.items():
                    if rest in parts:
                        return Recognised(method + field, 0, device_cuff=not method)
    return None


def elapsed_unit(header: str) -> str:
    """'min' or 's' for an elapsed-time column, from its name ('elapsed_s', 'Elapsed (sec)')."""
    unit = unit_of(header)
    core = compact(header)
    if unit in ("s", "sec", "secs", "seconds") or core.endswith(("elapseds", "sec", "secs", "seconds")):
        return "s"
    return "min"


@dataclass(frozen=True)
class ColumnMap:
    """Which column (by position) feeds each field, and why the other columns are not imported."""

    headers: tuple[str, ...]
    fields: dict[str, int]  # field -> column position
    unused: dict[int, str]  # column position -> why it is not imported
    device_cuff: bool  # the cuff values come from NBP*/NIBP* monitor columns

    def header(self, field: str) -> str | None:
        index = self.fields.get(field)
        return None if index is None else self.headers[index]

    def named(self) -> dict[str, str]:
        """field -> column name, for showing and for a mapping override."""
        return {field: self.headers[index] for field, index in self.fields.items()}

    def describe(self) -> list[tuple[str, str]]:
        """(column, what it is used for) for every column, in file order."""
        used = {index: field for field, index in self.fields.items()}
        return [(header or f"(column {i + 1}, no name)",
                 FIELD_LABELS[used[i]] if i in used else f"not imported: {self.unused.get(i, 'empty')}")
                for i, header in enumerate(self.headers)]


def detect(headers: list[str] | tuple[str, ...], overrides: Mapping[str, str | None] | None = None) -> ColumnMap:
    """Map columns by their names, then apply the user's overrides (field -> column name, or None to drop)."""
    headers = tuple(headers)
    chosen: dict[str, tuple[int, int]] = {}  # field -> (priority, position)
    recognised: dict[int, Recognised] = {}
    for index, header in enumerate(headers):
        found = recognise(header)
        if found is None:
            continue
        recognised[index] = found
        best = chosen.get(found.field)
        if best is None or found.priority < best[0]:
            chosen[found.field] = (found.priority, index)
    # 'time' beside a 'date' column is the time of day
    if "date" in chosen and "time" in chosen and compact(headers[chosen["time"][1]]) == "time" \
            and "clock" not in chosen:
        chosen["clock"] = chosen.pop("time")
    fields = {field: index for field, (_, index) in chosen.items()}
    used = set(fields.values())
    unused: dict[int, str] = {}
    for index, header in enumerate(headers):
        if index in used:
            continue
        if index in recognised:
            field = recognised[index].field
            other = headers[fields[field]] if field in fields else "?"
            unused[index] = f"also looks like {FIELD_LABELS[field].lower()}; '{other}' is used"
        elif header.strip():
            unused[index] = "not recognised"
    if overrides:
        fields, unused = _override(headers, fields, unused, overrides)
    device_cuff = any((r := recognise(headers[fields[f]])) is not None and r.device_cuff
                      for f in ("sbp", "dbp", "map", "bp") if f in fields)
    return ColumnMap(headers, fields, unused, device_cuff)


def _find(headers: tuple[str, ...], wanted: str) -> int:
    if wanted in headers:
        return headers.index(wanted)
    loose = [i for i, h in enumerate(headers) if h.strip().lower() == wanted.strip().lower()]
    if loose:
        return loose[0]
    shown = ", ".join(repr(h) for h in headers[:30]) + (" ..." if len(headers) > 30 else "")
    raise UnusableFile(f"the mapping names a column {wanted!r} that is not in the file (its columns: {shown})")


def _override(headers: tuple[str, ...], fields: dict[str, int], unused: dict[int, str],
              overrides: Mapping[str, str | None]) -> tuple[dict[str, int], dict[int, str]]:
    fields, unused = dict(fields), dict(unused)
    for field, wanted in overrides.items():
        if field not in FIELD_LABELS:
            raise UnusableFile(f"unknown field {field!r} in the mapping: one of {', '.join(FIELDS)}")
        previous = fields.pop(field, None)
        if previous is not None:
            unused[previous] = "not imported (mapping changed)"
        if not wanted:
            continue
        index = _find(headers, wanted)
        for other, position in list(fields.items()):
            if position == index:
                del fields[other]
        fields[field] = index
        unused.pop(index, None)
    if "date" in fields and "time" in fields and "clock" not in fields and "time" not in overrides \
            and compact(headers[fields["time"]]) == "time":
        fields["clock"] = fields.pop("time")
    return fields, unused
