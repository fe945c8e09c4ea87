"""In a real browser: the chart's hover gives the clock time, threshold labels sit beside the plot, severity shows."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import open_new_session, sign_in

# Page position of the first SBP point, from plotly's own axes (typed arrays decoded in _inputArray).
SBP_POINT = """() => {
  const gd = document.querySelector('.js-plotly-plot');
  const t = gd.data.find(d => d.name === 'SBP');
  if (!t) return null;
  const x = Array.from(t.x._inputArray || t.x)[0], y = Array.from(t.y._inputArray || t.y)[0];
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, box = gd.getBoundingClientRect();
  return [box.left + xa._offset + xa.l2p(x), box.top + ya._offset + ya.l2p(y)];
}"""
LABEL_BOXES = """() => {
  const gd = document.querySelector('.js-plotly-plot'), outer = gd.getBoundingClientRect();
  return Array.from(gd.querySelectorAll('.annotation-text')).filter(e => /^(SBP|DBP|HR|SpO2|RR) \\d+$/.test(e.textContent))
    .map(e => { const b = e.getBoundingClientRect();
      return {text: e.textContent, left: b.left, right: b.right, top: b.top, bottom: b.bottom,
              inside: b.left >= outer.left && b.right <= outer.right && b.top >= outer.top && b.bottom <= outer.bottom}; });
}"""


def test_hover_clock_labels_and_severity_in_the_browser(app_server, page, tmp_path):
    page.set_default_timeout(60_000)  # a loaded machine's reruns of a fresh server can take long
    sign_in(page, app_server)
    expect(page.get_by_role("heading", name="Record vitals")).to_be_visible()
    open_new_session(page, "P-E2E-CHART")
    page.get_by_role("textbox", name="Systolic (mmHg)", exact=True).fill("187")
    page.get_by_role("textbox", name="Diastolic (mmHg)", exact=True).fill("96")
    page.get_by_role("textbox", name="Heart rate (/min)", exact=True).fill("77")
    page.get_by_role("button", name="Save reading").click()
    expect(page.get_by_text(re.compile(r"Reading at \d\d:\d\d:\d\d saved"))).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="Record side effect").click()  # Nausea, mild: the form's defaults
    expect(page.get_by_text("Nausea recorded.")).to_be_visible(timeout=60_000)

    expect(page.locator(".js-plotly-plot .annotation-text", has_text="Nausea (mild)")).to_be_visible()
    page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
    page.wait_for_function(f"() => ({SBP_POINT})() !== null", timeout=20_000)
    x, y = page.evaluate(SBP_POINT)
    page.mouse.move(x, y)
    hover = page.locator(".js-plotly-plot .hoverlayer")
    expect(hover).to_contain_text(re.compile(r"SBP 187 mmHg · \d\d:\d\d"))  # the clock time, two digits each
    expect(hover).to_contain_text("SBP critical")

    boxes = page.evaluate(LABEL_BOXES)
    assert {"SBP 180", "SBP 90", "DBP 100", "DBP 110"} <= {b["text"] for b in boxes}
    assert all(b["inside"] for b in boxes), boxes  # none cut off at the figure's edge
    for a in boxes:
        for b in boxes:
            if a is not b:  # no two labels overlap on screen
                assert a["bottom"] <= b["top"] or b["bottom"] <= a["top"] or a["right"] <= b["left"] \
                    or b["right"] <= a["left"], (a, b)
    page.screenshot(path=str(tmp_path / "chart.png"), full_page=True)
