"""Import page: upload a vitals file, check the preview (mapping, times, problems), then store it at once."""

from __future__ import annotations

from datetime import datetime
from pathlib import PurePath
from zoneinfo import ZoneInfo, available_timezones

import pandas as pd
import streamlit as st

from dashboard.components.context import actor, clinic_tz, engine, records, require
from dashboard.components.text import md_escape
from dashboard.core.csvfile import FIELD_LABELS, FIELDS, ImportOptions, NeedsSetting, UnusableFile, read_header
from dashboard.core.csvfile.columns import detect
from dashboard.core.roles import PermissionDenied
from dashboard.services.imports import ImportPreview, Imports
from dashboard.core.errors import StoreError

NOT_IMPORTED = "(not imported)"
FROM_FILE = "(the file's session column)"
ORDERS = {"detect": "Detect from the dates (ask when unclear)", "dayfirst": "Day/month (31/12/2026)",
          "monthfirst": "Month/day (12/31/2026)"}
MAX_CHOICES = 300  # columns offered in each mapping box (a hostile file may have thousands)
SHOWN_READINGS = 500
PREVIEW_LINES = 1_000  # the preview reads this many lines of any file; Commit reads and checks all of it


def _reset(file_id: str) -> None:
    """A new file: forget the previous file's mapping, preview and choices."""
    if st.session_state.get("imp_file_id") == file_id:
        return
    for key in [k for k in st.session_state if str(k).startswith("imp_map_")]:
        del st.session_state[key]
    st.session_state.pop("imp_preview", None)
    st.session_state["imp_file_id"] = file_id


def _mapping_inputs(headers: tuple[str, ...]) -> dict[str, str | None]:
    """One box per field, preset to what was recognised; returns only the user's changes."""
    detected = detect(headers).named()
    choices = [NOT_IMPORTED] + list(dict.fromkeys(h for h in headers if h))[:MAX_CHOICES]
    overrides: dict[str, str | None] = {}
    with st.expander("Columns: how each one is read (change any)", expanded=False):
        columns = st.columns(3)
        for i, field in enumerate(FIELDS):
            key = f"imp_map_{field}"
            if key not in st.session_state:
                st.session_state[key] = detected.get(field, NOT_IMPORTED)
            if st.session_state[key] not in choices:
                st.session_state[key] = NOT_IMPORTED
            value = columns[i % 3].selectbox(FIELD_LABELS[field], choices, key=key)
            chosen = None if value == NOT_IMPORTED else value
            if chosen != detected.get(field):
                overrides[field] = chosen
        if len(headers) > MAX_CHOICES:
            st.caption(f"The file has {len(headers):,} columns; the first {MAX_CHOICES} are offered.")
    return overrides


def _settings(tz: str, has_session_column: bool) -> dict:
    sessions = {s.code: s for s in records().sessions()}
    left, middle, right = st.columns(3)
    options = ([FROM_FILE] if has_session_column else []) + list(sessions)
    session = left.selectbox("Session", options, index=0 if has_session_column else None, key="imp_session",
                             placeholder="Choose the session…",
                             format_func=lambda c: c if c == FROM_FILE else sessions[c].label,
                             help="Every row goes to this session, or to the session named on each row.")
    zones = sorted(available_timezones())
    zone = middle.selectbox("Time zone of times without offset", zones,
                            index=zones.index(tz) if tz in zones else zones.index("UTC"), key="imp_tz")
    order = right.radio("Dates like 11/02/2026", list(ORDERS), format_func=ORDERS.get, key="imp_order")
    with st.expander("Start of the recording (only for files with elapsed times such as elapsed_min)"):
        a, b = st.columns(2)
        day = a.date_input("Start date", value=None, key="imp_start_day")
        clock = b.time_input("Start time", value=None, step=60, key="imp_start_time")
    start = datetime.combine(day, clock, tzinfo=ZoneInfo(zone)) if day and clock else None
    return {"session": None if session in (None, FROM_FILE) else session, "tz": zone,
            "dayfirst": {"detect": None, "dayfirst": True, "monthfirst": False}[order], "start": start}


def _preview(imports: Imports, upload, options: ImportOptions) -> ImportPreview:
    """Read and check the file once per choice of settings (a rerun reuses it)."""
    key = (upload.file_id, options.tz, options.dayfirst, options.start, options.session,
           tuple(sorted((k, v or "") for k, v in options.mapping.items())))
    cached = st.session_state.get("imp_preview")
    if cached and cached[0] == key:
        return cached[1]
    bar = st.progress(0.0, text="Reading the file…")

    def progress(fraction: float, text: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=md_escape(text.capitalize()))

    try:
        preview = imports.preview(upload.getvalue(), file_name=upload.name, options=options, progress=progress)
    finally:
        bar.empty()
    st.session_state["imp_preview"] = (key, preview)
    return preview


def _commit(imports: Imports, preview: ImportPreview) -> None:
    try:
        report = imports.commit(preview)
    except (StoreError, PermissionDenied) as error:
        st.session_state["imp_flash_error"] = str(error)
        return
    st.session_state.pop("imp_preview", None)
    st.session_state["imp_flash"] = (
        f"Imported {report.file_name}: {report.readings_stored:,} readings stored, "
        f"{report.duplicates_skipped:,} already stored and skipped, {report.rows_rejected:,} rows rejected, "
        f"{report.alerts_raised:,} alerts raised (see the Record page).")


