"""The protocol as a form: fields read from the pydantic model, values to and from a protocol, plain errors."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise

from pydantic import BaseModel, ValidationError

from dashboard.core.protocol import Protocol, VitalLimits
from dashboard.core.vitals import VITAL_BY_KEY, VITAL_KEYS, plausibility_limits

LEVELS = ("warning", "critical")
KEYED_BY = {"persistence": LEVELS}  # every other dict section of the protocol is keyed by vital
NOT_IN_FORM = {"version"}
LABELS = {
    "name": "Name", "description": "Description", "limits": "Limits", "hysteresis": "hysteresis margin",
    "baseline_change": "Change from the pre-infusion baseline", "persistence": "Persistence",
    "rise_abs": "rise", "rise_pct": "rise", "fall_pct": "fall", "readings": "readings in a row",
    "minutes": "or minutes", "escalate_when_warnings": "High priority when this many vitals are out at once",
    "pre_dose_caution": "Pre-dose caution: pre-infusion BP above", "bp_interval_min": "BP at least every",
    "reminder_min": "Remind of an unacknowledged high-priority alert after",
}
DESCRIBE = {"escalate_when_warnings": "Vitals out at once for a high-priority alert", "bp_interval_min": "BP interval",
            "reminder_min": "Reminder interval"}  # how messages name a setting whose label is a phrase
SECTION_HELP = {
    "limits": "Empty = no limit. Each warning limit sits inside its critical limit; an alert clears only "
              "when the value is back inside by the hysteresis margin.",
    "baseline_change": "From the median of the pre-infusion readings. Empty = not used.",
    "persistence": "How long a value must stay out before it alerts: this many readings in a row, or minutes.",
}


@dataclass(frozen=True)
class FormField:
    """One input: where its value goes in the protocol, how it is labelled, what it accepts."""

    path: tuple[str, ...]
    label: str
    describe: str  # the field named in full in messages: "SBP warning high"
    unit: str = ""
    kind: str = "float"  # float, int, text or choice
    optional: bool = False  # empty allowed: no limit, not used
    step: float = 1.0
    choices: tuple[str, ...] = ()  # the values a choice may take

    @property
    def key(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class Row:
    label: str
    fields: list[FormField]


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    columns: list[str]
    rows: list[Row]
    help: str = ""


@dataclass(frozen=True)
class FormCheck:
    """The protocol the form describes, or why not: messages per field key, and for the whole."""

    protocol: Protocol | None
    errors: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.protocol is not None


def _plain(annotation) -> tuple[type, bool]:
    """(the type, whether None is allowed) of `X`, `X | None` or `Optional[X]`."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0], len(args) < len(typing.get_args(annotation))
    return annotation, False


def _label(name: str) -> str:
    if name in LABELS:
        return LABELS[name]
    if name in VITAL_BY_KEY:
        return VITAL_BY_KEY[name].short
    text = name.removesuffix("_min").replace("_", " ")
    return text[:1].upper() + text[1:]


def _unit(name: str, vital: str | None = None) -> str:
    if name.endswith("_pct"):
        return "%"
    if name.endswith("_min") or name == "minutes":
        return "min"
    if name == "readings":
        return "readings"
    if name in VITAL_BY_KEY:
        return VITAL_BY_KEY[name].unit
    if name == "escalate_when_warnings":
        return "vitals"
    return VITAL_BY_KEY[vital].unit if vital else ""


def _number(path: tuple[str, ...], annotation, describe: str, label: str, unit: str, vital: str | None = None):
    kind, optional = _plain(annotation)
    decimals = VITAL_BY_KEY[vital].decimals if vital else 0
    return FormField(path, label, describe, unit, "int" if kind is int else "float", optional,
                     1 if kind is int else (0.1 if decimals else 1.0))


def _row_label(key: str) -> str:
    if key in VITAL_BY_KEY:
        vital = VITAL_BY_KEY[key]
        return f"{vital.short} ({vital.unit})"
    return key.capitalize()


def _describe(key: str, section: str, name: str) -> str:
    """The field named in full for messages: "SBP warning high", "SBP rise % from baseline"."""
    label = _label(name).lower()
    if key in VITAL_BY_KEY:
        short = VITAL_BY_KEY[key].short
        if section == "baseline_change":
            return f"{short} {label}{' %' if name.endswith('_pct') else ''} from baseline"
        return f"{short} {label}"
    return f"{key.capitalize()} {_label(section).lower()} ({label})"


