"""In a real browser, by keyboard alone: Tab through the reading form in reading order, Enter saves it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

FOCUSED = "() => document.activeElement && document.activeElement.getAttribute('aria-label')"
PLOTTED = ("() => Array.from(document.querySelectorAll('.js-plotly-plot')).flatMap(p => (p.data || [])"
           ".flatMap(t => Array.from((t.y && t.y._inputArray) || t.y || [])))")
WAIT = 90_000  # ms; a loaded test machine can take long to draw the page, nothing here is timed
ORDER = ["Systolic (mmHg)", "Diastolic (mmHg)", "Heart rate (/min)", "SpO2 (%)", "Resp. rate (/min)",
         "MAP (mmHg, optional)", "Temp (°C, optional)", "Note"]


def field(page, label: str):
    return page.get_by_role("textbox", name=label, exact=True)


def open_form(page, base: str, patient_code: str) -> None:
    """Signed in, a new session open, its page drawn to the end, the focus in Systolic."""
    sign_in(page, base)
    # open_new_session's steps, with waits long enough for a loaded machine
    expect(page.get_by_role("heading", name="Record vitals")).to_be_visible(timeout=WAIT)
    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=WAIT)
    page.get_by_text("New patient or session").click(timeout=WAIT)
    field(page, "…or new patient clinic code").fill(patient_code, timeout=WAIT)
    expect(field(page, "…or new patient clinic code")).to_have_value(patient_code, timeout=WAIT)
    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=WAIT)
    page.get_by_role("button", name="Create session").click(timeout=WAIT)
    expect(page.get_by_role("heading", name=re.compile(re.escape(patient_code)))).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("No side effects or scores recorded yet.")).to_be_visible(timeout=WAIT)
    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=WAIT)  # the run has finished
    field(page, "Systolic (mmHg)").focus(timeout=WAIT)


def test_a_reading_is_typed_and_saved_with_the_keyboard_only(app_server, page):
    open_form(page, app_server, "P-KEY-1")
    expect(field(page, "Measured at")).to_have_attribute("placeholder", "now, when saved")
    typed = {"Systolic (mmHg)": "131", "Diastolic (mmHg)": "84", "Heart rate (/min)": "77", "SpO2 (%)": "98%",
             "Resp. rate (/min)": "14", "Note": "after a walk"}
    for position, label in enumerate(ORDER):
        assert page.evaluate(FOCUSED) == label  # Tab went to the next field in reading order
        if label in typed:
            page.keyboard.type(typed[label])
        if position < len(ORDER) - 1:
            page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    expect(page.get_by_text(re.compile(r"Reading at \d\d:\d\d:\d\d saved"))).to_be_visible(timeout=WAIT)
    page.wait_for_function(f"() => ({PLOTTED})().includes(131)", timeout=WAIT)
    plotted = page.evaluate(PLOTTED)
    assert 84 in plotted and 77 in plotted and 98 in plotted
    # Ready for the next set: nothing carries over, the note included.
    for label in ("Systolic (mmHg)", "SpO2 (%)", "Note", "Measured at"):
        expect(field(page, label)).to_have_value("", timeout=WAIT)


def test_a_problem_is_shown_at_the_form_width_not_squeezed_into_its_column(app_server, page):
    open_form(page, app_server, "P-KEY-2")
    page.keyboard.type("12o")
    page.keyboard.press("Tab")
    page.keyboard.type("80")
    page.keyboard.press("Enter")

    problem = page.locator("[data-testid='stAlert']").filter(has_text="'12o' is not a number")
    expect(problem).to_be_visible(timeout=WAIT)
    form = page.locator("[data-testid='stForm']").filter(has=field(page, "Systolic (mmHg)"))
    assert problem.bounding_box()["width"] > 0.8 * form.bounding_box()["width"]
    expect(problem).to_contain_text("Systolic (mmHg)")  # which field, now that it is not beneath it
    expect(field(page, "Systolic (mmHg)")).to_have_value("12o")  # kept to fix
