"""A page of the sessions list laid out for reading: plain headers, the nurse by name, the signature in words."""

from __future__ import annotations

import pandas as pd

# What a review looks for first comes first: alerts and the signature before who, how many and which protocol.
COLUMNS = ["Session", "Patient", "Date", "Infusion #", "Status", "Alerts to acknowledge", "High alerts",
           "Medium alerts", "Signed", "Nurse", "Readings", "Protocol"]


def _signed(meaning, signer) -> str:
    if not isinstance(meaning, str) or not meaning:
        return "not signed"
    return f"{meaning} by {signer}" if isinstance(signer, str) and signer else meaning


def _nurse(username, full_name) -> str:
    if isinstance(full_name, str) and full_name and full_name != username:
        return f"{full_name} ({username})"
    return username or ""


def _number(value):
    return None if value is None or value != value else int(value)  # NaN: no number recorded


def session_list_display(records) -> pd.DataFrame:
    """One row per session of the page, in the page's order (records: SessionPage.records, tuples in
    LIST_COLUMNS order; a few hundred at most, so plain Python beats per-row pandas access)."""
    shown = [(code, patient, f"{day:%Y-%m-%d}", _number(number), status, waiting, high, medium,
              _signed(meaning, signer), _nurse(nurse, nurse_name), readings, protocol)
             for (_id, code, patient, day, number, status, protocol, nurse, nurse_name, readings, high, medium,
                  waiting, meaning, _signed_by, signer) in records]
    table = pd.DataFrame(shown, columns=COLUMNS)
    table["Infusion #"] = table["Infusion #"].astype("Int64")
    return table