def _column(name: str, per_vital: bool) -> str:
    unit = "%" if name.endswith("_pct") else ("" if per_vital else _unit(name))
    label = _label(name)
    return f"{label[:1].upper()}{label[1:]}" + (f" ({unit})" if unit else "")


@cache
def sections(model: type[BaseModel] = Protocol) -> list[Section]:
    """The form, read from the protocol model: a field added to the model appears without a page change.

    Dict sections give one row per vital (or per level); the vital tables take the scalar per-vital
    sections (hysteresis) as extra columns; nested models and plain numbers get their own rows.
    """
    about = Section("about", "Protocol", [], [])
    per_vital: list[Section] = []
    scalar_columns: list[tuple[str, object]] = []
    others: list[Section] = []
    settings: list[FormField] = []
    for name, info in model.model_fields.items():
        if name in NOT_IN_FORM:
            continue
        annotation, _ = _plain(info.annotation)
        origin = typing.get_origin(annotation)
        if annotation is str:
            about.rows.append(Row(_label(name), [FormField((name,), _label(name), _label(name), kind="text")]))
        elif origin is dict:
            value_type = typing.get_args(annotation)[1]
            keys = KEYED_BY.get(name, VITAL_KEYS)
            if isinstance(value_type, type) and issubclass(value_type, BaseModel):
                sub = value_type.model_fields
                rows = [Row(_row_label(key), [
                    _number((name, key, f), sub[f].annotation, _describe(key, name, f), _label(f),
                            _unit(f, key if key in VITAL_BY_KEY else None),
                            key if key in VITAL_BY_KEY and not f.endswith("_pct") else None)
                    for f in sub]) for key in keys]
                columns = [_column(f, keys is VITAL_KEYS) for f in sub]
                target = per_vital if keys is VITAL_KEYS else others
                target.append(Section(name, _label(name), columns, rows, SECTION_HELP.get(name, "")))
            else:
                scalar_columns.append((name, value_type))
        elif origin is typing.Literal:
            settings.append(FormField((name,), _label(name), DESCRIBE.get(name, _label(name)), kind="choice",
                                      choices=tuple(typing.get_args(annotation))))
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            sub = annotation.model_fields
            inputs = [_number((name, f), sub[f].annotation, f"{_label(name).split(':')[0]} {_label(f)}", _label(f),
                              _unit(f)) for f in sub]
            others.append(Section(name, _label(name), [_column(f, False) for f in sub], [Row("", inputs)]))
        else:
            settings.append(_number((name,), info.annotation, DESCRIBE.get(name, _label(name)), _label(name),
                                    _unit(name)))
    if per_vital and scalar_columns:
        first = per_vital[0]
        rows = []
        for row, key in zip(first.rows, VITAL_KEYS):
            extra = [_number((name, key), kind, _describe(key, name, name), _label(name), VITAL_BY_KEY[key].unit,
                             key) for name, kind in scalar_columns]
            rows.append(Row(row.label, row.fields + extra))
        per_vital[0] = Section(first.name, first.title, first.columns + [_column(n, True) for n, _ in scalar_columns],
                               rows, first.help)
    result = [about, *per_vital, *others]
    if settings:
        result.append(Section("settings", "Other settings", [], [Row(f.label, [f]) for f in settings]))
    return result


def fields(form: list[Section] | None = None) -> list[FormField]:
    """Every input of the form, in order."""
    return [f for section in (form or sections()) for row in section.rows for f in row.fields]


def _get(data: dict, path: tuple[str, ...]):
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def values_from(protocol: Protocol, form: list[Section] | None = None) -> dict[str, object]:
    """Each field's value for this protocol (None where it has no value: no limit, not used)."""
    data = protocol.model_dump()
    return {f.key: _get(data, f.path) for f in fields(form or sections(type(protocol)))}


