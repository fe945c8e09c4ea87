"""In a real browser: a trainee plays a scenario, the replay stops at each decision (a quiet moment, then the
first alert with its banner), the answers are taken, and ending the run shows the score with the misses."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import PATIENT_MS, settle, sign_in_as


def answer(page, response: str) -> None:
    """Choose a response and answer; the question goes away."""
    question = page.get_by_text(re.compile(r"Minute \d+: .*What do you do", re.IGNORECASE))
    page.get_by_role("radiogroup", name="Your response").get_by_text(response, exact=True).click()
    settle(page)
    page.get_by_role("button", name="Answer", exact=True).click()
    expect(question).to_have_count(0)


def test_trainee_plays_to_the_first_alert_answers_and_sees_the_score(roles_server, page):
    page.set_default_timeout(PATIENT_MS)
    sign_in_as(page, roles_server, "trainee")
    expect(page.get_by_role("heading", name="Training")).to_be_visible()
    settle(page)
    page.get_by_role("combobox", name="Scenario").click()
    page.get_by_role("option", name=re.compile("Desaturation with sedation")).click()
    settle(page)
    page.get_by_role("combobox", name="Speed").click()
    page.get_by_role("option", name="60×").click()
    settle(page)
    page.get_by_role("button", name="Play").click()

    # the quiet moment at minute 15: nothing has fired, keep watching is the answer
    expect(page.get_by_text("Minute 15: what do you do now?")).to_be_visible(timeout=90_000)
    expect(page.get_by_text(re.compile("Acknowledge it below"))).to_have_count(0)
    answer(page, "Keep watching")

    # the replay plays on by itself and stops at the first alert, with the nurse's banner
    expect(page.get_by_text(re.compile(r"Minute 25: an alert has fired \(SpO2 beyond critical.*What do you do\?")
                            )).to_be_visible(timeout=90_000)
    expect(page.get_by_text(re.compile(r"High: SpO2 \d+ beyond critical"))).to_be_visible()
    answer(page, "Give oxygen")
    settle(page)

    page.get_by_role("button", name="End the run and see the score").click()
    expect(page.get_by_role("heading", name="Score: 67 %")).to_be_visible()
    expect(page.get_by_text("2 of 3 decisions right and in time.")).to_be_visible()
    expect(page.get_by_text(re.compile("Minute 85 .*Not reached"))).to_be_visible()
