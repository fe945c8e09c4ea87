"""Properties over generated files: every line is accepted or rejected, and a failed import stores nothing."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from dashboard.core.csvfile import ImportOptions, UnusableFile, parse_file
from dashboard.core.roles import Actor
from dashboard.core.validation import check_many, check_values
from dashboard.services.imports import Imports
from dashboard.store.db import get_engine
from dashboard.store.schema import audit_log, readings
from tests.clinic import patient_with_sessions

TZ = "America/New_York"
DAY = date.today() - timedelta(days=2)
NOW = datetime.now(timezone.utc)



def numbers(low: int, high: int):
    plausible = st.integers(low, high).map(str)
    return st.one_of(plausible, plausible, plausible, st.just(""), st.integers(0, 400).map(str),
                     st.floats(0, 400, allow_nan=False).map(lambda f: f"{f:.1f}"),
                     st.sampled_from(["", "--", "NA", "ERR", "?", "0", "98%", "120 mmHg", "12o", "36,8", " 72 "]))


good_time = st.integers(0, 600).map(
    lambda m: (datetime.combine(DAY, datetime.min.time()) + timedelta(hours=8, minutes=m)).strftime("%Y-%m-%d %H:%M"))
times = st.one_of(good_time, good_time, good_time,
                  st.sampled_from(["", "yesterday", "2062-01-01 09:00", "20266-01-01 09:00", "2026-13-45 25:61"]))
notes = st.text(alphabet=st.sampled_from(list("abc xyzé,;\t\"'=+-@\n0123456789")), max_size=30)
COLUMNS = {"sbp": numbers(120, 160), "dbp": numbers(60, 90), "hr": numbers(50, 120), "spo2": numbers(90, 100),
           "rr": numbers(8, 30), "temp_c": numbers(36, 38), "note": notes, "other": notes}


@st.composite
def vitals_files(draw):
    """A file a person or a program might write: some columns, good and bad cells, any separator."""
    columns = draw(st.lists(st.sampled_from(sorted(COLUMNS)), min_size=1, max_size=6, unique=True))
    header = ["time", *columns]
    rows = draw(st.lists(st.tuples(times, *[COLUMNS[c] for c in columns]), max_size=25))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    blank_every = draw(st.integers(0, 5))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    for i, row in enumerate(rows):
        writer.writerow(row)
        if blank_every and i % blank_every == 0:
            buffer.write(newline)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    data = buffer.getvalue().encode(encoding, errors="replace")
    nonempty = sum(1 for row in rows if any(str(cell).strip() for cell in row))
    return data, nonempty


def _parse(data: bytes):
    return parse_file(data, ImportOptions(tz=TZ, session="S-0001", now=NOW), file_name="generated.csv")


@settings(max_examples=200, deadline=None)
@given(vitals_files())
def test_every_line_read_is_accepted_or_rejected_and_problems_name_rejected_lines(generated):
    data, nonempty = generated
    try:
        parsed = _parse(data)
    except UnusableFile as error:
        assert str(error) and "\n" not in str(error)
        return
    assert parsed.rows_accepted + parsed.rows_rejected == parsed.rows_read == nonempty
    rejected = set(parsed.lines[parsed.rejected].tolist())
    listed = {p.line for p in parsed.problems}
    assert rejected <= listed  # a line is rejected for a reason...
    if not parsed.counts["duplicates_in_file"]:  # a line with a problem, not rejected, kept some (or repeats another)
        assert listed - rejected <= set(parsed.readings["source_line"])
    assert set(parsed.readings["source_line"]) <= set(parsed.lines.tolist()) - rejected
    assert (np.diff(parsed.lines) > 0).all()  # physical line numbers, in file order


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(*[st.one_of(st.none(), st.floats(-10, 450, allow_nan=False)) for _ in range(7)]),
                min_size=1, max_size=40))
def test_the_fast_check_finds_exactly_what_check_values_finds(rows):
    frame = pd.DataFrame(rows, columns=["sbp", "dbp", "map", "hr", "spo2", "rr", "temp_c"], dtype="float64")
    def keyed(problems):
        return sorted((p.row, p.column, p.reason, str(p.value)) for p in problems)
    assert keyed(check_many(frame)) == keyed(check_values(frame))


@pytest.fixture
def engine(sqlite_url):
    engine = get_engine(sqlite_url)
    patient_with_sessions(engine, DAY, "S-0001")
    return engine


def _counts(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (conn.execute(select(func.count()).select_from(readings)).scalar_one(),
                conn.execute(select(func.count()).select_from(audit_log)).scalar_one())


class Crash(Exception):
    pass


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(vitals_files())
def test_a_failed_import_changes_nothing_in_the_store(engine, generated):
    data, _ = generated
    imports = Imports(engine, Actor("ana", "nurse"), TZ)
    before = _counts(engine)
    try:
        preview = imports.preview(data, file_name="generated.csv", options=ImportOptions(session="S-0001"))
    except UnusableFile:
        assert _counts(engine) == before
        return
    event(f"readings to store: {'some' if len(preview.to_store) else 'none'}")
    # the readings are written, then the audit entry fails: the transaction takes both back
    with mock.patch("dashboard.services.imports.audit.record", side_effect=Crash("disk full")):
        with pytest.raises(Crash):
            imports.commit(preview)
    assert _counts(engine) == before
