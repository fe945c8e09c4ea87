"""A page of the sessions list laid out for reading: plain headers, the nurse by name, the signature in words."""

from __future__ import annotations

import pandas as pd

COLUMNS = ["Session", "Patient", "Date", "Infusion #", "Status", "Protocol", "Nurse", "Readings", "High alerts",
           "Medium alerts", "Alerts to acknowledge", "Signed"]


def _signed(meaning, signer) -> str:
    if not isinstance(meaning, str) or not meaning:
        return "not signed"
    return f"{meaning} by {signer}" if isinstance(signer, str) and signer else meaning


def _nurse(username, full_name) -> str:
    if isinstance(full_name, str) and full_name and full_name != username:
        return f"{full_name} ({username})"
    return username or ""


def session_list_display(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per session of the page, in the page's order (rows: SessionPage.rows)."""
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    return pd.DataFrame({
        "Session": rows["code"].to_numpy(),
        "Patient": rows["patient_code"].to_numpy(),
        "Date": [f"{d:%Y-%m-%d}" for d in rows["session_date"]],
        "Infusion #": rows["infusion_number"].astype("Int64").to_numpy(),
        "Status": rows["status"].to_numpy(),
        "Protocol": rows["protocol"].to_numpy(),
        "Nurse": [_nurse(u, n) for u, n in zip(rows["nurse"], rows["nurse_name"])],
        "Readings": rows["readings"].astype(int).to_numpy(),
        "High alerts": rows["alerts_high"].astype(int).to_numpy(),
        "Medium alerts": rows["alerts_medium"].astype(int).to_numpy(),
        "Alerts to acknowledge": rows["unacknowledged_high"].astype(int).to_numpy(),
        "Signed": [_signed(m, s) for m, s in zip(rows["signed_meaning"], rows["signer_name"])],
    })
