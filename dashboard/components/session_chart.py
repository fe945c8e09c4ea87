"""The session chart widget: readings and events of one session drawn against its protocol."""

from __future__ import annotations

from collections.abc import Hashable

import pandas as pd
import streamlit as st

from dashboard.components.context import clinic_tz
from dashboard.components.memo import memo
from dashboard.core.chart import build_session_figure
from dashboard.core.events import event_caption
from dashboard.core.protocol import Protocol, default_protocol


def chart_events(events: pd.DataFrame) -> pd.DataFrame:
    """Stored events (kind, label, score, severity) as chart marks (occurred_at, label, severity)."""
    return pd.DataFrame({
        "occurred_at": events["occurred_at"],
        "label": [event_caption(k, lab, None if pd.isna(s) else int(s))
                  for k, lab, s in zip(events["kind"], events["label"], events["score"])],
        "severity": events["severity"] if "severity" in events else None,
    })


def draw_chart(current: pd.DataFrame, marks: pd.DataFrame, *, started_at, stopped_at, key: str,
               protocol: Protocol | None = None, changed: Hashable | None = None, tz: str | None = None) -> None:
    """The chart; with changed (anything that differs whenever the session's data do), the figure is built once
    per change and reused by every rerun in between. tz: the zone of the hover's clock (default the clinic's)."""
    protocol = protocol or default_protocol()
    tz = tz or clinic_tz()

    def build():
        return build_session_figure(current, protocol, infusion_started_at=started_at, infusion_stopped_at=stopped_at,
                                    events=marks, tz=tz)

    if changed is None:
        figure = build()
    else:
        figure = memo(f"figure_{key}", (changed, started_at, stopped_at, protocol.model_dump_json(), tz), build)
    st.plotly_chart(figure, width="stretch", key=key)