def _readings_table(frame: pd.DataFrame, tz: str) -> pd.DataFrame:
    def num(values: pd.Series) -> list[str]:
        return ["" if pd.isna(v) else f"{v:g}" for v in values]
    head = frame.head(SHOWN_READINGS)
    return pd.DataFrame({
        "Line": head["source_line"].to_numpy(),
        "Session": head["session"].astype(str).to_numpy(),
        "Time": head["measured_at"].dt.tz_convert(tz).dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy(),
        "SBP": num(head["sbp"]), "DBP": num(head["dbp"]),
        "MAP": [("" if pd.isna(m) else f"{m:g}" + (" (calc.)" if c else "")) for m, c in
                zip(head["map"], head["map_computed"], strict=True)],
        "HR": num(head["hr"]), "SpO2": num(head["spo2"]), "RR": num(head["rr"]), "Temp °C": num(head["temp_c"]),
        "Method": head["bp_method"].fillna("").to_numpy(), "Note": head["note"].fillna("").to_numpy(),
    })


def _show(imports: Imports, preview: ImportPreview, tz: str) -> None:
    parsed, report = preview.parsed, preview.report()
    cols = st.columns(5)
    cols[0].metric("Rows read", f"{report.rows_read:,}")
    cols[1].metric("Accepted", f"{report.rows_accepted:,}")
    cols[2].metric("Rejected", f"{report.rows_rejected:,}")
    cols[3].metric("Readings to store", f"{report.readings_to_store:,}")
    cols[4].metric("Already stored", f"{report.duplicates_skipped:,}")
    st.caption(md_escape(f"{parsed.file_name} · {parsed.encoding} · {parsed.dialect.describe()}"))
    st.markdown("**Times:** " + md_escape(parsed.time.description))
    for note in parsed.notes:
        st.markdown("- " + md_escape(note))
    st.dataframe(pd.DataFrame(parsed.mapping.describe(), columns=["Column in the file", "Read as"]),
                 hide_index=True, width="stretch", key="imp_columns_table")
    if report.problems_total:
        more = "" if report.problems_total == len(parsed.problems) else f" (the first {len(parsed.problems):,} listed)"
        kept = f" Values rejected: {report.values_rejected:,}." if report.values_rejected else ""
        st.markdown(f"**Problems: {report.problems_total:,}**{more}. A rejected value is not stored (a blood "
                    f"pressure goes as a whole); the rest of its line is.{kept} Download the lines with problems, "
                    "fix them and import them again.")
        problems = parsed.problems_frame()
        problems["value"] = problems["value"].astype(object).where(problems["value"].notna(), "").astype(str)
        st.dataframe(problems.rename(columns=str.capitalize), hide_index=True, width="stretch",
                     key="imp_problems_table")
        stem = PurePath(parsed.file_name).stem or "import"
        st.download_button("Download the rejected rows (CSV with reasons)", parsed.rejected_csv,
                           file_name=f"{stem}-rejected.csv", mime="text/csv", key="imp_rejected_download")
    else:
        st.success("No problems found.")
    st.markdown(f"**Readings to store** (first {SHOWN_READINGS} shown)" if len(preview.to_store) > SHOWN_READINGS
                else "**Readings to store**")
    st.dataframe(_readings_table(preview.to_store, tz), hide_index=True, width="stretch", key="imp_readings_table")
    partial = preview.whole_file is not None
    disabled = report.readings_to_store == 0 and not partial
    label = ("Commit: read the whole file and store its readings" if partial
             else f"Commit: store {report.readings_to_store:,} readings")
    st.button(label, type="primary", disabled=disabled, on_click=_commit, args=(imports, preview), key="imp_commit")
    if partial:
        st.caption(f"The preview shows the first {PREVIEW_LINES:,} lines. Commit reads and checks every line, "
                   "stores the good values in one step with an audit entry (or nothing), then reports every problem.")
    else:
        st.caption("Everything is stored in one step with an audit entry, or nothing is."
                   if not disabled else "Nothing new to store.")


def _flash() -> None:
    if message := st.session_state.pop("imp_flash", None):
        st.success(md_escape(message))
    if message := st.session_state.pop("imp_flash_error", None):
        st.error(md_escape(message))


def render() -> None:
    require("reading.write")
    imports = Imports(engine(), actor(), clinic_tz())
    st.title("Import vitals")
    st.caption("A CSV file from a spreadsheet, a bedside monitor's trend export or another system. "
               "Nothing is stored until you press Commit.")
    st.download_button("Download the template CSV", imports.template(), file_name="vitals-template.csv",
                       mime="text/csv", key="imp_template")
    _flash()
    upload = st.file_uploader("Vitals file (CSV, at most 60 MB)", type=["csv", "txt", "tsv"], key="imp_upload")
    if upload is None:
        st.info("Choose a file. Columns are recognised by their names (sbp, NIBP Systolic (mmHg), "
                "Solar8000/HR, ...); you can change how each one is read before anything is stored.")
        return
    _reset(upload.file_id)
    try:
        header = read_header(upload.getvalue())
    except UnusableFile as error:
        st.error(md_escape(f"This file cannot be imported: {error}."))
        return
    overrides = _mapping_inputs(header.header)
    has_session_column = "session" in detect(header.header, overrides).fields
    settings = _settings(clinic_tz(), has_session_column)
    options = ImportOptions(mapping=overrides, max_lines=PREVIEW_LINES, **settings)
    try:
        preview = _preview(imports, upload, options)
    except NeedsSetting as error:
        where = {"session": "Choose it in *Session* above.", "dayfirst": "Choose it in *Dates like 11/02/2026*.",
                 "start": "Give it under *Start of the recording*."}[error.setting]
        st.warning(md_escape(f"One more setting is needed: {error}.") + " " + where)
        return
    except UnusableFile as error:
        st.error(md_escape(f"This file cannot be imported: {error}."))
        return
    _show(imports, preview, settings["tz"])


render()
