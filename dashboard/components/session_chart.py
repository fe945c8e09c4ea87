"""The session chart widget: readings and events of one session drawn against its protocol."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.core.chart import build_session_figure
from dashboard.core.events import event_caption
from dashboard.core.protocol import default_protocol
from dashboard.store import events as store_events
from dashboard.store.sessions import Session


def chart_events(events: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "occurred_at": events["occurred_at"],
        "label": [event_caption(k, l, None if pd.isna(s) else int(s))
                  for k, l, s in zip(events["kind"], events["label"], events["score"])],
    })


def show_session_chart(engine, session: Session, current: pd.DataFrame, tz: str) -> None:
    events = chart_events(store_events.session_events_frame(engine, session.id))
    figure = build_session_figure(current, default_protocol(), infusion_started_at=session.infusion_started_at,
                                  infusion_stopped_at=session.infusion_stopped_at, events=events, tz=tz)
    st.plotly_chart(figure, width="stretch", key=f"chart_{session.id}")
