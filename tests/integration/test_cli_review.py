"""`summary` and `export` as a clinic scripts its paperwork: JSON, the three formats, --out, role checks."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pypdfium2 as pdfium
from fhir.resources.R4B.bundle import Bundle

from tests.integration.test_cli import ROOT, cli

PASSWORD = "correct horse battery"


def seeded(url: str) -> None:
    assert cli("seed", url=url).returncode == 0
    for user, role in (("sam", "supervisor"), ("ana", "nurse"), ("tia", "trainer"), ("ada", "admin")):
        added = cli("users", "add", user, "--role", role, "--password-stdin", url=url, stdin=PASSWORD + "\n")
        assert added.returncode == 0, added.stderr


def test_summary_and_every_export_format(database_url, tmp_path):
    seeded(database_url)
    out = cli("summary", "--session", "S-0002", "--json", "--as", "sam", url=database_url)
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert (summary["session_code"], summary["peaks"]["sbp"]["value"], summary["monitored_minutes"]) == \
        ("S-0002", 186.0, 105.0)
    assert summary["readiness"]["ok"] is False and summary["alerts"]["unacknowledged_high"] >= 1
    text = cli("summary", "--session", "S-0001", "--as", "ana", url=database_url)
    assert text.returncode == 0 and "Discharge readiness: ready" in text.stdout

    rows = list(csv.DictReader(io.StringIO(cli("export", "--session", "S-0002", "--format", "csv", "--as", "ana",
                                               url=database_url).stdout)))
    assert len(rows) == 15 and {r["session_id"] for r in rows} == {"S-0002"} and rows[0]["sbp"] == "133"

    fhir = cli("export", "--session", "S-0002", "--format", "fhir", "--out", str(tmp_path / "s2.json"),
               "--as", "sam", url=database_url)
    assert fhir.returncode == 0 and "S-0002: fhir written to" in fhir.stdout
    bundle = Bundle.model_validate(json.loads((tmp_path / "s2.json").read_text()))
    panels = [e.resource for e in bundle.entry if e.resource.code.coding[0].code == "85354-9"]
    assert len(panels) == 15

    report = cli("export", "--session", "S-0002", "--format", "report", "--out", str(tmp_path / "s2.pdf"),
                 "--as", "sam", url=database_url)
    assert report.returncode == 0, report.stderr
    doc = pdfium.PdfDocument((tmp_path / "s2.pdf").read_bytes())
    try:
        assert len(doc) == 1 and "Infusion session report · S-0002" in doc[0].get_textpage().get_text_range()
    finally:
        doc.close()


def test_a_report_goes_to_standard_output_when_it_is_piped(sqlite_url):
    seeded(sqlite_url)
    piped = subprocess.run([sys.executable, "-m", "dashboard", "export", "--session", "S-0001", "--format", "report"],
                           capture_output=True, cwd=ROOT, env={**os.environ, "DATABASE_URL": sqlite_url}, timeout=120)
    assert piped.returncode == 0 and piped.stdout.startswith(b"%PDF")


def test_roles_that_may_not_read_sessions_are_refused_and_nothing_is_written(database_url, tmp_path):
    seeded(database_url)
    for user, role in (("tia", "trainer"), ("ada", "admin")):
        refused = cli("export", "--session", "S-0002", "--format", "report", "--out", str(tmp_path / "x.pdf"),
                      "--as", user, url=database_url)
        assert refused.returncode == 1 and refused.stderr.strip() == f"error: a {role} may not session: read"
        summary = cli("summary", "--session", "S-0002", "--json", "--as", user, url=database_url)
        assert summary.returncode == 1 and summary.stdout == "" and "may not session: read" in summary.stderr
    assert not (tmp_path / "x.pdf").exists()
    missing = cli("summary", "--session", "S-9999", url=database_url)
    assert missing.returncode == 1 and missing.stderr.strip() == "error: no session with code 'S-9999'"
