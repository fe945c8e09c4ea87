"""A session as read back for review: its record, readings, events, alerts, signatures and summary together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from dashboard.core.protocol import Protocol
from dashboard.core.review_summary import ReviewSummary
from dashboard.core.sessions import Session
from dashboard.core.signoff import Signoff


@dataclass(frozen=True)
class SessionReview:
    """One session as read for review, in one snapshot of the records."""

    session: Session
    protocol: Protocol
    protocol_source: str
    history: pd.DataFrame  # every version of its readings (replaced_by, is_current)
    readings: pd.DataFrame  # the readings in force
    events: pd.DataFrame  # side effects and MOAA/S, CADSS scores
    alert_events: pd.DataFrame  # alert events: summary, latest acknowledgement, ended_at_discharge
    acks: pd.DataFrame  # every acknowledgement: event_id, at, by, actions, note
    signoffs: list[Signoff]
    summary: ReviewSummary
    read_at: datetime
