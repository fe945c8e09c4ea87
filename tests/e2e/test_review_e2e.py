"""In a real browser: a supervisor opens a sample session on the Review page and downloads its three files."""

from __future__ import annotations

import json
import re

import pypdfium2 as pdfium
from playwright.sync_api import expect

from tests.e2e.conftest import PATIENT_MS, settle, sign_in_as


def test_a_supervisor_reads_a_session_back_and_downloads_its_files(roles_server, page, tmp_path):
    sign_in_as(page, roles_server, "supervisor")
    page.get_by_role("link", name="Review").click()
    expect(page.get_by_role("heading", name="Session review")).to_be_visible(timeout=PATIENT_MS)
    page.get_by_role("combobox", name="Session").click()
    page.get_by_role("option", name=re.compile("S-0002")).first.click()
    settle(page)
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=PATIENT_MS)
    expect(page.get_by_text("Discharge readiness at 12:15: not ready")).to_be_visible()
    files = {}
    for label in ("Download CSV", "Download FHIR (JSON)", "Download report (PDF)"):
        with page.expect_download(timeout=PATIENT_MS) as download:
            page.get_by_role("button", name=label).click()
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        files[path.name] = path.read_bytes()
    assert set(files) == {"S-0002.csv", "S-0002.fhir.json", "S-0002-report.pdf"}
    assert files["S-0002.csv"].decode().splitlines()[0].startswith("session_id,timestamp,sbp,dbp")
    assert json.loads(files["S-0002.fhir.json"])["resourceType"] == "Bundle"
    doc = pdfium.PdfDocument(files["S-0002-report.pdf"])
    try:
        assert len(doc) == 1
    finally:
        doc.close()
