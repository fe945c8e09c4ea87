"""Values kept for one browser session until what they were made from changes (the chart, the scores)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

import streamlit as st

T = TypeVar("T")
PREFIX = "_memo_"


def memo(name: str, stamp: Hashable, build: Callable[[], T]) -> T:
    """build()'s value, built again only when stamp differs from the last call's under this name.

    Kept in st.session_state rather than st.cache_data: a hit hands back the same object with no copy or
    pickling, which for a figure of thousands of points is most of the saving. One value per name is kept.
    """
    key = PREFIX + name
    kept = st.session_state.get(key)
    if kept is not None and kept[0] == stamp:
        return kept[1]
    value = build()
    st.session_state[key] = (stamp, value)
    return value
