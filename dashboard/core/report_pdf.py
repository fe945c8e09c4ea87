"""The printable one-page session report (PDF): chart, summary, alerts with what was done, side effects and
scores, signatures and the disclaimer."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from dashboard import DISCLAIMER
from dashboard.core.chart_review import ack_text
from dashboard.core.review import SessionReview
from dashboard.core.review_summary import NEAR_BASELINE_PCT, ReviewSummary
from dashboard.core.vitals import VITAL_BY_KEY

PAGE = "Letter"
MARGIN = 12.0  # mm
WIDTH = 215.9 - 2 * MARGIN
BOTTOM = 279.4 - 10.0  # the lowest line of text
CHART_HEIGHT = 96.0
LINE = 3.6  # mm per line of 7.5 pt text
LABEL_WIDTH = 31.0  # the summary's labels
MAX_REASONS = 3  # readiness reasons printed; the rest are counted
ALERT_COLUMNS = (("#", 8), ("Priority", 14), ("Alert", 66), ("From – until", 26), ("What was done", WIDTH - 114))
STATE_WORDS = {"stayed_near": "stayed near baseline", "not_back": "not back by the last reading",
               "no_baseline": "no baseline", "no_readings": "not measured"}


def _fonts(pdf) -> str:
    """DejaVu Sans (shipped inside matplotlib): every character a note may hold, unlike the PDF core fonts."""
    import matplotlib
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    for style, file in (("", "DejaVuSans.ttf"), ("B", "DejaVuSans-Bold.ttf"), ("I", "DejaVuSans-Oblique.ttf")):
        pdf.add_font("DejaVu", style, str(folder / file))
    return "DejaVu"


def _clock(moment, tz: str, fmt: str = "%H:%M") -> str:
    if moment is None or pd.isna(moment):
        return ""
    return pd.Timestamp(moment).tz_convert(ZoneInfo(tz)).strftime(fmt)


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def after_peak(minutes: float) -> str:
    return "within a minute of the peak" if minutes < 1 else f"{minutes:.0f} min after the peak"


def summary_lines(summary: ReviewSummary, tz: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The summary as (label, text) pairs for two columns: vitals on the left; REMS, limits, readiness right."""
    base = summary.baseline
    left = [("Baseline", "pre-infusion median: " + (", ".join(
        f"{VITAL_BY_KEY[k].short} {_num(v)}" for k, v in base.items() if k in ("sbp", "dbp", "hr", "spo2", "rr"))
        or "no pre-infusion reading"))]
    for key in ("sbp", "dbp", "hr"):
        peak = summary.peaks.get(key)
        left.append((f"Peak {VITAL_BY_KEY[key].short}", "–" if peak is None else
                     f"{_num(peak.value)} {VITAL_BY_KEY[key].unit} at {_clock(peak.at, tz)}"))
    low = summary.lowest_spo2
    left.append(("Lowest SpO2", "–" if low is None else f"{_num(low.value)} % at {_clock(low.at, tz)}"))
    back = []
    for r in summary.returns:
        name = VITAL_BY_KEY[r.vital].short
        back.append(f"{name} {_clock(r.back_at, tz)} ({after_peak(r.minutes_after_peak)})" if r.state == "back"
                    else f"{name} {STATE_WORDS[r.state]}")
    left.append((f"Back near baseline (±{NEAR_BASELINE_PCT:g} %)", "; ".join(back)))
    if summary.monitored_minutes is None:
        left.append(("Minutes monitored", "infusion not started"))
    else:
        until = "to discharge" if summary.monitored_until == "discharge" else "so far, not discharged"
        left.append(("Minutes monitored", f"{summary.monitored_minutes:.0f} (from infusion start {until})"))
    rems = "; ".join(f"{p.label}: {p.text}" + (f" ({_clock(p.at, tz)})" if p.at else "") for p in summary.rems)
    right = [("REMS blood pressures", rems)]
    beyond = [f"{t.label.replace(' (warning)', '').replace(' (critical)', '')} "
              + ("under 1 min" if t.minutes < 0.5 else f"{t.minutes:.0f} min") for t in summary.beyond if t.minutes > 0]
    right.append(("Time beyond limits", "; ".join(beyond) or "none"))
    a = summary.alerts
    right.append(("Alert events", f"{a.events} ({a.high} high, {a.medium} medium); "
                                  f"{a.unacknowledged_high} high not acknowledged"
                  + (f"; {a.withdrawn} withdrawn" if a.withdrawn else "")))
    ready = summary.readiness
    reasons = ready.reasons[:MAX_REASONS] + ([f"and {len(ready.reasons) - MAX_REASONS} more (see the review page)"]
                                             if len(ready.reasons) > MAX_REASONS else [])
    right.append(("Discharge readiness", "ready" if ready.ok else "not ready: " + "; ".join(reasons)))
    return left, right


