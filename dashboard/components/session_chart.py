"""The session chart widget: readings and events of one session drawn against its protocol."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.components.context import clinic_tz
from dashboard.core.chart import build_session_figure
from dashboard.core.events import event_caption
from dashboard.core.protocol import Protocol, default_protocol


def chart_events(events: pd.DataFrame) -> pd.DataFrame:
    """Stored events (kind, label, score) as chart marks (occurred_at, label)."""
    return pd.DataFrame({
        "occurred_at": events["occurred_at"],
        "label": [event_caption(k, lab, None if pd.isna(s) else int(s))
                  for k, lab, s in zip(events["kind"], events["label"], events["score"], strict=True)],
    })


def draw_chart(current: pd.DataFrame, marks: pd.DataFrame, *, started_at, stopped_at, key: str,
               protocol: Protocol | None = None) -> None:
    figure = build_session_figure(current, protocol or default_protocol(), infusion_started_at=started_at,
                                  infusion_stopped_at=stopped_at, events=marks, tz=clinic_tz())
    st.plotly_chart(figure, width="stretch", key=key)
