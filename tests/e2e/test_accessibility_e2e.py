"""axe-core in a real browser: no serious or critical accessibility violation on any page a role reaches,
the Record page with a session open and its chart drawn, and the sign-in and first-time set-up screens."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.conftest import PATIENT_MS, ROLE_ACCOUNTS, settle, sidebar_pages, sign_in_as

BLOCKING = {"serious", "critical"}


@pytest.fixture
def page(page):
    """Waits up to PATIENT_MS for each element: a cold server on a machine shared with other test runs."""
    page.set_default_timeout(PATIENT_MS)
    return page


def blocking_violations(page) -> list[str]:
    settle(page)
    found = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {v['help']} at " + "; ".join(
                f"{' '.join(map(str, n['target']))} {n['html'][:120]}" for n in v["nodes"][:3])
            for v in found if v["impact"] in BLOCKING]


def open_session_with_chart(page) -> None:
    page.get_by_role("combobox", name="Session").click()
    page.get_by_role("option").first.click()
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=PATIENT_MS)


def test_sign_in_and_first_time_set_up_screens(roles_server, fresh_server, page):
    problems = {}
    page.goto(roles_server)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=PATIENT_MS)
    problems["sign-in"] = blocking_violations(page)
    page.goto(fresh_server[0])
    expect(page.get_by_role("button", name="Create administrator")).to_be_visible(timeout=PATIENT_MS)
    problems["first-time set-up"] = blocking_violations(page)
    found = {screen: v for screen, v in problems.items() if v}
    assert not found, "\n".join(f"{screen}: {v}" for screen, v in found.items())


@pytest.mark.parametrize("role", list(ROLE_ACCOUNTS))
def test_every_page_a_role_reaches(roles_server, page, role):
    sign_in_as(page, roles_server, role)
    problems = {}
    for name in sidebar_pages(page):
        page.locator("[data-testid='stSidebarNav'] a").filter(has=page.get_by_text(name, exact=True)).click()
        expect(page.locator("h1").first).to_be_visible(timeout=PATIENT_MS)
        settle(page)
        if name == "Record":
            open_session_with_chart(page)
            name = "Record, session open, chart drawn"
        problems[name] = blocking_violations(page)
    found = {name: v for name, v in problems.items() if v}
    for name, violations in found.items():
        print(f"{role} / {name}:", *violations, sep="\n  ")
    assert not found, "\n".join(f"{role} / {name}: {v}" for name, v in found.items())
