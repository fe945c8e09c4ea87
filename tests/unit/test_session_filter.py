"""The sessions list's filter object and its page: checked before any query, described and shown in words."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard.core.session_filter import LIST_COLUMNS, SessionFilter, SessionPage
from dashboard.core.session_list import session_list_display


def test_text_filters_are_trimmed_and_blank_means_none():
    f = SessionFilter(patient="  P-1 ", nurse="   ", protocol="")
    assert (f.patient, f.nurse, f.protocol) == ("P-1", None, None)


@pytest.mark.parametrize("given, message", [
    ({"date_from": date(2026, 3, 2), "date_to": date(2026, 3, 1)}, "first day 2026-03-02 is after the last day"),
    ({"statuses": ("planned", "finished")}, "unknown status 'finished'"),
    ({"sort": "readings"}, "unknown sort 'readings'"),
    ({"page": 0}, "pages are numbered from 1"),
    ({"page_size": 0}, "a page holds 1-1000 sessions"),
    ({"page_size": 5000}, "a page holds 1-1000 sessions"),
])
def test_a_filter_that_cannot_be_asked_is_refused_plainly(given, message):
    with pytest.raises(ValueError, match=message):
        SessionFilter(**given)


def test_the_filters_in_words():
    f = SessionFilter(date_from=date(2026, 1, 1), nurse="ana", patient="P-1", statuses=("planned", "infusing"),
                      unacknowledged=True, critical=True, not_signed=True, page=3)
    assert f.describe() == ("from 2026-01-01, nurse ana, patient code containing 'P-1', planned or infusing, "
                            "alerts not acknowledged, critical alert, not signed")
    assert SessionFilter().describe() == "" and f.offset == 100
    assert f.filters() == SessionFilter(**f.filters()).filters()  # page and sort are not filters


def row(**values) -> dict:
    base = dict(id=1, code="S-1", patient_code="P-1", session_date=date(2026, 1, 5), infusion_number=2,
                status="discharged", protocol="IV", nurse="ana", nurse_name="Ana Lopez", readings=14, alerts_high=1,
                alerts_medium=2, unacknowledged_high=0, signed_meaning="approved", signed_by="sam",
                signer_name="Sam Smith", chair="Chair 2")
    return base | values


def test_a_page_as_read_in_the_list():
    records = [tuple(r.values()) for r in (row(), row(id=2, code="S-2", nurse="system", nurse_name=None,
                                                     infusion_number=None, signed_meaning=None, signed_by=None,
                                                     signer_name=None, chair=None))]
    shown = session_list_display(records).to_pandas()
    assert shown.iloc[0][["Session", "Date", "Infusion #", "Nurse", "Readings", "High alerts", "Medium alerts",
                          "Signed"]].tolist() == ["S-1", "2026-01-05", 2, "Ana Lopez (ana)", 14, 1, 2,
                                                  "approved by Sam Smith"]
    assert shown.iloc[1][["Nurse", "Signed"]].tolist() == ["system", "not signed"]
    assert shown["Chair"].tolist() == ["Chair 2", ""]
    assert pd.isna(shown.iloc[1]["Infusion #"])


def test_the_count_and_the_rows_shown():
    records = tuple(tuple(row(id=i).values()) for i in range(20))
    page = SessionPage(total=120, page=3, page_size=50, records=records)
    assert (page.count_text(), page.pages, page.first, page.last) == ("120 sessions", 3, 101, 120)
    assert page.ids == list(range(20)) and page.rows.columns.tolist() == list(LIST_COLUMNS) and len(page.rows) == 20
    assert SessionPage(total=1, page=1, page_size=50, records=records[:1]).count_text() == "1 session"
    empty = SessionPage(total=0, page=1, page_size=50, records=())
    assert (empty.count_text(), empty.pages, empty.first, empty.last) == ("No sessions", 1, 0, 0)
    assert empty.rows.empty and session_list_display(()).column_names[0] == "Session"
