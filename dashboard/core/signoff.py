"""A supervisor's electronic signature of a session: who signed, when, what it means, what they were warned of;
and what stands in the way of signing (refusals) or must be seen before it (warnings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd

from dashboard.core.rems import missing_points, rems_pressures
from dashboard.core.sessions import Session

MEANINGS = ("reviewed", "approved")


@dataclass(frozen=True)
class Signoff:
    id: int
    session_id: int
    signed_at: datetime
    signed_by: str  # username
    signer_name: str  # full name shown with the signature
    meaning: str  # one of MEANINGS
    warnings: tuple[str, ...] = field(default_factory=tuple)  # gaps shown before signing, kept with it

    @property
    def label(self) -> str:
        """'Reviewed by Sam Smith (sam)': the words shown with the session ever after (time added by the caller)."""
        return f"{self.meaning.capitalize()} by {self.signer_name} ({self.signed_by})"

    def at_text(self, tz: str) -> str:
        """'2026-11-02 14:05': when it was signed, in the clinic's zone."""
        return f"{self.signed_at.astimezone(ZoneInfo(tz)):%Y-%m-%d %H:%M}"

    def stamp(self, tz: str) -> str:
        """'Signed (reviewed) by Sam Smith at 2026-11-02 14:05': name, meaning and time in the clinic's zone."""
        return f"Signed ({self.meaning}) by {self.signer_name} at {self.at_text(tz)}"


@dataclass(frozen=True)
class SignoffCheck:
    """Refusals stop a signature; warnings are gaps the signer must see, kept with the signature."""

    refusals: list[str]
    warnings: list[str]


def _clock(moment: datetime | pd.Timestamp, tz: str) -> str:
    return f"{pd.Timestamp(moment).tz_convert(tz):%H:%M}"


def signoff_check(session: Session, *, unacknowledged_high: pd.DataFrame, readings: pd.DataFrame,
                  discharge_overrides: list[dict], addenda: int, first_signature: Signoff | None,
                  tz: str) -> SignoffCheck:
    """What a supervisor is told before signing `session`.

    Refused: a high-priority alert event nobody acknowledged (a signature says the alerts were handled); an
    infusion not started (nothing to review) or still running (the session is not over). A session in recovery
    with no discharge recorded can be signed, with that gap as a warning: a supervisor reviewing the next day
    cannot make the nurse's missing discharge time appear, and it must not hold the record open for ever.

    unacknowledged_high: the session's high-priority events never acknowledged (started_at, summary);
    readings: its readings in force; discharge_overrides: the `override` of each audited discharge
    ({'reason', 'overridden'}); addenda: readings and events entered after the first signature.
    """
    refusals = [f"high-priority alert since {_clock(row.started_at, tz)} not acknowledged "
                f"({str(row.summary).split(': ', 1)[-1]})" for row in unacknowledged_high.itertuples()]
    if session.infusion_started_at is None:
        refusals.append("the infusion has not started: there is nothing to sign yet")
    elif session.infusion_stopped_at is None:
        refusals.append(f"the infusion is still running (since {_clock(session.infusion_started_at, tz)}): "
                        "sign once it has stopped")
    warnings = []
    if session.discharged_at is None and session.infusion_stopped_at is not None:
        warnings.append(f"no discharge time: the session is still in recovery (since "
                        f"{_clock(session.infusion_stopped_at, tz)})")
    if session.infusion_started_at is not None and readings.empty:
        warnings.append("no vital signs recorded")  # which says every REMS blood pressure is missing, too
    elif session.infusion_started_at is not None:
        warnings += missing_points(rems_pressures(readings, session.infusion_started_at,
                                                  session.infusion_stopped_at, session.discharged_at))
    for override in discharge_overrides:
        overridden = "; ".join(override.get("overridden") or [])
        warnings.append(f"discharged although the checks refused it ({overridden}); reason given: "
                        f"{override.get('reason') or 'none'}")
    if first_signature is not None and addenda:
        warnings.append(f"{addenda} {'entry' if addenda == 1 else 'entries'} added after the first signature "
                        f"({first_signature.meaning} by {first_signature.signer_name} at "
                        f"{first_signature.at_text(tz)}): addenda")
    return SignoffCheck(refusals, warnings)
