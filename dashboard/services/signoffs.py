"""Supervisors' electronic signatures of sessions: what stands in the way, the signature itself (password typed
again, meaning, warnings kept with it), and reading a session's signatures."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict

import pandas as pd
from sqlalchemy import Engine

from dashboard.core.addenda import addenda_count, locked_at
from dashboard.core.clock import utcnow
from dashboard.core.roles import SYSTEM, Actor, PermissionDenied
from dashboard.core.sessions import Session
from dashboard.core.signoff import MEANINGS, Signoff, SignoffCheck, signoff_check
from dashboard.core.versions import in_force
from dashboard.services.accounts import reenter_password
from dashboard.store import alerts as store_alerts
from dashboard.store import audit
from dashboard.store import events as store_events
from dashboard.store import readings as store_readings
from dashboard.store import sessions as store_sessions
from dashboard.store import signoffs as store_signoffs
from dashboard.store.db import Bind, begin
from dashboard.store.errors import Conflict


class SignoffRefused(Conflict):
    """Signing refused; .reasons lists each thing that stands in the way. Nothing was stored."""

    def __init__(self, reasons: list[str]):
        self.reasons = list(reasons)
        super().__init__("signing refused: " + "; ".join(self.reasons))


class WarningsNotSeen(Conflict):
    """Warnings the signer has not confirmed reading (new since the page showed them, or never shown)."""

    def __init__(self, warnings: list[str]):
        self.warnings = list(warnings)
        super().__init__("read these warnings before signing: " + "; ".join(self.warnings))


def _overrides(bind: Bind, session_id: int) -> list[dict]:
    """The override (reason and the refusals it overrode) of each audited discharge of the session."""
    log = audit.entries(bind, action="session.discharge", session_id=session_id, limit=100)
    found = []
    for text in log["after"]:
        override = json.loads(text).get("override") if text else None
        if override:
            found.append(override)
    return found


class Signoffs:
    """A session's signatures: checked, signed and read, for a signed-in actor."""

    def __init__(self, engine: Engine, actor: Actor, tz: str = "UTC"):
        self.engine, self.actor, self.tz = engine, actor, tz

    def signoffs(self, session_id: int) -> list[Signoff]:
        """Every signature of the session, oldest first (the first one locks it)."""
        self.actor.require("session.read")
        return store_signoffs.session_signoffs(self.engine, session_id)

    def check(self, session_id: int, *, history: pd.DataFrame | None = None,
              events: pd.DataFrame | None = None) -> SignoffCheck:
        """What refuses a signature now, and the warnings a signer must read first (kept with the signature).

        history, events: the session's reading versions (Records.readings with history) and its events, when the
        page has read them already (a 1 Hz session's readings are then not read again)."""
        self.actor.require("session.read")
        return self._check(self.engine, store_sessions.get_session(self.engine, session_id), history, events)

    def _check(self, bind: Bind, session: Session, history: pd.DataFrame | None = None,
               events: pd.DataFrame | None = None) -> SignoffCheck:
        signed = store_signoffs.session_signoffs(bind, session.id)
        locked = locked_at(signed)
        if history is None:
            history = store_readings.session_readings(bind, session.id, history=True)  # one read serves both
        added = 0
        if locked is not None:
            if events is None:
                events = store_events.session_events_frame(bind, session.id)
            added = addenda_count(history, events, locked)
        return signoff_check(session, unacknowledged_high=store_alerts.unacknowledged_high_events(bind, session.id),
                             readings=in_force(history), discharge_overrides=_overrides(bind, session.id),
                             addenda=added, first_signature=signed[0] if signed else None, tz=self.tz)

    def _require_person(self) -> None:
        self.actor.require("session.sign_off")
        if self.actor.role == SYSTEM:
            raise PermissionDenied("a signature needs a person: sign as a supervisor's account (--as USERNAME)")

    def _repeated(self, bind: Bind, session: Session, meaning: str) -> list[str]:
        """The same signer, same meaning, nothing added since their signature: a second one would say nothing new."""
        signed = store_signoffs.session_signoffs(bind, session.id)
        own = [s for s in signed if s.signed_by == self.actor.username and s.meaning == meaning]
        if not own:
            return []
        last = own[-1]
        added = addenda_count(store_readings.session_readings(bind, session.id, history=True),
                              store_events.session_events_frame(bind, session.id), last.signed_at)
        if added:
            return []
        return [f"you already signed this session as {meaning} at {last.at_text(self.tz)} and nothing was "
                "added since"]

    def sign(self, session_id: int, *, password: str, meaning: str,
             acknowledge_warnings: Sequence[str] = ()) -> Signoff:
        """Sign the session as the signed-in supervisor: their password typed again, the meaning (reviewed or
        approved), and the warnings they read (acknowledge_warnings: the texts shown to them; every current
        warning must be among them). Refused (SignoffRefused, with its reasons) while a refusal applies;
        a wrong password is refused (accounts.PasswordRefused) and counted as a failed sign-in. Nothing is
        stored on any refusal. Signatures are kept, never replaced: a reviewer and then an approver may sign."""
        self._require_person()
        if meaning not in MEANINGS:
            raise Conflict(f"a signature means one of {', '.join(MEANINGS)}, not {meaning!r}")
        session = store_sessions.get_session(self.engine, session_id)
        found = self._check(self.engine, session)
        self._refuse(found, acknowledge_warnings, self._repeated(self.engine, session, meaning))
        user = reenter_password(self.engine, self.actor, password, session_id=session_id)
        if not Actor(user.username, user.role).can("session.sign_off"):  # the account as it stands now
            raise PermissionDenied(f"the account {user.username!r} is no longer a supervisor's")
        with begin(self.engine) as conn:
            session = store_sessions.get_session(conn, session_id)  # as it is now, in this transaction
            found = self._check(conn, session)
            self._refuse(found, acknowledge_warnings, self._repeated(conn, session, meaning))
            signed_at = utcnow()
            signoff_id = store_signoffs.add_signoff(conn, session_id, signed_at=signed_at, signed_by=user.username,
                                                    signer_name=user.full_name, meaning=meaning,
                                                    warnings=found.warnings)
            audit.record(conn, self.actor, "session.sign_off", "session", session_id, session_id=session_id,
                         after={"meaning": meaning, "signer_name": user.full_name, "signed_at": signed_at,
                                "warnings": found.warnings, "signoff_id": signoff_id, "session": asdict(session)})
        return Signoff(signoff_id, session_id, signed_at, user.username, user.full_name, meaning,
                       tuple(found.warnings))

    @staticmethod
    def _refuse(found: SignoffCheck, acknowledged: Sequence[str], repeated: list[str]) -> None:
        if found.refusals or repeated:
            raise SignoffRefused([*found.refusals, *repeated])
        seen = {acknowledged} if isinstance(acknowledged, str) else set(acknowledged)
        unseen = [w for w in found.warnings if w not in seen]
        if unseen:
            raise WarningsNotSeen(unseen)
