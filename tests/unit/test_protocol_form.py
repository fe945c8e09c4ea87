"""The protocol form: one row per vital, values to and from a protocol, each problem beside its field."""

from __future__ import annotations

import pytest
from pydantic import Field

from dashboard.core.protocol import Protocol, load_protocol, preset_files
from dashboard.core.protocol_form import (
    check,
    fields,
    sections,
    to_definition,
    values_from,
)

DEFAULT = load_protocol("iv-ketamine-default.json")


def edited(**changes) -> dict:
    values = values_from(DEFAULT)
    values.update({key.replace("__", "."): value for key, value in changes.items()})
    return values


def test_limits_have_one_row_per_vital_with_units_and_the_margin():
    limits = next(s for s in sections() if s.name == "limits")
    assert [row.label for row in limits.rows] == ["SBP (mmHg)", "DBP (mmHg)", "MAP (mmHg)", "HR (/min)", "SpO2 (%)",
                                                   "RR (/min)", "Temp (°C)"]
    assert limits.columns == ["Critical low", "Warning low", "Warning high", "Critical high", "Hysteresis margin"]
    temp = limits.rows[-1].fields
    assert temp[0].key == "limits.temp_c.critical_low" and temp[0].optional and temp[0].step == 0.1
    assert temp[-1].key == "hysteresis.temp_c"


def test_every_setting_of_the_protocol_has_an_input():
    keys = {f.key for f in fields()}
    for key in ("name", "description", "baseline_change.sbp.rise_abs", "baseline_change.sbp.rise_pct",
                "baseline_change.sbp.fall_pct", "persistence.warning.readings", "persistence.critical.minutes",
                "escalate_when_warnings", "pre_dose_caution.sbp", "pre_dose_caution.dbp", "bp_interval_min",
                "reminder_min"):
        assert key in keys
    assert "version" not in keys
    readings = next(f for f in fields() if f.key == "persistence.warning.readings")
    assert readings.kind == "int" and not readings.optional


def test_a_field_added_to_the_model_appears_in_the_form_and_is_validated():
    class WithObservation(Protocol):
        min_observation_min: float | None = Field(None, gt=0, le=600)

    base = WithObservation.model_validate(DEFAULT.model_dump())
    settings = next(s for s in sections(WithObservation) if s.name == "settings")
    added = next(f for row in settings.rows for f in row.fields if f.key == "min_observation_min")
    assert (added.label, added.unit, added.optional) == ("Min observation", "min", True)
    values = values_from(base)
    assert check({**values, "min_observation_min": 120.0}, base).protocol.min_observation_min == 120
    assert check({**values, "min_observation_min": 900.0}, base).errors == {
        "min_observation_min": "Min observation: must be at most 600 min (not 900)"}


@pytest.mark.parametrize("preset", preset_files())
def test_presets_survive_the_form_unchanged(preset):
    protocol = load_protocol(preset)
    result = check(values_from(protocol), protocol)
    assert result.valid and result.errors == {}
    assert result.protocol.model_dump(exclude={"version"}) == protocol.model_dump(exclude={"version"})


def test_a_changed_limit_reaches_the_protocol_and_an_emptied_one_means_no_limit():
    result = check(edited(limits__hr__critical_high=150.0, limits__rr__warning_high=None), DEFAULT)
    assert result.protocol.limits["hr"].critical_high == 150
    assert result.protocol.limits["rr"].warning_high is None and result.protocol.limits["rr"].critical_high == 35


def test_a_vital_with_every_field_empty_is_left_out():
    emptied = {f"limits__map__{name}": None for name in ("critical_low", "warning_low", "warning_high",
                                                          "critical_high")}
    definition = to_definition(edited(hysteresis__map=None, **emptied), DEFAULT)
    assert "map" not in definition["limits"] and "map" not in definition["hysteresis"]


@pytest.mark.parametrize(("changes", "key", "message"), [
    ({"limits__sbp__warning_high": 190.0}, "limits.sbp.warning_high",
     "SBP warning high 190 is above the critical high 180"),
    ({"limits__sbp__warning_low": 85.0}, "limits.sbp.warning_low", "SBP warning low 85 is below the critical low 90"),
    ({"limits__hr__warning_high": 50.0}, "limits.hr.warning_high", "HR warning high 50 equals the warning low 50"),
    ({"limits__sbp__critical_high": 1800.0}, "limits.sbp.critical_high",
     "SBP critical high 1800 is outside the possible range 40-300 mmHg: check the units"),
    ({"limits__temp_c__warning_high": 100.4}, "limits.temp_c.warning_high",
     "Temp warning high 100.4 is outside the possible range 32-44 °C: check the units"),
    ({"persistence__warning__readings": 0}, "persistence.warning.readings",
     "Warning persistence (readings in a row): must be at least 1 (not 0)"),
    ({"baseline_change__sbp__fall_pct": 150.0}, "baseline_change.sbp.fall_pct",
     "SBP fall % from baseline: must be below 100 % (not 150)"),
    ({"escalate_when_warnings": None}, "escalate_when_warnings",
     "Vitals out at once for a high-priority alert needs a number"),
    ({"bp_interval_min": 0.0}, "bp_interval_min", "BP interval: must be above 0 min (not 0)"),
    ({"name": "  "}, "name", "Give the protocol a name"),
])
def test_each_problem_is_named_beside_its_field_in_plain_words(changes, key, message):
    result = check(edited(**changes), DEFAULT)
    assert not result.valid and result.errors == {key: message} and result.general == []


def test_several_problems_are_each_shown():
    result = check(edited(limits__sbp__warning_high=190.0, limits__dbp__warning_low=40.0, reminder_min=0.0), DEFAULT)
    assert set(result.errors) == {"limits.sbp.warning_high", "limits.dbp.warning_low", "reminder_min"}
