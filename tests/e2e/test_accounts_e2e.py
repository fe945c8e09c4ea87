"""In a real browser: the first admin is created with the set-up code printed at start; each role sees its
own pages, and a page opened by its address as the wrong role is refused."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PATIENT_MS, printed_setup_code, settle, sidebar_pages, sign_in_as

PASSWORD = "first admin password 1"
SIDEBAR = {
    "nurse": ["Record", "Board", "Import", "Sessions", "Review", "Patient series", "Password"],
    "supervisor": ["Record", "Board", "Import", "Sessions", "Review", "Patient series", "Protocols", "Training",
                   "Scenarios", "Audit log", "Chairs", "Password"],
    "trainer": ["Training", "Scenarios", "Password"],
    "trainee": ["Training", "Password"],
    "admin": ["Audit log", "Users", "Chairs", "Password"],
}


@pytest.fixture
def page(page):
    """Waits up to PATIENT_MS for each element: a cold server on a machine shared with other test runs."""
    page.set_default_timeout(PATIENT_MS)
    return page


def test_first_admin_from_the_code_printed_at_start_then_straight_to_sign_in(fresh_server, page):
    base, console = fresh_server
    code = printed_setup_code(console)  # printed by `python -m dashboard run` before any browser connected
    page.goto(base)
    expect(page.get_by_role("heading", name="Infusion Vitals: first-time set-up")).to_be_visible(timeout=PATIENT_MS)
    page.get_by_role("textbox", name="Set-up code").fill("0000")
    page.get_by_role("textbox", name="Admin username").fill("boss")
    page.get_by_role("textbox", name="Full name").fill("Clinic Boss")
    page.get_by_role("textbox", name="Password (at least 10 characters)").fill(PASSWORD)
    page.get_by_role("textbox", name="Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create administrator").click()
    expect(page.get_by_text("The set-up code is not right")).to_be_visible(timeout=PATIENT_MS)

    page.get_by_role("textbox", name="Set-up code").fill(code)
    page.get_by_role("button", name="Create administrator").click()
    expect(page.get_by_text("Administrator boss created")).to_be_visible(timeout=PATIENT_MS)
    expect(page.get_by_role("heading", name="Infusion Vitals", exact=True)).to_be_visible(timeout=PATIENT_MS)
    expect(page.get_by_role("textbox", name="Set-up code")).to_have_count(0, timeout=PATIENT_MS)  # no reload needed

    page.get_by_role("textbox", name="Username", exact=True).fill("boss")
    page.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Clinic Boss")).to_be_visible(timeout=PATIENT_MS)
    assert sidebar_pages(page) == SIDEBAR["admin"]
    assert console.read_text().count("first-time set-up code") == 1  # once, not again by the app process


@pytest.mark.parametrize("role", list(SIDEBAR))
def test_each_role_sees_its_own_pages_in_the_sidebar(roles_server, page, role):
    sign_in_as(page, roles_server, role)
    assert sidebar_pages(page) == SIDEBAR[role]


@pytest.mark.parametrize("role, path, heading", [("nurse", "users", "Users"), ("trainer", "record", "Record vitals"),
                                                 ("admin", "sessions", "Sessions"), ("nurse", "audit", "Audit log"),
                                                 ("trainee", "scenarios", "Scenarios")])
def test_a_page_opened_by_its_address_as_the_wrong_role_is_refused(roles_server, page, role, path, heading):
    sign_in_as(page, roles_server, role, path)  # a bookmark of another role's page
    expect(page.get_by_text("Your role does not give access to this page.")).to_be_visible(timeout=PATIENT_MS)
    settle(page)
    expect(page.get_by_role("heading", name=heading, exact=True)).to_have_count(0, timeout=PATIENT_MS)
    expect(page.locator("[data-testid='stDataFrame']")).to_have_count(0, timeout=PATIENT_MS)
    assert sidebar_pages(page) == SIDEBAR[role]


def test_the_right_role_reaches_the_same_address(roles_server, page):
    sign_in_as(page, roles_server, "admin", "users")
    expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible(timeout=PATIENT_MS)