def _alert_rows(review: SessionReview, tz: str) -> list[tuple[str, ...]]:
    acks = review.acks
    rows = []
    for row in review.alert_events.sort_values("started_at").itertuples():
        done = acks[acks["event_id"] == row.id] if len(acks) else acks
        what = "; ".join(ack_text(a, tz, row.started_at) for a in done.itertuples()) or "not acknowledged"
        until = "active" if pd.isna(row.ended_at) else _clock(row.ended_at, tz) + (
            " (discharge)" if getattr(row, "ended_at_discharge", False) else "")
        alert = str(row.summary).split(": ", 1)[-1]
        if pd.notna(row.withdrawn_at):
            alert += " — withdrawn (readings corrected)"
        rows.append((str(int(row.id)), str(row.priority), alert, f"{_clock(row.started_at, tz)} – {until}", what))
    return rows


def _events_text(review: SessionReview, tz: str) -> str:
    s = review.summary
    parts = [f"{e.label} ({e.severity}) {_clock(e.at, tz)}" if e.severity else f"{e.label} {_clock(e.at, tz)}"
             for e in s.side_effects]
    text = "Side effects: " + ("; ".join(parts) or "none recorded")
    if s.moaa_s.count:
        text += (f".  MOAA/S: lowest {_num(s.moaa_s.lowest.value)} at {_clock(s.moaa_s.lowest.at, tz)}, "
                 f"last {_num(s.moaa_s.last.value)} at {_clock(s.moaa_s.last.at, tz)}")
    if s.cadss.count:
        text += (f".  CADSS: highest {_num(s.cadss.highest.value)} at {_clock(s.cadss.highest.at, tz)}, "
                 f"last {_num(s.cadss.last.value)} at {_clock(s.cadss.last.at, tz)}")
    return text + "."


def _signature_lines(review: SessionReview, tz: str) -> list[str]:
    if not review.signoffs:
        return ["Not signed."]
    return [f"{s.label}, {_clock(s.signed_at, tz, '%Y-%m-%d %H:%M')}"
            + (f" — warned of: {'; '.join(s.warnings)}" if s.warnings else "") for s in review.signoffs]


class _Writer:
    """An fpdf2 page with the few ways this report writes text."""

    def __init__(self):
        from fpdf import FPDF
        self.pdf = FPDF(orientation="portrait", unit="mm", format=PAGE)
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margins(MARGIN, MARGIN, MARGIN)
        self.font = _fonts(self.pdf)
        self.pdf.add_page()

    def style(self, size: float, bold: bool = False, italic: bool = False, color=(44, 62, 80)) -> None:
        self.pdf.set_font(self.font, "B" if bold else "I" if italic else "", size)
        self.pdf.set_text_color(*color)

    def lines(self, width: float, text: str) -> int:
        return len(self.pdf.multi_cell(width, LINE, text, dry_run=True, output="LINES", align="L"))

    def block(self, x: float, y: float, width: float, text: str, height: float = LINE) -> float:
        """Wrapped text at (x, y); returns the y below it."""
        self.pdf.set_xy(x, y)
        self.pdf.multi_cell(width, height, text, align="L")
        return self.pdf.get_y()

    def heading(self, y: float, text: str) -> float:
        self.style(9, bold=True)
        self.pdf.set_xy(MARGIN, y)
        self.pdf.cell(WIDTH, 5, text)
        self.pdf.set_draw_color(200, 206, 212)
        self.pdf.line(MARGIN, y + 5, MARGIN + WIDTH, y + 5)
        return y + 6


