"""Opening a session: the infusion number follows the patient's series; the dose follows the weight."""

from dashboard.core.planning import next_infusion_number, planned_dose_mg


def test_the_first_session_is_infusion_one_and_the_next_follows_the_series():
    assert next_infusion_number([]) == 1
    assert next_infusion_number([1, 2, 3]) == 4
    assert next_infusion_number([None, None]) == 3  # unnumbered sessions still count
    assert next_infusion_number([6]) == 7  # a series moved here at its sixth infusion


def test_the_dose_is_half_a_milligram_per_kilogram_unless_given():
    assert planned_dose_mg(None, 81.3) == 40.6
    assert planned_dose_mg(35.0, 81.3) == 35.0
    assert planned_dose_mg(None, None) is None
