"""The sessions list's search, on SQLite and PostgreSQL: each filter, sorting, the count, paging, hostile text."""

from __future__ import annotations

import os

import pandas as pd
import pytest
from sqlalchemy import func, select

from dashboard.core.roles import SYSTEM_ACTOR
from dashboard.core.session_filter import SessionFilter
from dashboard.services.records import Records
from dashboard.services.runtime import open_database
from dashboard.services.session_search import SessionSearch
from dashboard.store.db import dispose
from dashboard.store.schema import sessions
from tests.review_world import DAYS, DEFAULT, ESKETAMINE, ODD_PATIENT, build_review_world

ALL = ["S-B2", "S-B1", "S-C1", "S-A2", "S-A1"]  # newest day first; S-C1 and S-A2 share a day, newer id first


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def world_engine(request, tmp_path_factory):
    """One world per database kind for the whole module: every test here only reads it."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('search') / 'world.db'}"
        drop = None
    else:
        cluster = request.getfixturevalue("pg_cluster")
        name = f"search_world_{os.getpid()}"
        cluster.drop_database(name)
        url = cluster.create_database(name, template=request.getfixturevalue("pg_template"))
        drop = name
    engine = open_database(url)
    build_review_world(engine)
    yield engine
    dispose(url)
    if drop:
        cluster.drop_database(drop)


@pytest.fixture
def search(world_engine):
    return SessionSearch(world_engine, SYSTEM_ACTOR)


def codes(search, **given) -> list[str]:
    page = search.page(SessionFilter(**given))
    assert page.total == len(page.rows) or given.get("page_size"), "one page holds every match here"
    return page.rows["code"].tolist()


def test_without_filters_every_session_newest_first_with_its_count(search):
    page = search.page(SessionFilter())
    assert (page.total, page.count_text(), page.rows["code"].tolist()) == (5, "5 sessions", ALL)


def test_each_filter_narrows_the_list(search):
    assert codes(search, date_from=DAYS["A2"], date_to=DAYS["B1"]) == ["S-B1", "S-C1", "S-A2"]
    assert codes(search, date_from=DAYS["B1"]) == ["S-B2", "S-B1"]
    assert codes(search, date_to=DAYS["A1"]) == ["S-A1"]
    assert codes(search, nurse="ana") == ["S-A2", "S-A1"]
    assert codes(search, nurse="ben") == ["S-B2", "S-B1"]
    assert codes(search, patient="p-1") == ["S-A2", "S-A1"]  # part of the code, any case
    assert codes(search, patient="  200 ") == ["S-B2", "S-B1"]
    assert codes(search, protocol=ESKETAMINE) == ["S-B1"]
    assert codes(search, protocol=DEFAULT) == ["S-B2", "S-C1", "S-A2", "S-A1"]
    assert codes(search, statuses=("planned",)) == ["S-B1", "S-C1"]
    assert codes(search, statuses=("infusing", "recovery")) == ["S-B2", "S-A2", "S-A1"]
    assert codes(search, unacknowledged=True) == ["S-A1"]
    assert codes(search, critical=True) == ["S-A2", "S-A1"]
    assert codes(search, not_signed=True) == ["S-B1", "S-C1", "S-A1"]


def test_filters_combine(search):
    assert codes(search, critical=True, not_signed=True) == ["S-A1"]
    assert codes(search, nurse="ben", not_signed=True) == ["S-B1"]
    assert codes(search, patient="P-", statuses=("planned",), date_from=DAYS["A2"], date_to=DAYS["A2"]) == ["S-C1"]
    assert codes(search, nurse="ana", unacknowledged=True, date_from=DAYS["A2"]) == []


def test_the_columns_of_a_row(search):
    rows = search.page(SessionFilter()).rows.set_index("code")
    a1, a2 = rows.loc["S-A1"], rows.loc["S-A2"]
    assert (a1["patient_code"], a1["session_date"], a1["infusion_number"], a1["status"], a1["protocol"]) == \
        ("P-100", DAYS["A1"], 1, "infusing", DEFAULT)
    assert (a1["nurse"], a1["nurse_name"]) == ("ana", "Ana Lopez")
    # in force: a correction counts once, a voided reading not at all
    assert (a1["readings"], a2["readings"], rows.loc["S-B1", "readings"]) == (4, 2, 0)
    assert (a1["alerts_high"], a1["unacknowledged_high"], a2["alerts_high"], a2["unacknowledged_high"]) == (1, 1, 1, 0)
    assert rows["alerts_medium"].tolist() == [0] * 5
    assert (a2["signed_meaning"], a2["signed_by"], a2["signer_name"]) == ("reviewed", "sam", "Sam Smith")
    assert rows.loc["S-B2", "signed_meaning"] == "approved" and pd.isna(a1["signed_meaning"])
    assert rows.loc["S-C1", "nurse"] == "sam" and pd.isna(rows.loc["S-C1", "infusion_number"])


def test_reading_counts_from_the_indexes_are_the_readings_in_force(clinic_engine):
    """The list counts from indexes (all rows less corrections and voids); the direct test reads every row.
    Chains of corrections and a void of a corrected reading included."""
    from datetime import datetime, timedelta, timezone

    from dashboard.store.readings import reading_counts
    records = Records(clinic_engine, SYSTEM_ACTOR, "UTC")
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=2)
    sid = records.open_session(start.date(), patient_code="P-1", new_patient=True, code="S-1")
    records.start_infusion(sid, start)
    r = [records.record_reading(sid, {"sbp": str(120 + i), "dbp": "80"}, measured_at=start + timedelta(minutes=i))[1]
         for i in range(1, 5)]
    first = records.correct_reading(r[0], {"sbp": "130", "dbp": "80"}, reason="typo")[1]
    records.correct_reading(first, {"sbp": "131", "dbp": "80"}, reason="typo again")
    records.void_reading(r[1], reason="wrong patient")
    records.void_reading(records.correct_reading(r[2], {"sbp": "140", "dbp": "80"}, reason="typo")[1], reason="no")
    page = SessionSearch(clinic_engine, SYSTEM_ACTOR).page(SessionFilter())
    assert page.rows["readings"].tolist() == [2] == [reading_counts(clinic_engine)[sid]]
    assert len(records.readings(sid)) == 2


def test_sorting_by_each_column_both_ways(search):
    assert codes(search, sort="date", descending=False) == ALL[::-1][:1] + ["S-A2", "S-C1", "S-B1", "S-B2"]
    assert codes(search, sort="code", descending=False) == ["S-A1", "S-A2", "S-B1", "S-B2", "S-C1"]
    assert codes(search, sort="patient", descending=False) == ["S-A1", "S-A2", "S-B1", "S-B2", "S-C1"]
    assert codes(search, sort="patient") == ["S-C1", "S-B2", "S-B1", "S-A2", "S-A1"]
    # S-C1 has no infusion number: last both ways
    assert codes(search, sort="infusion", descending=False) == ["S-A1", "S-B1", "S-A2", "S-B2", "S-C1"]
    assert codes(search, sort="infusion") == ["S-B2", "S-A2", "S-B1", "S-A1", "S-C1"]
    # in the order of the work: planned, infusing, recovery, discharged
    assert codes(search, sort="status", descending=False) == ["S-B1", "S-C1", "S-A1", "S-A2", "S-B2"]
    assert codes(search, sort="protocol", descending=False)[0] == "S-B1"  # Esketamine... before IV ketamine...
    assert codes(search, sort="nurse", descending=False) == ["S-A1", "S-A2", "S-B1", "S-B2", "S-C1"]


def test_paging_with_the_count_of_all_matches(search):
    first = search.page(SessionFilter(page_size=2))
    assert (first.total, first.pages, first.first, first.last, first.rows["code"].tolist()) == \
        (5, 3, 1, 2, ALL[:2])
    assert search.page(SessionFilter(page=2, page_size=2)).rows["code"].tolist() == ALL[2:4]
    last = search.page(SessionFilter(page=3, page_size=2))
    assert (last.page, last.first, last.last, last.rows["code"].tolist()) == (3, 5, 5, ALL[4:])
    past = search.page(SessionFilter(page=99, page_size=2))  # the filters narrowed under the page: the last one
    assert (past.page, past.rows["code"].tolist()) == (3, ALL[4:])
    narrowed = search.page(SessionFilter(page=2, page_size=2, nurse="ana"))
    assert (narrowed.total, narrowed.page, narrowed.rows["code"].tolist()) == (2, 1, ["S-A2", "S-A1"])


@pytest.mark.parametrize("text", ["%", "_", "50%", "%_x"])
def test_wildcards_typed_by_the_user_match_themselves(search, text):
    assert codes(search, patient=text) == ["S-C1"]  # only the code that holds them


@pytest.mark.parametrize("text", ["' OR 1=1 --", "x'; DROP TABLE sessions; --", "\") OR (\"1\"=\"1", "\\",
                                  "P-100' --", "%' OR '%'='", "\x1b[2J", "😀", "P-\u202e001", "P" * 120])
def test_hostile_text_finds_nothing_and_changes_nothing(search, text, world_engine):
    page = search.page(SessionFilter(patient=text, nurse=text, protocol=text))
    assert (page.total, len(page.rows)) == (0, 0)
    assert search.page(SessionFilter(patient=text)).total == 0
    with world_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(sessions)).scalar_one() == 5


def test_a_nul_character_or_too_long_a_text_is_refused_plainly():
    with pytest.raises(ValueError, match="NUL character"):
        SessionFilter(patient="P-1\x00")
    with pytest.raises(ValueError, match="at most 120 characters"):
        SessionFilter(nurse="a" * 121)


def test_the_filters_choose_from_the_nurses_and_protocols_in_use(search):
    choices = search.choices()
    assert choices["nurses"] == [("ana", "Ana Lopez"), ("ben", "Ben Okafor"), ("sam", "Sam Smith")]
    assert choices["protocols"] == [ESKETAMINE, DEFAULT] or choices["protocols"] == sorted([DEFAULT, ESKETAMINE])


def test_an_odd_patient_code_is_listed_as_it_is(search):
    assert search.page(SessionFilter(patient="P-50")).rows["patient_code"].tolist() == [ODD_PATIENT]
