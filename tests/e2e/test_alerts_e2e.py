"""In a real browser: a critical reading raises one banner, and acknowledging it with what was done clears it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import open_new_session, sign_in


def test_critical_reading_banner_and_acknowledgement(app_server, page):
    sign_in(page, app_server)
    expect(page.get_by_role("heading", name="Record vitals")).to_be_visible()
    open_new_session(page, "P-E2E-ALERT")
    page.get_by_role("button", name="▶ Start infusion").click()
    expect(page.get_by_role("button", name="■ Stop infusion")).to_be_visible()

    page.get_by_role("textbox", name="Systolic (mmHg)", exact=True).fill("192")
    page.get_by_role("textbox", name="Diastolic (mmHg)", exact=True).fill("100")
    page.get_by_role("textbox", name="Heart rate (/min)", exact=True).fill("88")
    page.get_by_role("button", name="Save reading").click()
    banners = page.get_by_text(re.compile("Acknowledge it below with what was done"))
    expect(banners).to_have_count(1)  # SBP, MAP and the escalation fired together: one event, one banner
    expect(banners.first).to_contain_text("SBP 192 beyond critical")

    choices = page.get_by_role("combobox", name="What was done (one or more)", exact=True)
    choices.click()
    choices.press_sequentially("Slowed")
    page.get_by_role("option", name="Slowed the infusion", exact=True).click()
    page.keyboard.press("Escape")
    page.get_by_role("textbox", name="Note", exact=True).last.fill("rate slowed, recheck in 5 min")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text(re.compile("Alert #\\d+ acknowledged"))).to_be_visible()
    expect(banners).to_have_count(0)  # the acknowledged event has left the banner
