"""Threshold lines, shaded zones and their labels for one panel of the session chart."""

from __future__ import annotations

from typing import NamedTuple

from dashboard.core.labels import spread
from dashboard.core.protocol import Protocol, VitalLimits
from dashboard.core.vitals import VITAL_BY_KEY

LEVEL_COLORS = {"warning": "#e69f00", "critical": "#d62728"}
BAND_OPACITY = {"warning": 0.07, "critical": 0.10}
BAND_EDGE = {"low": 0.0, "high": 1000.0}  # zones run past the panel; the y range clips them
LABEL_FONT = 10
LABEL_GAP_PX = 14  # a label's height on screen: labels nearer than this to each other are moved apart
LABEL_SHIFT_PX = 4  # labels sit in the right margin, just past the plot's edge


class Limit(NamedTuple):
    key: str  # the vital
    name: str  # e.g. "critical_high"
    value: float

    @property
    def level(self) -> str:
        return self.name.split("_")[0]

    @property
    def side(self) -> str:
        return self.name.split("_")[1]


class Zone(NamedTuple):
    key: str
    level: str
    side: str
    low: float
    high: float


def drawn_limits(lines: tuple[tuple[str, tuple[str, ...]], ...], protocol: Protocol) -> list[Limit]:
    """The limits a panel draws as lines, in the order its definition names them."""
    out = []
    for key, names in lines:
        limits = protocol.limits.get(key)
        if limits is not None:
            out += [Limit(key, name, float(getattr(limits, name))) for name in names
                    if getattr(limits, name) is not None]
    return out


def normal_range(limits: VitalLimits | None) -> tuple[float, float]:
    """Where a vital's values raise nothing (everything when the protocol sets no limits for it)."""
    if limits is None:
        return float("-inf"), float("inf")
    low = limits.warning_low if limits.warning_low is not None else limits.critical_low
    high = limits.warning_high if limits.warning_high is not None else limits.critical_high
    return (float("-inf") if low is None else low), (float("inf") if high is None else high)


def zones(lines: tuple[tuple[str, tuple[str, ...]], ...], drawn: list[Limit], protocol: Protocol) -> list[Zone]:
    """Warning and critical zones beyond the first vital's drawn limits, leaving out any zone that would lie
    over the normal values of another vital with lines on the panel (so a shade always means the same thing).

    A vital the protocol sets no limits for is normal anywhere: no zone then. MAP needs no check of its own: it
    lies between DBP and SBP, so a zone clear of both normal ranges is clear of a normal MAP too.
    """
    if not drawn:
        return []
    key = drawn[0].key
    own = {limit.name: limit.value for limit in drawn if limit.key == key}
    others = [normal_range(protocol.limits.get(k)) for k, _ in lines if k != key]
    out = []
    for side in ("low", "high"):
        warn, crit = own.get(f"warning_{side}"), own.get(f"critical_{side}")
        for level, start, end in (("warning", warn, crit if crit is not None else BAND_EDGE[side]),
                                  ("critical", crit, BAND_EDGE[side])):
            if start is None or start == end:
                continue
            low, high = min(start, end), max(start, end)
            if all(high <= normal_low or low >= normal_high for normal_low, normal_high in others):
                out.append(Zone(key, level, side, low, high))
    return out


def limit_shapes(xref: str, yref: str, drawn: list[Limit], shaded: list[Zone]) -> list[dict]:
    """Dashed lines across the panel at the limits; light shading over the zones, below the data."""
    shapes = [dict(type="rect", xref=f"{xref} domain", yref=yref, x0=0, x1=1, y0=zone.low, y1=zone.high,
                   line=dict(width=0), fillcolor=LEVEL_COLORS[zone.level], opacity=BAND_OPACITY[zone.level],
                   layer="below", name=f"{zone.key} {zone.level} {zone.side} band") for zone in shaded]
    shapes += [dict(type="line", xref=f"{xref} domain", yref=yref, x0=0, x1=1, y0=limit.value, y1=limit.value,
                    layer="below", line=dict(color=LEVEL_COLORS[limit.level], width=1, dash="dash"),
                    name=f"{limit.key} {limit.name} {limit.value:g}") for limit in drawn]
    return shapes


def limit_labels(xref: str, yref: str, drawn: list[Limit], y_range: list[float], panel_px: float) -> list[dict]:
    """'SBP 180' beside each line in the right margin, moved apart where lines are close so none overlap,
    and kept inside the panel's height so none is cut off."""
    low, high = y_range
    span = high - low
    wanted = [(limit.value - low) / span * panel_px for limit in drawn]
    placed = spread(wanted, panel_px, LABEL_GAP_PX)
    return [dict(x=1, xref=f"{xref} domain", xanchor="left", xshift=LABEL_SHIFT_PX, y=low + px / panel_px * span,
                 yref=yref, yanchor="middle", showarrow=False, text=f"{VITAL_BY_KEY[limit.key].short} {limit.value:g}",
                 font=dict(size=LABEL_FONT, color=LEVEL_COLORS[limit.level]), name=f"{limit.key} {limit.name} label")
            for limit, px in zip(drawn, placed)]
