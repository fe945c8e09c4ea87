"""The patient series trend: peak SBP, DBP and HR per infusion above, the largest rise from baseline below."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.core.chart import COLORS

PEAKS = (("peak_sbp", "Peak SBP", COLORS["sbp"]), ("peak_dbp", "Peak DBP", COLORS["dbp"]),
         ("peak_hr", "Peak HR", COLORS["hr"]))
RISES = (("rise_sbp", "SBP rise", COLORS["sbp"]), ("rise_dbp", "DBP rise", COLORS["dbp"]))


def _labels(table: pd.DataFrame) -> list[str]:
    """'#3 · 12 Jan' per infusion (a category each, so two sessions with one number stay apart)."""
    seen: dict[str, int] = {}
    labels = []
    for number, day in zip(table["infusion_number"], table["session_date"]):
        label = f"#{number} · {day:%d %b %Y}"
        seen[label] = seen.get(label, 0) + 1
        labels.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return labels


def series_figure(table: pd.DataFrame) -> go.Figure:
    """table: dashboard.core.series.infusion_series (oldest first)."""
    x = _labels(table)
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.14, row_heights=[0.58, 0.42],
                           subplot_titles=("Peaks per infusion (mmHg, /min)", "Largest rise from baseline (mmHg)"))
    for column, name, color in PEAKS:
        figure.add_trace(go.Scatter(x=x, y=table[column], name=name, mode="lines+markers",
                                    line={"color": color, "dash": "dot" if column == "peak_hr" else "solid"},
                                    customdata=table["code"], hovertemplate="%{customdata}: %{y:g}"),
                         row=1, col=1)
    for column, name, color in RISES:
        figure.add_trace(go.Bar(x=x, y=table[column], name=name, marker_color=color, customdata=table["code"],
                                hovertemplate="%{customdata}: %{y:+g}"), row=2, col=1)
    figure.add_hline(y=0, line={"color": "#888", "width": 1}, row=2, col=1)
    figure.update_layout(height=460, margin={"l": 50, "r": 20, "t": 40, "b": 40}, barmode="group",
                         hovermode="x unified", legend={"orientation": "h", "y": -0.12})
    figure.update_xaxes(type="category")
    return figure
