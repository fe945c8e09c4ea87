"""What a supervisor takes away from a review: the chart's phases, alerts and corrections; the FHIR bundle; the CSV
safe to open in a spreadsheet; the one-page PDF."""

from __future__ import annotations

import io
import json

import pandas as pd
import plotly.graph_objects as go
import pypdfium2 as pdfium
import pytest
from fhir.resources.R4B.bundle import Bundle

from dashboard import DISCLAIMER
from dashboard.core.chart import ReviewLayers, build_session_figure
from dashboard.core.chart_review import phases
from dashboard.core.csvfile import export_csv
from dashboard.core.fhir_export import session_bundle
from dashboard.core.protocol import default_protocol
from dashboard.core.report_pdf import session_report
from tests.review_sample import START, TZ, at, long_review, review


def figure(r=None):
    r = r or review()
    return build_session_figure(r.readings, default_protocol(), infusion_started_at=START,
                                infusion_stopped_at=r.session.infusion_stopped_at, tz=TZ,
                                review=ReviewLayers(discharged_at=r.session.discharged_at, alert_events=r.alert_events,
                                                    acks=r.acks, history=r.history))


def test_phases_run_from_the_first_reading_to_the_discharge():
    found = phases(START, at(-12), at(100), START, at(40), at(105))
    assert [(p.name, p.start, p.end) for p in found[:3]] == [("baseline", -12, 0), ("infusion", 0, 40),
                                                             ("recovery", 40, 105)]
    assert found[3].name == "discharge" and found[3].start == 105 and found[3].end == 105 + 3.51  # 3 % of 117 min
    running = phases(START, at(-5), at(20), START, None, None)
    assert [(p.name, p.start, p.end) for p in running] == [("baseline", -5, 0), ("infusion", 0, 20)]


def test_the_review_chart_shades_the_phases_in_every_panel():
    fig = figure()
    bands = [s for s in fig.layout.shapes if (s.name or "").startswith("phase ")]
    assert sorted({s.name for s in bands}) == ["phase baseline", "phase discharge", "phase infusion", "phase recovery"]
    assert len(bands) == 4 and all(s.layer == "below" for s in bands)
    assert {(s.xref, s.yref, s.y0, s.y1) for s in bands} == {("x", "paper", 0, 1)}  # down every panel
    assert "Discharge" in {a.text for a in fig.layout.annotations}
    go.Figure(fig.to_dict())  # every element valid for plotly


def test_alerts_and_their_acknowledgements_are_on_the_time_line():
    fig = figure()
    bars = {s.name: s for s in fig.layout.shapes if (s.name or "").startswith("alert #")}
    assert set(bars) == {"alert #11 high", "alert #12 high"}
    assert (bars["alert #11 high"].x0, bars["alert #11 high"].x1) == (25, 55)
    notes = {a.name: a for a in fig.layout.annotations}
    ack = notes["ack of alert #11"]
    assert ack.x == 27 and ack.text == "✓"
    assert "ana 10:57: Notified the prescriber; Slowed the infusion" in ack.hovertext
    assert "&lt;b&gt;now&lt;/b&gt;" in ack.hovertext  # a typed note is shown as text, never as markup
    assert "not acknowledged" in notes["alert #12"].hovertext
    low, high = fig.layout.yaxis.range  # the highest SBP stays below the alert lane (its top 8 %)
    assert (212 - low) / (high - low) < 0.92


def test_an_acknowledgement_made_the_next_day_is_told_but_not_drawn_off_the_chart():
    r = review()
    r.acks.loc[0, "at"] = at(60 * 24)
    fig = figure(r)
    notes = {a.name: a for a in fig.layout.annotations}
    assert "ack of alert #11" not in notes
    assert "acknowledged ana 2026-11-03 10:30: Notified the prescriber" in notes["alert #11"].hovertext
    assert max(s.x1 for s in fig.layout.shapes if s.x1 is not None and s.xref in ("x", "x4")) < 200


def test_corrections_are_drawn_beside_what_they_replaced():
    marks: dict[tuple, list] = {}
    for t in figure().data:
        if t.name in ("replaced or entered in error", "corrected"):
            marks.setdefault((t.name, t.yaxis), []).extend(zip(t.y, t.text))
    replaced_bp = marks[("replaced or entered in error", "y")]
    # SBP of the void at 5 min, the SBP 212 corrected at 15 min, then the void's DBP
    assert [(y, "digits transposed" in text) for y, text in replaced_bp] == [(140, False), (212, True), (90, False)]
    assert [(y, "correction of #5" in text) for y, text in marks[("corrected", "y")]] == [(122, True)]
    assert [y for y, _ in marks[("replaced or entered in error", "y2")]] == [165]  # the voided artifact, HR
    assert "entered in error: motion artifact" in marks[("replaced or entered in error", "y2")][0][1]
    assert ("corrected", "y2") not in marks  # the correction did not change HR
    assert sum(t.showlegend is not False for t in figure().data if t.name == "corrected") == 1


