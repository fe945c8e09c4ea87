"""In a real browser: a nurse uploads a vitals file, sees the preview with its problem, commits, sees the count;
an imported crisis raises its alerts on the Record page."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from tests.e2e.conftest import ROOT, open_new_session, sign_in


def sample_session() -> tuple[str, datetime]:
    """The first sample session (loaded by the server fixture) and its infusion start."""
    first = json.loads((ROOT / "sample_data" / "sessions.json").read_text())["sessions"][0]
    return first["code"], datetime.fromisoformat(first["infusion_started_at"])


def metric(page, label: str):
    return page.get_by_test_id("stMetric").filter(has_text=label)


def test_upload_preview_commit_and_see_the_count(app_server, page, tmp_path):
    code, start = sample_session()
    # between the sample's own readings (whole minutes), so none of them is already stored, and during the
    # infusion: the sample session is discharged, and readings measured after discharge are refused
    at = [(start + timedelta(minutes=m, seconds=30)).isoformat() for m in (5, 10, 15, 20)]
    content = ("session_id,timestamp,sbp,dbp,map,hr,spo2,rr,temp_c,note\n"
               f"{code},{at[0]},128,82,,74,98,14,,from the chair sheet\n"
               f"{code},{at[1]},131,84,,76,97,15,,\n"
               f"{code},{at[2]},126,80,,73,98,14,,\n"
               f"{code},{at[3]},120,150,,,,,,typo\n")
    sign_in(page, app_server)
    expect(page.get_by_role("link", name="Import")).to_be_visible()
    page.get_by_role("link", name="Import").click()
    expect(page.get_by_role("heading", name="Import vitals")).to_be_visible()
    page.locator("input[type='file']").set_input_files(
        files=[{"name": "chair-3.csv", "mimeType": "text/csv", "buffer": content.encode()}])

    expect(metric(page, "Readings to store")).to_contain_text("3")
    expect(metric(page, "Rejected")).to_contain_text("1")
    expect(page.get_by_text("Problems: 1", exact=True)).to_be_visible()  # the table itself is drawn on a canvas
    expect(page.get_by_text("diastolic 150 is not below systolic 120")).to_have_count(1)
    page.screenshot(path=str(tmp_path / "import-preview.png"), full_page=True)

    page.get_by_role("button", name="Commit: store 3 readings").click()
    expect(page.get_by_text(re.compile(r"Imported chair-3\.csv: 3 readings stored, 0 already stored"))).to_be_visible()
    expect(metric(page, "Already stored")).to_contain_text("3")  # the same file again would add nothing
    expect(page.get_by_role("button", name=re.compile("Commit"))).to_be_disabled()


def test_an_imported_crisis_raises_the_banner_and_the_alerts_on_the_record_page(app_server, page):
    sign_in(page, app_server)
    expect(page.get_by_role("heading", name="Record vitals")).to_be_visible()
    open_new_session(page, "P-E2E-IMPORT")
    page.get_by_role("button", name="▶ Start infusion").click()
    expect(page.get_by_role("button", name="■ Stop infusion")).to_be_visible()
    # just after the start (a monitor export copied off the device seconds later): SBP 63, SpO2 in the 50s
    base = datetime.now(timezone.utc) + timedelta(seconds=20)
    content = "timestamp,sbp,dbp,hr,spo2\n" + "".join(
        f"{(base + timedelta(seconds=20 * i)).isoformat()},{sbp},{dbp},{hr},{spo2}\n"
        for i, (sbp, dbp, hr, spo2) in enumerate([(63, 40, 118, 58), (66, 42, 121, 55), (70, 45, 112, 57)]))

    page.get_by_role("link", name="Import").click()
    expect(page.get_by_role("heading", name="Import vitals")).to_be_visible()
    page.locator("input[type='file']").set_input_files(
        files=[{"name": "monitor.csv", "mimeType": "text/csv", "buffer": content.encode()}])
    expect(page.get_by_text(re.compile("One more setting is needed"))).to_be_visible()
    page.get_by_role("combobox", name="Session", exact=True).click()
    page.get_by_role("option", name=re.compile("P-E2E-IMPORT")).click()
    expect(metric(page, "Readings to store")).to_contain_text("3")
    page.get_by_role("button", name="Commit: store 3 readings").click()
    expect(page.get_by_text(re.compile(r"3 readings stored, .* alerts raised"))).to_be_visible()

    page.get_by_role("link", name="Record").click()
    expect(page.get_by_role("heading", name="Record vitals")).to_be_visible()
    page.get_by_role("combobox", name="Session", exact=True).click()
    page.get_by_role("option", name=re.compile("P-E2E-IMPORT")).click()
    # one banner for what the first imported reading raised, naming its rules with their worst values
    banner = page.get_by_text(re.compile("Acknowledge it below with what was done")).first
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("SBP 63 beyond critical")
    expect(banner).to_contain_text("SpO2 55 beyond critical")  # the worst of the event
    expect(page.get_by_text(re.compile(r"^Alerts \([1-9]\d*\)$"))).to_be_visible()