def session_report(review: SessionReview, tz: str, printed_at: datetime | None = None) -> bytes:
    """The report as PDF bytes, always one page: a long alert list is cut with a count of what is left out."""
    from dashboard.core.report_chart import chart_png
    w = _Writer()
    pdf, session, summary = w.pdf, review.session, review.summary
    printed = printed_at or review.read_at
    pdf.set_title(f"Infusion session report {session.code}")
    pdf.set_creator("Infusion Vitals")
    w.style(14, bold=True)
    pdf.set_xy(MARGIN, MARGIN)
    pdf.cell(WIDTH * 0.6, 7, f"Infusion session report · {session.code}")
    w.style(7.5, color=(90, 100, 110))
    pdf.set_xy(MARGIN + WIDTH * 0.6, MARGIN)
    pdf.multi_cell(WIDTH * 0.4, LINE, f"Printed {_clock(printed, tz, '%Y-%m-%d %H:%M')} ({tz})", align="R")
    number = f" · infusion {session.infusion_number}" if session.infusion_number else ""
    dose = f" · planned dose {session.planned_dose_mg:g} mg" if session.planned_dose_mg else ""
    times = " · ".join(f"{label} {_clock(moment, tz)}" for label, moment in (
        ("start", session.infusion_started_at), ("stop", session.infusion_stopped_at),
        ("discharge", session.discharged_at)) if moment is not None)
    w.style(8)
    y = w.block(MARGIN, MARGIN + 7.5, WIDTH,
                f"Patient {session.patient_code} · {session.session_date:%Y-%m-%d}{number}{dose} · status "
                f"{session.status}" + (f" · {times}" if times else "")
                + f"\nProtocol {review.protocol.name} v{review.protocol.version} ({review.protocol_source}) · "
                f"{summary.readings} readings in force")
    pdf.image(chart_png(review, tz), x=MARGIN, y=y + 1, w=WIDTH, h=CHART_HEIGHT)
    y = w.heading(y + CHART_HEIGHT + 2, "Summary")
    left, right = summary_lines(summary, tz)
    half = WIDTH / 2 - 2
    bottoms = []
    for x, pairs in ((MARGIN, left), (MARGIN + WIDTH / 2 + 2, right)):
        yy = y
        for label, text in pairs:
            w.style(7.5, bold=True)
            pdf.set_xy(x, yy)
            pdf.multi_cell(LABEL_WIDTH - 1, LINE, label, align="L")
            below = pdf.get_y()
            w.style(7.5, color=(192, 57, 43) if label == "Discharge readiness" and not summary.readiness.ok
                    else (44, 62, 80))
            yy = max(w.block(x + LABEL_WIDTH, yy, half - LABEL_WIDTH, text), below) + 0.4
        bottoms.append(yy)
    y = max(bottoms) + 1.5

    w.style(7.5)
    events_text = _events_text(review, tz)
    signatures = _signature_lines(review, tz)
    footer_height = (6 + w.lines(WIDTH, events_text) * LINE + 1.5 + 6
                     + sum(w.lines(WIDTH, s) for s in signatures) * LINE + 2 + 2 * 3.2)
    alerts_end = BOTTOM - footer_height
    y = w.heading(y, f"Alerts and what was done ({summary.alerts.events})")
    y = _alerts_table(w, y, _alert_rows(review, tz), alerts_end)

    y = w.heading(y + 2, "Side effects, sedation and dissociation")
    w.style(7.5)
    y = w.block(MARGIN, y, WIDTH, events_text) + 1.5
    y = w.heading(y, "Signatures")
    w.style(7.5)
    for line in signatures:
        y = w.block(MARGIN, y, WIDTH, line)
    w.style(6.5, italic=True, color=(90, 100, 110))
    w.block(MARGIN, BOTTOM - 2 * 3.2 + 1, WIDTH, DISCLAIMER + " Times in the clinic's zone; the full record, with every "
            "version of each reading, is in the app.", height=3.2)
    return bytes(pdf.output())


def _alerts_table(w: _Writer, y: float, rows: list[tuple[str, ...]], end: float) -> float:
    """Rows of the alert table while they fit above `end`; then a line saying how many were left out."""
    pdf = w.pdf
    w.style(7, bold=True)
    x = MARGIN
    for title, width in ALERT_COLUMNS:
        pdf.set_xy(x, y)
        pdf.cell(width, LINE, title)
        x += width
    y += LINE + 0.5
    if not rows:
        w.style(7.5)
        return w.block(MARGIN, y, WIDTH, "No alert in this session.")
    w.style(7)
    for done, row in enumerate(rows):
        height = max(w.lines(width - 1, text) for (_, width), text in zip(ALERT_COLUMNS, row)) * LINE
        left = len(rows) - done
        if y + height + (LINE if left > 1 else 0) > end:
            w.style(7, italic=True)
            return w.block(MARGIN, y, WIDTH, f"… and {left} more alert event{'s' if left > 1 else ''}: "
                                             "see the session's review page.")
        x = MARGIN
        for (_, width), text in zip(ALERT_COLUMNS, row):
            pdf.set_text_color(*((192, 57, 43) if text == "high" else (44, 62, 80)))
            w.block(x, y, width - 1, text)
            x += width
        y += height + 0.6
        pdf.set_draw_color(230, 233, 236)
        pdf.line(MARGIN, y - 0.3, MARGIN + WIDTH, y - 0.3)
    return y