def to_definition(values: dict[str, object], base: Protocol, form: list[Section] | None = None) -> dict:
    """The protocol definition the form's values describe; anything the form does not show comes from base.

    A vital whose fields are all empty is left out of its section (no limits, no margin, no baseline rule);
    a required number left empty stays None so validation names it.
    """
    definition = base.model_dump(exclude=NOT_IN_FORM)
    model = type(base)
    form_fields = fields(form or sections(model))
    for name in {f.path[0] for f in form_fields if _dict_section(f.path[0], model)}:
        definition[name] = {}  # what the form leaves empty is not kept from the base
    entries: dict[tuple[str, str], dict] = {}  # (dict section, vital or level) -> that entry's fields
    for f in form_fields:
        value, name = values.get(f.key), f.path[0]
        if f.kind == "text":
            definition[name] = "" if value is None else str(value)
        elif len(f.path) == 1:
            definition[name] = value
        elif not _dict_section(name, model):  # a nested model such as the pre-dose caution
            definition[name] = {**(definition.get(name) or {}), f.path[1]: value}
        elif len(f.path) == 2:  # one number per vital (hysteresis)
            if value is not None:
                definition[name][f.path[1]] = value
        else:
            entries.setdefault((name, f.path[1]), {})[f.path[2]] = value
    for (name, key), entry in entries.items():
        if name in KEYED_BY or any(v is not None for v in entry.values()):
            definition[name][key] = entry
    return definition


def _dict_section(name: str, model: type[BaseModel] = Protocol) -> bool:
    info = model.model_fields.get(name)
    return info is not None and typing.get_origin(_plain(info.annotation)[0]) is dict


# Validation: the protocol model's own rules, each message beside the field it is about.

def check(values: dict[str, object], base: Protocol, form: list[Section] | None = None) -> FormCheck:
    """Validate the form as the protocol model does, with each problem in plain words beside its field."""
    form = form or sections(type(base))
    by_key = {f.key: f for f in fields(form)}
    definition = to_definition(values, base, form)
    errors = _limit_errors(definition.get("limits") or {})
    if isinstance(definition.get("name"), str) and not definition["name"].strip():
        errors["name"] = "Give the protocol a name"
    try:
        protocol = type(base).model_validate(definition)
    except ValidationError as error:
        general = []
        for item in error.errors():
            key = ".".join(str(p) for p in item["loc"])
            if key in by_key:
                errors.setdefault(key, _field_message(by_key[key], values.get(key), item))
            elif not errors:  # the limits rules above already name their field
                general.append(item["msg"].removeprefix("Value error, "))
        return FormCheck(None, errors, general)
    return FormCheck(None if errors else protocol, errors)


def _field_message(f: FormField, value, item: dict) -> str:
    kind, ctx = item["type"], item.get("ctx") or {}
    if value is None:
        return f"{f.describe} needs a number"
    entered = f" (not {value:g})" if isinstance(value, (int, float)) else ""
    bounds = {"greater_than_equal": ("at least", "ge"), "greater_than": ("above", "gt"),
              "less_than_equal": ("at most", "le"), "less_than": ("below", "lt")}
    if kind in bounds:
        words, name = bounds[kind]
        unit = f" {f.unit}" if f.unit and f.unit != "readings" else ""
        return f"{f.describe}: must be {words} {ctx[name]:g}{unit}{entered}"
    if kind.startswith("int"):
        return f"{f.describe}: must be a whole number{entered}"
    return f"{f.describe}: {item['msg'].removeprefix('Value error, ')}"


def _limit_errors(limits: dict) -> dict[str, str]:
    """The limits' rules (inside the possible range; each warning limit inside its critical limit) per field."""
    errors: dict[str, str] = {}
    possible = plausibility_limits()
    order = list(VitalLimits.model_fields)  # critical low < warning low < warning high < critical high
    for vital, entry in limits.items():
        if vital not in VITAL_BY_KEY or not isinstance(entry, dict):
            continue
        short, unit, bounds = VITAL_BY_KEY[vital].short, VITAL_BY_KEY[vital].unit, possible[vital]
        present = []
        for name in order:
            value = entry.get(name)
            if not isinstance(value, (int, float)):
                continue
            if not bounds.min <= value <= bounds.max:
                errors[f"limits.{vital}.{name}"] = (
                    f"{short} {_label(name).lower()} {value:g} is outside the possible range "
                    f"{bounds.min:g}-{bounds.max:g} {unit}: check the units")
            else:
                present.append((name, value))
        for (name_a, a), (name_b, b) in pairwise(present):
            if a < b:
                continue
            # The inner (warning) limit is the one to move: it is named, with the limit it crosses.
            a_is_wrong = name_a == "warning_high" or (name_a == "warning_low" and name_b == "critical_high")
            wrong, value, other, other_value = (name_a, a, name_b, b) if a_is_wrong else (name_b, b, name_a, a)
            relation = "equals" if a == b else ("is above" if a_is_wrong else "is below")
            errors.setdefault(f"limits.{vital}.{wrong}", f"{short} {_label(wrong).lower()} {value:g} {relation} "
                                                         f"the {_label(other).lower()} {other_value:g}")
    return errors
