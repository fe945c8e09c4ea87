"""In a real browser: a nurse uploads a vitals file, sees the preview with its problem, commits, sees the count."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from playwright.sync_api import expect

from tests.e2e.conftest import ROOT, sign_in


def sample_session() -> tuple[str, datetime]:
    """The first sample session (loaded by the server fixture) and its infusion start."""
    first = json.loads((ROOT / "sample_data" / "sessions.json").read_text())["sessions"][0]
    return first["code"], datetime.fromisoformat(first["infusion_started_at"])


def metric(page, label: str):
    return page.get_by_test_id("stMetric").filter(has_text=label)


def test_upload_preview_commit_and_see_the_count(app_server, page, tmp_path):
    code, start = sample_session()
    # between the sample's own readings (whole minutes), so none of them is already stored
    at = [(start + timedelta(hours=2, minutes=m, seconds=30)).isoformat() for m in (0, 10, 20, 30)]
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
