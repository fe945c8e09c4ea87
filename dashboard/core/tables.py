"""Readings laid out for display: one row per version, replaced and voided versions struck through."""

from __future__ import annotations

import pandas as pd

STRIKE = "\u0336"


def strike(text: str) -> str:
    """Text drawn struck through in any font (combining long stroke overlay)."""
    return "".join(ch + STRIKE for ch in text) if text else text


def _num(value: float) -> str:
    return "" if pd.isna(value) else f"{value:g}"


def readings_display(history: pd.DataFrame, tz: str) -> pd.DataFrame:
    """All versions of a session's readings, newest time last, with a plain-language status."""
    if history.empty:
        return pd.DataFrame(columns=["#", "Time", "BP", "MAP", "HR", "SpO2", "RR", "Temp °C", "Method",
                                     "Note", "Status", "Entered"])
    h = history.sort_values(["measured_at", "id"])
    bp = [f"{_num(s)}/{_num(d)}" if pd.notna(s) else "" for s, d in zip(h["sbp"], h["dbp"], strict=True)]
    mean = [("" if pd.isna(m) else f"{m:g}" + (" (calc.)" if c else ""))
            for m, c in zip(h["map"], h["map_computed"], strict=True)]
    table = pd.DataFrame({
        "#": h["id"].astype(int).to_numpy(),
        "Time": h["measured_at"].dt.tz_convert(tz).dt.strftime("%H:%M").to_numpy(),
        "BP": bp,
        "MAP": mean,
        "HR": h["hr"].map(_num).to_numpy(),
        "SpO2": h["spo2"].map(_num).to_numpy(),
        "RR": h["rr"].map(_num).to_numpy(),
        "Temp °C": h["temp_c"].map(_num).to_numpy(),
        "Method": h["bp_method"].fillna("").to_numpy(),
        "Note": h["note"].fillna("").to_numpy(),
        "Status": [_status(row) for row in h.itertuples()],
        "Entered": [f"{by} {at.tz_convert(tz):%H:%M}" + (f" ({src})" if src != "manual" else "")
                    for by, at, src in zip(h["entered_by"], h["entered_at"], h["source"], strict=True)],
    })
    old = ~h["is_current"].to_numpy() | h["entered_in_error"].to_numpy()
    for column in ("Time", "BP", "MAP", "HR", "SpO2", "RR", "Temp °C"):
        table.loc[old, column] = table.loc[old, column].map(strike)
    return table


def _status(row) -> str:
    if row.entered_in_error:
        return f"entered in error: {row.correction_reason}"
    prefix = f"correction of #{int(row.supersedes_id)} ({row.correction_reason})" if pd.notna(row.supersedes_id) else ""
    if pd.notna(row.replaced_by):
        replaced = f"replaced by #{int(row.replaced_by)}"
        return f"{prefix}; {replaced}" if prefix else replaced
    return prefix or "current"
