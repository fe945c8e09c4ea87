"""In a real browser: a nurse creates a session, types a reading, and sees it drawn in the chart."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import open_new_session, sign_in


# Plotly keeps typed arrays decoded in y._inputArray; plain arrays are y itself.
PLOTTED = ("() => Array.from(document.querySelectorAll('.js-plotly-plot')).flatMap(p => (p.data || [])"
           ".flatMap(t => Array.from((t.y && t.y._inputArray) || t.y || [])))")


def plotted_values(page) -> list[float]:
    return page.evaluate(PLOTTED)


def test_enter_a_reading_and_see_it_in_the_chart(app_server, page, tmp_path):
    page.goto(app_server)
    expect(page.get_by_text("does not replace the bedside monitor").first).to_be_visible()
    sign_in(page, app_server)
    expect(page.get_by_role("heading", name="Record vitals")).to_be_visible()

    open_new_session(page, "P-E2E-1")

    page.get_by_role("textbox", name="Systolic (mmHg)", exact=True).fill("131")
    page.get_by_role("textbox", name="Diastolic (mmHg)", exact=True).fill("84")
    page.get_by_role("textbox", name="Heart rate (/min)", exact=True).fill("77")
    page.get_by_role("button", name="Save reading").click()
    expect(page.get_by_text(re.compile(r"Reading at \d\d:\d\d:\d\d saved"))).to_be_visible()

    page.wait_for_function(f"() => ({PLOTTED})().includes(131)", timeout=20_000)
    values = plotted_values(page)
    assert 131 in values and 84 in values and 77 in values
    page.screenshot(path=str(tmp_path / "record.png"), full_page=True)


def test_sample_sessions_are_listed(app_server, page):
    sign_in(page, app_server)
    page.get_by_role("link", name="Sessions").click()
    expect(page.get_by_role("heading", name="Sessions")).to_be_visible()
    expect(page.locator("[data-testid='stDataFrame']")).to_be_visible()
