"""A signature, once stored, stays as it was signed: read back in order, never changed or removed."""

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from dashboard.store import sessions as store_sessions
from dashboard.store import signoffs as store_signoffs
from dashboard.store.errors import Conflict

T0 = datetime(2026, 11, 2, 16, 0, tzinfo=timezone.utc)


@pytest.fixture
def session_id(engine):
    patient = store_sessions.create_patient(engine, "P-1001", by="ana")
    return store_sessions.create_session(engine, patient, date(2026, 11, 2), by="ana",
                                         protocol="IV ketamine clinic default", infusion_number=1)


def test_signatures_read_back_in_order_with_their_warnings(engine, session_id):
    store_signoffs.add_signoff(engine, session_id, signed_at=T0, signed_by="sam", signer_name="Sam Smith",
                               meaning="reviewed", warnings=["no discharge time"])
    store_signoffs.add_signoff(engine, session_id, signed_at=T0 + timedelta(hours=1), signed_by="sue",
                               signer_name="Sue Lee", meaning="approved")
    first, second = store_signoffs.session_signoffs(engine, session_id)
    assert (first.label, first.signed_at, first.warnings) == ("Reviewed by Sam Smith (sam)", T0,
                                                                ("no discharge time",))
    assert (second.meaning, second.warnings) == ("approved", ())
    assert store_signoffs.first_signed_at(engine) == {session_id: T0}
    assert store_signoffs.first_signed_at(engine, [session_id + 1]) == {}


def test_a_signature_means_reviewed_or_approved(engine, session_id):
    with pytest.raises(Conflict, match="reviewed, approved"):
        store_signoffs.add_signoff(engine, session_id, signed_at=T0, signed_by="sam", signer_name="Sam",
                                   meaning="looked at")
    assert store_signoffs.session_signoffs(engine, session_id) == []


@pytest.mark.parametrize("statement", ["UPDATE session_signoffs SET meaning = 'approved'",
                                       "DELETE FROM session_signoffs"])
def test_the_database_refuses_to_rewrite_a_signature(engine, session_id, statement):
    store_signoffs.add_signoff(engine, session_id, signed_at=T0, signed_by="sam", signer_name="Sam Smith",
                               meaning="reviewed")
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text(statement))
    assert [s.meaning for s in store_signoffs.session_signoffs(engine, session_id)] == ["reviewed"]
