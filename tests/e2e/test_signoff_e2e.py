"""In a real browser: a supervisor signs a sample session off from the Record page's panel, sees the lock
banner, and a reading added after it shows as an addendum."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import PATIENT_MS, ROLE_ACCOUNTS, settle, sign_in_as


def one(locator):
    """The element once a rerun has replaced its stale copy (two are on the page for a moment)."""
    expect(locator).to_have_count(1, timeout=PATIENT_MS)
    return locator


def choose_session(page, code: str) -> None:
    heading = page.get_by_role("heading", name=re.compile(re.escape(code)))
    for _ in range(3):
        settle(page)
        page.get_by_role("combobox", name="Session", exact=True).click()
        page.get_by_role("option", name=re.compile(re.escape(code) + " ")).click()
        try:
            expect(heading).to_be_visible(timeout=15_000)
            return
        except AssertionError:  # a rerun under way dropped the choice
            continue
    expect(heading).to_be_visible(timeout=PATIENT_MS)


def open_panel(page, panel, inside) -> None:
    """Open the expander, again if a rerun under way redrew it closed."""
    for _ in range(3):
        settle(page)
        if not inside.is_visible():
            panel.get_by_text("Sign off this session").click()
        try:
            expect(inside).to_be_visible(timeout=15_000)
            return
        except AssertionError:
            continue
    expect(inside).to_be_visible(timeout=PATIENT_MS)


def test_a_supervisor_signs_a_sample_session_and_a_later_reading_is_an_addendum(roles_server, page, tmp_path):
    page.set_default_timeout(PATIENT_MS)
    sign_in_as(page, roles_server, "supervisor")
    expect(page.get_by_role("heading", name="Record vitals")).to_be_visible()
    choose_session(page, "S-0001")
    settle(page)

    panel = one(page.get_by_test_id("stExpander").filter(has_text="Sign off this session"))
    sign = panel.get_by_role("button", name="Sign the session")
    open_panel(page, panel, sign)
    expect(sign).to_be_enabled()  # the uneventful sample: nothing refuses, nothing to warn of
    panel.get_by_text("Reviewed: I have read this session's record").click()
    panel.get_by_role("textbox", name="Your password, typed again to sign", exact=True).fill(ROLE_ACCOUNTS["supervisor"][1])
    sign.click()

    lock = page.get_by_text(re.compile(r"Signed \(reviewed\) by E2E supervisor at \d{4}-\d\d-\d\d \d\d:\d\d — "
                                       "entries after this are addenda"))
    expect(lock.first).to_be_visible()
    page.screenshot(path=str(tmp_path / "signed.png"), full_page=True)

    settle(page)
    form = one(page.get_by_test_id("stForm").filter(has_text="New reading"))
    expect(form.get_by_text("The session is signed: a reading saved now is kept as an addendum.")).to_be_visible()
    form.get_by_role("textbox", name="Measured at", exact=True).fill("09:31")  # during its infusion: a late entry
    form.get_by_role("textbox", name="Systolic (mmHg)", exact=True).fill("131")
    form.get_by_role("textbox", name="Diastolic (mmHg)", exact=True).fill("84")
    form.get_by_role("textbox", name="Heart rate (/min)", exact=True).fill("77")
    form.get_by_role("button", name="Save reading").click()
    expect(page.get_by_text("Late entry for 09:31:00 saved.")).to_be_visible()

    addenda = page.get_by_text("Addenda after the signature (1):")
    expect(addenda).to_be_visible()
    expect(page.get_by_text(re.compile(r"Reading #\d+, measured 09:31, entered .* by supervisor\.e2e"))).to_be_visible()
    expect(lock.first).to_be_visible()  # the signature stays, the addendum listed after it
    page.screenshot(path=str(tmp_path / "addendum.png"), full_page=True)
