"""In a real browser, a nurse's whole session with readings minutes apart (the server's clock is moved on):
baseline, infusion, readings, a side effect, a correction, one grouped alert acknowledged with two
actions, stop, a discharge refused for the minimum observation time, then overridden with a reason."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.e2e.conftest import open_new_session, settle, sign_in

TZ = ZoneInfo("America/New_York")  # the app's default CLINIC_TZ
WAIT = 60_000  # ms; a long session on a busy machine: each step waits for its rerun


class Clock:
    """The server's clinical clock: real time plus the seconds in the offset file it reads on every call."""

    def __init__(self, path):
        self.path = path
        now = datetime.now(TZ)
        # start at 10:00 clinic time today, so the session never crosses midnight
        self.offset = (now.replace(hour=10, minute=0, second=0, microsecond=0) - now).total_seconds()
        self._write()

    def _write(self) -> None:
        self.path.write_text(f"{self.offset:.3f}")

    def advance(self, minutes: float) -> None:
        self.offset += minutes * 60
        self._write()

    def now(self) -> datetime:
        return datetime.now(TZ) + timedelta(seconds=self.offset)

    def hhmm(self) -> str:
        return f"{self.now():%H:%M}"


@pytest.fixture(scope="module")
def clock(tmp_path_factory):
    """Set before the module's server starts: the server reads $IV_CLOCK_OFFSET_FILE from its environment."""
    path = tmp_path_factory.mktemp("clock") / "offset"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IV_CLOCK_OFFSET_FILE", str(path))
        yield Clock(path)


@pytest.fixture(scope="module")
def clocked_server(clock, app_server):
    return app_server


def one(locator):
    """The element once a rerun has replaced its stale copy (two are on the page for a moment)."""
    expect(locator).to_have_count(1, timeout=WAIT)
    return locator


def choose_reading(page, corrections, label: re.Pattern) -> None:
    """Choose a reading to correct, again if a rerun that was under way redrew the picker and dropped the choice."""
    picker = corrections.get_by_role("combobox", name="Reading", exact=True)
    for _ in range(3):
        settle(page)
        one(picker).click()
        try:  # a rerun that redraws the picker closes its open list: open it again
            page.get_by_role("option", name=label).click(timeout=15_000)
        except PlaywrightError:
            page.keyboard.press("Escape")
            continue
        settle(page)
        try:  # a stale copy of the form may stand beside the new one for a moment
            if one(corrections.get_by_role("textbox", name="Systolic (mmHg)", exact=True)).input_value():
                return
        except PlaywrightError:
            continue


def entry_form(page):
    return one(page.get_by_test_id("stForm").filter(has_text="New reading"))


def enter_reading(page, clock: Clock, sbp: str, dbp: str, hr: str) -> str:
    """Type a set and save it at the moment of saving (the time left empty); returns its clock minute."""
    form = entry_form(page)
    before = clock.now()
    form.get_by_role("textbox", name="Systolic (mmHg)", exact=True).fill(sbp)
    form.get_by_role("textbox", name="Diastolic (mmHg)", exact=True).fill(dbp)
    form.get_by_role("textbox", name="Heart rate (/min)", exact=True).fill(hr)
    form.get_by_role("button", name="Save reading").click()
    saved = page.get_by_text(re.compile(r"Reading at \d\d:\d\d:\d\d saved\."))
    expect(saved.filter(has_text=minute_between(before, clock.now())).first).to_be_visible(timeout=WAIT)
    return re.search(r"at (\d\d:\d\d):", saved.first.inner_text()).group(1)


def minute_between(first: datetime, last: datetime) -> re.Pattern:
    """The clock minute of something the server stamped between two moments (it may tick over)."""
    return re.compile(f"({first:%H:%M}|{last:%H:%M})")


def banners(page):
    return page.get_by_text(re.compile("Acknowledge it below with what was done"))


def expect_status(page, value: str) -> None:
    """The Status metric shows value (a rerun may briefly leave its stale copy beside it)."""
    metric = page.get_by_test_id("stMetric").filter(has_text="Status").filter(has_text=value)
    expect(metric.first).to_be_visible(timeout=WAIT)


