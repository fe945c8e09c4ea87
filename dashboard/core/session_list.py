"""A page of the sessions list laid out for reading: plain headers, the nurse by name, the signature in words."""

from __future__ import annotations

import pyarrow as pa

# What a review looks for first comes first: alerts and the signature before who, how many and which protocol.
SCHEMA = pa.schema([("Session", pa.string()), ("Patient", pa.string()), ("Date", pa.string()),
                    ("Infusion #", pa.int64()), ("Status", pa.string()), ("Chair", pa.string()),
                    ("Alerts to acknowledge", pa.int64()),
                    ("High alerts", pa.int64()), ("Medium alerts", pa.int64()), ("Signed", pa.string()),
                    ("Nurse", pa.string()), ("Readings", pa.int64()), ("Protocol", pa.string())])
COLUMNS = SCHEMA.names


def _signed(meaning, signer) -> str:
    if not isinstance(meaning, str) or not meaning:
        return "not signed"
    return f"{meaning} by {signer}" if isinstance(signer, str) and signer else meaning


def _nurse(username, full_name) -> str:
    if isinstance(full_name, str) and full_name and full_name != username:
        return f"{full_name} ({username})"
    return username or ""


def session_list_display(records) -> pa.Table:
    """One row per session of the page, in the page's order (records: SessionPage.records, tuples in
    LIST_COLUMNS order). An Arrow table: what st.dataframe sends anyway, built several times quicker than a
    DataFrame for a page of rows."""
    shown = [(code, patient, f"{day:%Y-%m-%d}", number, status, chair or "", waiting, high, medium,
              _signed(meaning, signer), _nurse(nurse, nurse_name), readings, protocol)
             for (_id, code, patient, day, number, status, protocol, nurse, nurse_name, readings, high, medium,
                  waiting, meaning, _signed_by, signer, chair) in records]
    columns = list(zip(*shown)) if shown else [()] * len(COLUMNS)
    return pa.table([list(column) for column in columns], schema=SCHEMA)
