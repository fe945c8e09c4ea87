"""A supervisor's electronic signature of a session: who signed, when, what it means, what they were warned of."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

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
