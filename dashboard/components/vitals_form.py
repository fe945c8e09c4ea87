"""The vitals inputs (typed as text so any mistake can be named) with each field's problem beneath it."""

from __future__ import annotations

import streamlit as st

from dashboard.components.text import md_escape

FIELDS = (  # key, label, placeholder
    ("sbp", "Systolic (mmHg)", "e.g. 128"),
    ("dbp", "Diastolic (mmHg)", "e.g. 82"),
    ("hr", "Heart rate (/min)", "e.g. 74"),
    ("spo2", "SpO2 (%)", "e.g. 98"),
    ("rr", "Resp. rate (/min)", "e.g. 14"),
    ("map", "MAP (mmHg, optional)", "from the monitor"),
    ("temp_c", "Temp (°C, optional)", "e.g. 36.8"),
)


def vitals_inputs(prefix: str, problems: dict[str, str]) -> None:
    """Text inputs keyed f'{prefix}_{field}'; the caller reads them from st.session_state."""
    for row in (FIELDS[:3], FIELDS[3:6], FIELDS[6:]):
        columns = st.columns(3)
        for column, (key, label, placeholder) in zip(columns, row, strict=False):
            with column:
                st.text_input(label, key=f"{prefix}_{key}", placeholder=placeholder)
                if key in problems:
                    st.error(md_escape(problems[key]), icon=":material/error:")


def read_inputs(prefix: str) -> dict[str, str]:
    return {key: st.session_state.get(f"{prefix}_{key}", "") for key, _, _ in FIELDS}


def clear_inputs(prefix: str, extra: tuple[str, ...] = ()) -> None:
    for key, _, _ in FIELDS:
        st.session_state[f"{prefix}_{key}"] = ""
    for key in extra:
        st.session_state.pop(key, None)
