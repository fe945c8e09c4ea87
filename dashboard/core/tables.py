"""Tables laid out for display: readings (replaced and voided versions struck through), accounts, sessions, audit."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from dashboard.core.addenda import with_addenda
from dashboard.core.audit_summary import action_text, change_summary
from dashboard.core.entry_time import is_late

STRIKE = "\u0336"


def strike(text: str) -> str:
    """Text drawn struck through in any font (combining long stroke overlay)."""
    return "".join(ch + STRIKE for ch in text) if text else text


def _num(value: float) -> str:
    return "" if pd.isna(value) else f"{value:g}"


def readings_display(history: pd.DataFrame, tz: str, locked_at: datetime | None = None) -> pd.DataFrame:
    """All versions of a session's readings, newest time last, with a plain-language status; for a signed
    session (locked_at: its first signature) an 'After signing' column marks the addenda."""
    if history.empty:
        return with_addenda(pd.DataFrame(columns=["#", "Time", "BP", "MAP", "HR", "SpO2", "RR", "Temp °C", "Method",
                                                  "Note", "Status", "Entered"]), history, locked_at)
    h = history.sort_values(["measured_at", "id"])
    bp = [f"{_num(s)}/{_num(d)}" if pd.notna(s) else "" for s, d in zip(h["sbp"], h["dbp"], strict=True)]
    mean = [("" if pd.isna(m) else f"{m:g}" + (" (calc.)" if c else ""))
            for m, c in zip(h["map"], h["map_computed"], strict=True)]
    table = pd.DataFrame({
        "#": h["id"].astype(int).to_numpy(),
        "Time": _times(h, tz),
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
    return with_addenda(table, h, locked_at)



def _times(h: pd.DataFrame, tz: str) -> list[str]:
    """Clinic clock times; a typed reading entered well after it was measured says 'late entry'.

    Corrections are entered after the fact by nature and are marked as corrections instead.
    """
    clock = h["measured_at"].dt.tz_convert(tz).dt.strftime("%H:%M")
    late = (h["source"] == "manual") & h["supersedes_id"].isna() & is_late(h["measured_at"], h["entered_at"])
    return [f"{t} (late entry)" if lt else t for t, lt in zip(clock, late)]


def _status(row) -> str:
    if row.entered_in_error:
        return f"entered in error: {row.correction_reason}"
    prefix = f"correction of #{int(row.supersedes_id)} ({row.correction_reason})" if pd.notna(row.supersedes_id) else ""
    if pd.notna(row.replaced_by):
        replaced = f"replaced by #{int(row.replaced_by)}"
        return f"{prefix}; {replaced}" if prefix else replaced
    return prefix or "current"


def _clinic_time(value, tz: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).tz_convert(tz).strftime(fmt)


def users_display(users: pd.DataFrame, tz: str, now: pd.Timestamp) -> pd.DataFrame:
    """The accounts as an admin reads them: plain headers, state in words, times in the clinic's zone."""
    def state(row) -> str:
        if row.disabled:
            return "disabled"
        locked = row.locked_until
        if locked is not None and pd.notna(locked) and pd.Timestamp(locked) > now:
            return f"locked until {_clinic_time(locked, tz, '%H:%M')}"
        return "active"

    return pd.DataFrame({
        "Username": users["username"].to_numpy(),
        "Full name": users["full_name"].to_numpy(),
        "Role": users["role"].to_numpy(),
        "Status": [state(row) for row in users.itertuples()],
        "Password": ["must change at sign-in" if must else "" for must in users["must_change_password"]],
        "Created": [_clinic_time(at, tz) for at in users["created_at"]],
        "Created by": users["created_by"].to_numpy(),
    }, columns=["Username", "Full name", "Role", "Status", "Password", "Created", "Created by"])


def audit_display(entries: pd.DataFrame, session_codes: dict[int, str], tz: str) -> pd.DataFrame:
    """Audit entries as read on the Audit log page: who, when (clinic zone), what, and a short summary of the
    change; the full before and after stay in the entries themselves."""
    def session(value) -> str:
        if value is None or pd.isna(value):
            return ""
        return session_codes.get(int(value), f"#{int(value)}")

    def subject(entity, entity_id) -> str:
        if entity_id is None or pd.isna(entity_id):
            return entity or ""
        return f"{entity} {entity_id}" if entity in ("user", "session", "patient", "protocol") \
            else f"{entity} #{entity_id}"

    return pd.DataFrame({
        "When": [_clinic_time(at, tz, "%Y-%m-%d %H:%M:%S") for at in entries["at"]],
        "User": entries["actor"].to_numpy(),
        "Role": entries["role"].replace("-", "").to_numpy(),
        "Action": [action_text(a) for a in entries["action"]],
        "About": [subject(e, i) for e, i in zip(entries["entity"], entries["entity_id"])],
        "Session": [session(v) for v in entries["session_id"]],
        "What changed": [change_summary(b, a) for b, a in zip(entries["before"], entries["after"])],
    }, columns=["When", "User", "Role", "Action", "About", "Session", "What changed"])
