"""Vertical places for labels beside a panel: each as near its line as it can be, none overlapping, none outside."""

from __future__ import annotations


def spread(wanted: list[float], extent: float, gap: float) -> list[float]:
    """Positions (same order as wanted; pixels, 0 = panel bottom, extent = top) at least gap apart and at
    least gap/2 inside the panel. Labels that would collide are moved apart as a group centred where its
    members wanted to be, so each stays as close to its own line as the others allow.
    """
    if not wanted:
        return []
    gap = min(gap, extent / len(wanted))  # more labels than the panel holds: share it out evenly
    order = sorted(range(len(wanted)), key=lambda i: float(wanted[i]))  # stable: equal wishes keep their order
    groups: list[list[float]] = []  # labels that touch, bottom to top, as their wanted positions
    for i in order:
        groups.append([float(wanted[i])])
        while len(groups) > 1 and _bottom(groups[-2], extent, gap) + gap * len(groups[-2]) > \
                _bottom(groups[-1], extent, gap) + 1e-9:
            last = groups.pop()
            groups[-1] += last
    placed = [_bottom(group, extent, gap) + gap * k for group in groups for k in range(len(group))]
    out = [0.0] * len(wanted)
    for rank, i in enumerate(order):
        out[i] = placed[rank]
    return out


def _bottom(group: list[float], extent: float, gap: float) -> float:
    """The group's lowest position: centred on its members' wishes, then kept inside the panel."""
    bottom = sum(group) / len(group) - gap * (len(group) - 1) / 2  # a few labels: no numpy call per group
    return min(max(bottom, gap / 2), extent - gap / 2 - gap * (len(group) - 1))