def test_a_nurses_whole_session(clocked_server, clock, page, tmp_path):
    page.set_default_timeout(WAIT)
    sign_in(page, clocked_server)
    expect(page.get_by_role("heading", name="Record vitals")).to_be_visible(timeout=WAIT)
    open_new_session(page, "P-E2E-WHOLE")
    expect_status(page, "planned")

    enter_reading(page, clock, "128", "82", "76")  # baseline
    clock.advance(3)
    before = clock.now()
    page.get_by_role("button", name="▶ Start infusion").click()
    expect_status(page, "infusing")
    start = page.get_by_test_id("stMetric").filter(has_text="Infusion start")
    expect(start.filter(has_text=minute_between(before, clock.now())).first).to_be_visible(timeout=WAIT)

    clock.advance(5)
    enter_reading(page, clock, "134", "84", "80")
    expect(banners(page)).to_have_count(0, timeout=WAIT)

    clock.advance(2)
    side = page.get_by_test_id("stForm").filter(has_text="Effect")
    one(side.get_by_role("button", name="Record side effect")).click()
    expect(page.get_by_text("Nausea recorded.")).to_be_visible(timeout=WAIT)

    clock.advance(3)
    typo_at = enter_reading(page, clock, "118", "86", "82")  # meant 148
    clock.advance(5)
    enter_reading(page, clock, "185", "112", "92")
    expect(page.get_by_text(re.compile("Reading at .* saved"))).to_have_count(1, timeout=WAIT)
    expect(banners(page)).to_have_count(1, timeout=WAIT)  # one reading, one banner: not one per rule
    banner = banners(page).first
    for rule in ("SBP 185 beyond critical", "DBP 112 beyond critical", "MAP 136 beyond critical",
                 "2 or more vitals outside their limits at once"):
        expect(banner).to_contain_text(rule, timeout=WAIT)
    expect(page.get_by_test_id("stToast")).to_have_count(1, timeout=WAIT)
    expect(page.get_by_test_id("stToast")).to_contain_text("New high-priority alert: SBP 185 beyond critical", timeout=WAIT)
    page.screenshot(path=str(tmp_path / "grouped-alert.png"), full_page=True)

    ack = one(page.get_by_test_id("stForm").filter(has_text="What was done"))
    for action in ("Re-checked: reading confirmed", "Slowed the infusion"):
        choices = ack.get_by_role("combobox", name="What was done (one or more)", exact=True)
        choices.click()
        choices.press_sequentially(action[:8])
        page.get_by_role("option", name=action, exact=True).click()
        page.keyboard.press("Escape")
    ack.get_by_role("textbox", name="Note", exact=True).fill("prescriber informed by phone")
    ack.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text(re.compile(r"Alert #\d+ acknowledged\."))).to_be_visible(timeout=WAIT)
    expect(banners(page)).to_have_count(0, timeout=WAIT)

    clock.advance(5)
    enter_reading(page, clock, "150", "90", "84")
    clock.advance(10)
    before = clock.now()
    page.get_by_role("button", name="■ Stop infusion").click()
    expect_status(page, "recovery")
    earliest = minute_between(before + timedelta(minutes=30), clock.now() + timedelta(minutes=30))

    clock.advance(10)
    page.get_by_role("button", name="Discharge", exact=True).click()
    refusal = page.get_by_text("Discharge refused:")
    expect(refusal).to_be_visible(timeout=WAIT)
    expect(page.get_by_text(re.compile("at least 30 min after infusion stop: not before " + earliest.pattern
                                       + r" \(\d+ min to go\)"))).to_be_visible(timeout=WAIT)
    expect_status(page, "recovery")

    page.get_by_role("textbox", name="Reason to discharge anyway (recorded in the audit log)").fill(
        "escort waiting; prescriber reviewed at the chair")
    page.get_by_role("button", name="Discharge anyway").click()
    expect_status(page, "discharged")
    expect(page.get_by_text(re.compile("Discharged at \\d\\d:\\d\\d\\. Readings measured after"))).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("Discharge refused:")).to_have_count(0, timeout=WAIT)
    page.screenshot(path=str(tmp_path / "discharged.png"), full_page=True)

    # correcting the typo after discharge: its measured time is before discharge, so it is allowed
    settle(page)
    corrections = one(page.get_by_test_id("stExpander").filter(has_text="Correct a reading"))
    corrections.get_by_text("Correct a reading").click()
    choose_reading(page, corrections, re.compile(f"at {typo_at}: BP 118.86"))
    expect(corrections.locator("details[open]")).to_have_count(1, timeout=WAIT)  # stays open while one is chosen
    systolic = one(corrections.get_by_role("textbox", name="Systolic (mmHg)", exact=True))
    expect(systolic).to_have_value("118", timeout=WAIT)
    systolic.fill("148")
    corrections.get_by_role("textbox", name="Reason for the correction (required)").fill("digits transposed")
    corrections.get_by_role("button", name="Save correction").click()
    expect(page.get_by_text(re.compile(r"Reading #\d+ corrected; the correction is #\d+\."))).to_be_visible(timeout=WAIT)