def test_the_fhir_bundle_validates_and_uses_loinc_and_ucum():
    r = review()
    readings = r.readings.assign(map=lambda f: (f["sbp"] + 2 * f["dbp"]) / 3, map_computed=True, temp_c=36.8)
    bundle = session_bundle(r.session, readings, now=at(200).to_pydatetime(), tz=TZ)
    Bundle.model_validate(bundle)  # FHIR R4 (R4B's Observation and Bundle are R4's)
    assert bundle["type"] == "collection"
    resources = [e["resource"] for e in bundle["entry"]]
    by_code = {}
    for obs in resources:
        by_code.setdefault(obs["code"]["coding"][0]["code"], []).append(obs)
    assert set(by_code) == {"85354-9", "8478-0", "8867-4", "9279-1", "59408-5", "8310-5"}
    assert len(by_code["85354-9"]) == len(r.readings)
    panel = by_code["85354-9"][0]
    assert [(c["code"]["coding"][0]["code"], c["valueQuantity"]["code"], c["valueQuantity"]["value"])
            for c in panel["component"]] == [("8480-6", "mm[Hg]", 133), ("8462-4", "mm[Hg]", 87)]
    assert panel["effectiveDateTime"] == "2026-11-02T10:18:00-05:00"
    units = {code: {o["valueQuantity"]["code"] for o in obs} for code, obs in by_code.items() if code != "85354-9"}
    assert units == {"8478-0": {"mm[Hg]"}, "8867-4": {"/min"}, "9279-1": {"/min"}, "59408-5": {"%"}, "8310-5": {"Cel"}}
    assert {o["valueQuantity"]["system"] for obs in by_code.values() for o in obs if "valueQuantity" in o} == \
        {"http://unitsofmeasure.org"}
    assert all(o["category"][0]["coding"][0]["code"] == "vital-signs" for o in resources)
    assert all(o["subject"] == {"identifier": {"system": "urn:infusion-vitals:patient-code", "value": "P-1002"},
                                "display": "Patient P-1002"} for o in resources)
    corrected = [o for o in resources if o["status"] == "corrected"]
    assert {o["id"] for o in corrected} >= {"r15-bp"}  # reading 15 corrects reading 5
    assert "2708-6" in {c["code"] for c in by_code["59408-5"][0]["code"]["coding"]}
    assert by_code["8478-0"][0]["note"][0]["text"].startswith("computed")


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_csv_cells_a_spreadsheet_would_run_get_an_apostrophe(text):
    r = review()
    readings = r.readings.assign(note=text)
    out = pd.read_csv(io.StringIO(export_csv(readings, session_code=text, tz=TZ)), dtype=str,
                      keep_default_na=False)
    kept = "'" + text.replace("\r", "\n")  # a CR inside a cell is written as a line break the cell's quotes hold
    assert set(out["note"]) == {kept} and set(out["session_id"]) == {kept} and len(out) == len(r.readings)
    assert out["sbp"].iloc[0] == "133"  # numbers stay numbers


def text_of(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    try:
        return " ".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()


def render(pdf: bytes, path) -> int:
    doc = pdfium.PdfDocument(pdf)
    try:
        doc[0].render(scale=1.5).to_pil().save(path)
        return len(doc)
    finally:
        doc.close()


@pytest.mark.parametrize("make, n_alerts", [(review, 2), (lambda: review(n_events=30), 30), (long_review, 14)])
def test_the_report_is_one_readable_page(make, n_alerts, tmp_path):
    r = make()
    pdf = session_report(r, TZ)
    assert render(pdf, tmp_path / "report.png") == 1 and (tmp_path / "report.png").stat().st_size > 50_000
    words = " ".join(text_of(pdf).split())
    assert f"Infusion session report · {r.session.code}" in words
    assert f"Peak SBP {r.summary.peaks['sbp'].value:.0f} mmHg" in words
    assert f"Alerts and what was done ({n_alerts})" in words
    assert "Reviewed by Sam Smith (sam), 2026-11-03 09:05" in words
    assert " ".join(DISCLAIMER.split()) in words
    if n_alerts > 10:
        assert "more alert events: see the session's review page" in words


def test_the_report_of_the_sample_says_what_was_done_and_what_stands_in_the_way():
    words = " ".join(text_of(session_report(review(), TZ)).split())
    assert "ana 10:57: Notified the prescriber; Slowed the infusion (called Dr Lee <b>now</b>)" in words
    assert "Side effects: Headache (moderate) 11:03; Nausea (mild) 11:15" in words
    assert "not ready: high-priority alert since 10:56 not acknowledged" in words
    assert "before dosing: 138/85 (10:27)" in words


def test_the_summary_json_names_no_one_but_the_clinic_code():
    data = review().summary.as_json()
    assert data["patient_code"] == "P-1002"
    assert json.loads(json.dumps(data))["readiness"]["ok"] is False
