"""Every variation of real vitals files (reference/csv-import.md) is read as a nurse would expect."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest

from dashboard.core.csvfile import (
    ImportOptions, NeedsSetting, UnusableFile, export_csv, neutralise, parse_file, template_csv,
)
from dashboard.core.csvfile.columns import recognise

TZ = "America/New_York"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)


def parse(text: str | bytes, **options):
    options.setdefault("tz", TZ)
    options.setdefault("session", "S-0001")
    options.setdefault("now", NOW)
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_file(data, ImportOptions(**options), file_name="vitals.csv")


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert("UTC")


def reasons(parsed) -> list[str]:
    return [p.reason for p in parsed.problems]


def accounted(parsed) -> bool:
    return parsed.rows_accepted + parsed.rows_rejected == parsed.rows_read


# --- the project's own template ------------------------------------------------------------------

def test_the_template_with_its_two_example_lines_imports_cleanly():
    parsed = parse(template_csv(), session=None)
    r = parsed.readings
    assert (parsed.rows_read, parsed.rows_accepted, parsed.rows_rejected) == (2, 2, 0)
    assert r["session"].astype(str).tolist() == ["S-0001", "S-0001"]
    assert r["measured_at"].tolist() == [utc("2026-11-02T09:00:00-05:00"), utc("2026-11-02T09:10:00-05:00")]
    assert r["sbp"].tolist() == [128, 141] and r["dbp"].tolist() == [82, 88] and r["hr"].tolist() == [74, 81]
    assert r["map"].tolist() == [pytest.approx(97.3), pytest.approx(105.7)] and r["map_computed"].all()
    assert r["note"].tolist() == ["baseline", "infusion start 09:05"]
    assert r["source_line"].tolist() == [2, 3] and r["bp_method"].tolist() == ["cuff", "cuff"]
    assert "with UTC offsets" in parsed.time.description


def test_session_id_may_be_omitted_when_a_session_is_chosen():
    parsed = parse("timestamp,sbp,dbp,hr\n2026-11-02T09:00:00-05:00,128,82,74\n", session="S-0042")
    assert parsed.readings["session"].astype(str).tolist() == ["S-0042"]


def test_without_session_column_or_chosen_session_it_asks_for_one():
    with pytest.raises(NeedsSetting) as error:
        parse("timestamp,hr\n2026-11-02T09:00:00-05:00,74\n", session=None)
    assert error.value.setting == "session" and "choose the session" in str(error.value)


# --- column names ------------------------------------------------------------------------------------

@pytest.mark.parametrize("names, field", [
    (["sbp", "Systolic", "SYS", "bp_sys", "nibp_sys", "NBPSys", "NBP-S", "NIBP Systolic (mmHg)",
      "Solar8000/NIBP_SBP", " SBP (mmHg) "], "sbp"),
    (["dbp", "diastolic", "dia", "NBPDias", "NIBP Diastolic", "Solar8000/NIBP_DBP"], "dbp"),
    (["map", "mean", "NBPMean", "MAP (mmHg)", "Solar8000/NIBP_MBP"], "map"),
    (["ABPSys", "Solar8000/ART_SBP"], "art_sbp"),
    (["ABPDias"], "art_dbp"),
    (["ABPMean"], "art_map"),
    (["hr", "heart_rate", "Heart Rate", "pulse", "PR", "Pulse Rate", "Solar8000/HR"], "hr"),
    (["spo2", "SpO2 (%)", "O2 Sat", "sat", "Solar8000/PLETH_SPO2"], "spo2"),
    (["rr", "resp", "RESP", "respiratory_rate", "Resp Rate", "Solar8000/RR_CO2"], "rr"),
    (["temp", "temp_c", "Temp (C)"], "temp_c"),
    (["Temp (F)", "temp_f"], "temp_f"),
    (["BP", "Blood Pressure"], "bp"),
    (["timestamp", "Time", "datetime"], "time"),
    (["elapsed_min", "mm:ss", "Elapsed (s)"], "elapsed"),
    (["session_id", "Session"], "session"),
])
def test_column_names_in_any_case_with_units_and_device_prefixes_are_recognised(names, field):
    for name in names:
        found = recognise(name)
        assert found is not None and found.field == field, name


def test_vendor_names_from_a_monitor_file_map_to_the_right_vitals():
    text = ("Time,Solar8000/HR,Solar8000/NIBP_SBP,Solar8000/NIBP_DBP,Solar8000/NIBP_MBP,Solar8000/PLETH_SPO2,"
            "Solar8000/RR_CO2\n1793628000,70,121,79,93,98,14\n")
    r = parse(text).readings.iloc[0]
    assert (r.hr, r.sbp, r.dbp, r["map"], r.spo2, r.rr) == (70, 121, 79, 93, 98, 14) and not r.map_computed
    assert r.measured_at == pd.Timestamp(1793628000, unit="s", tz="UTC")


def test_heart_rate_from_ecg_wins_over_the_oximeter_pulse_and_the_pulse_column_is_reported():
    parsed = parse("time,PULSE,HR\n2026-11-02 09:00,88,70\n")
    assert parsed.readings["hr"].tolist() == [70]
    assert dict(parsed.mapping.describe())["PULSE"].startswith("not imported: also looks like heart rate")


def test_the_mapping_can_be_overridden():
    parsed = parse("time,PULSE,HR\n2026-11-02 09:00,88,70\n", mapping={"hr": "PULSE"})
    assert parsed.readings["hr"].tolist() == [88]
    parsed = parse("when,pulse,other\n2026-11-02 09:00,88,1\n", mapping={"time": "when", "rr": "other"})
    assert parsed.readings["rr"].isna().all()  # 1 breath/min is impossible: the line is rejected
    assert "RR 1 /min is outside the possible range" in reasons(parsed)[0]


def test_fahrenheit_temperature_columns_are_converted_and_said_so():
    parsed = parse("time,hr,Temp (F)\n2026-11-02 09:00,70,98.6\n2026-11-02 09:10,71,100.4\n")
    assert parsed.readings["temp_c"].tolist() == [37.0, 38.0]
    assert parsed.counts["fahrenheit_converted"] == 2
    assert any("converted from °F to °C" in n for n in parsed.notes)


def test_a_fahrenheit_value_in_a_celsius_column_is_rejected_as_in_manual_entry():
    parsed = parse("time,hr,temp_c\n2026-11-02 09:00,70,98.6\n")
    assert parsed.rows_rejected == 0 and parsed.counts["values_rejected"] == 1  # the temperature, not the HR
    assert parsed.readings["hr"].tolist() == [70] and parsed.readings["temp_c"].isna().all()
    assert "temperature 98.6 looks like Fahrenheit (37 °C)" in reasons(parsed)[0]


def test_arterial_and_cuff_pressures_stay_separate_series():
    text = ("time,NBPSys,NBPDias,NBPMean,ABPSys,ABPDias,ABPMean,HR\n"
            "2026-11-02 09:00,120,80,93,131,75,95,70\n"
            "2026-11-02 09:01,,,,133,76,96,71\n")
    r = parse(text).readings
    assert len(r) == 4  # line 2: cuff with the other vitals, and arterial; line 3: the vitals, and arterial
    cuff, arterial = r[r["bp_method"] == "cuff"], r[r["bp_method"] == "arterial"]
    assert cuff["sbp"].tolist() == [120] and cuff["hr"].tolist() == [70]
    assert arterial["sbp"].tolist() == [131, 133] and arterial["hr"].isna().all()
    assert r[r["bp_method"].isna()]["hr"].tolist() == [71]  # the vitals of a line without cuff BP


def test_blood_pressure_in_one_cell():
    parsed = parse("time,BP,HR\n2026-11-02 09:00,128/82,70\n2026-11-02 09:10,131 / 84 mmHg,71\n"
                   "2026-11-02 09:20,128-82,72\n")
    assert parsed.readings["sbp"].dropna().tolist() == [128, 131] and parsed.readings["dbp"].dropna().tolist() == [82, 84]
    assert parsed.readings["hr"].tolist() == [70, 71, 72] and parsed.rows_rejected == 0  # line 4 keeps its HR
    assert parsed.problems[0].line == 4 and "'128-82' is not a blood pressure like 128/82" in reasons(parsed)[0]


# --- times ----------------------------------------------------------------------------------------

def test_iso_times_without_offset_are_in_the_clinic_zone_across_daylight_saving():
    parsed = parse("time,hr\n2026-07-01 09:00,70\n2026-11-02 09:00,71\n")
    assert parsed.readings["measured_at"].tolist() == [utc("2026-07-01 13:00Z"), utc("2026-11-02 14:00Z")]
    assert f"read as {TZ}" in parsed.time.description


def test_iso_times_with_different_offsets_and_z():
    parsed = parse("time,hr\n2026-11-02T09:00:00-05:00,70\n2026-11-02T15:10:00+01:00,71\n2026-11-02T14:30Z,72\n"
                   "2026-11-02 09:40:00 UTC,73\n")
    assert parsed.readings.set_index("hr")["measured_at"].to_dict() == {
        73: utc("2026-11-02 09:40Z"), 70: utc("2026-11-02 14:00Z"), 71: utc("2026-11-02 14:10Z"),
        72: utc("2026-11-02 14:30Z")}


def test_month_day_order_must_be_set_when_it_cannot_be_told():
    text = "Timestamp,HR\n11/02/2026 09:10,70\n"
    with pytest.raises(NeedsSetting) as error:
        parse(text)
    assert error.value.setting == "dayfirst" and "day/month" in str(error.value)
    assert parse(text, dayfirst=False).readings["measured_at"].tolist() == [utc("2026-11-02 14:10Z")]
    assert parse(text, dayfirst=True).readings["measured_at"].tolist() == [utc("2026-02-11 14:10Z")]


def test_day_month_order_is_detected_from_a_day_above_12_and_said():
    parsed = parse("Timestamp,HR\n25/10/2026 09:10,70\n11/02/2026 09:10,71\n")
    assert "day/month order" in parsed.time.description
    assert parsed.readings["measured_at"].min() == utc("2026-02-11 14:10Z")


def test_dates_written_both_ways_are_refused_until_the_order_is_set_then_the_odd_ones_are_rejected():
    text = "Timestamp,HR\n25/10/2026 09:10,70\n10/25/2026 09:20,71\n"
    with pytest.raises(NeedsSetting):
        parse(text)
    parsed = parse(text, dayfirst=True)
    assert parsed.rows_accepted == 1 and parsed.problems[0].line == 3
    assert "is not a date in day/month order" in reasons(parsed)[0]


def test_separate_date_and_time_columns():
    parsed = parse("Date,Time,HR\n2026-11-02,09:10,70\n2026-11-02,9:20 PM,71\n")
    assert parsed.readings["measured_at"].tolist() == [utc("2026-11-02 14:10Z"), utc("2026-11-03 02:20Z")]
    assert parsed.time.kind == "date+clock"


def test_epoch_seconds():
    parsed = parse("Time,HR\n1793628000,70\n1793628060,71\n")
    assert parsed.readings["measured_at"].tolist() == [utc("2026-11-02 14:00Z"), utc("2026-11-02 14:01Z")]
    assert parsed.time.kind == "epoch"


@pytest.mark.parametrize("column, cells, minutes", [
    ("elapsed_min", ["0", "5", "12.5"], [0, 5, 12.5]),
    ("elapsed", ["00:00", "05:30", "12:00"], [0, 5.5, 12]),  # mm:ss
    ("elapsed", ["+00:00", "+00:10", "+01:05"], [0, 10, 65]),  # +hh:mm
    ("Elapsed (s)", ["0", "90"], [0, 1.5]),
])
def test_elapsed_time_from_a_given_start(column, cells, minutes):
    text = f"{column},HR\n" + "".join(f"{c},70\n" for c in cells)
    start = datetime(2026, 11, 2, 9, 0)  # noqa: DTZ001 -- a clinic wall-clock time, as --start takes it
    parsed = parse(text, start=start)
    expected = [utc("2026-11-02 14:00Z") + pd.Timedelta(minutes=m) for m in minutes]
    assert parsed.readings["measured_at"].tolist() == expected


def test_elapsed_time_without_a_start_asks_for_it():
    with pytest.raises(NeedsSetting) as error:
        parse("elapsed_min,HR\n0,70\n")
    assert error.value.setting == "start" and "give the start time" in str(error.value)


def test_times_that_do_not_exist_at_the_clock_change_are_named():
    parsed = parse("time,hr\n2026-03-08 02:30,70\n2026-03-08 03:30,71\n")
    assert parsed.rows_accepted == 1 and "does not exist or is ambiguous" in reasons(parsed)[0]


def test_a_time_in_the_future_is_rejected_as_a_mistyped_year():
    parsed = parse("time,hr\n2062-11-02 09:00,70\n2026-11-02 09:00,71\n")
    assert parsed.rows_rejected == 1 and parsed.problems[0].line == 2 and "is in the future" in reasons(parsed)[0]


def test_rows_out_of_time_order_are_stored_in_order_and_noted():
    parsed = parse("time,hr\n2026-11-02 09:20,72\n2026-11-02 09:00,70\n2026-11-02 09:10,71\n")
    assert parsed.readings["hr"].tolist() == [70, 71, 72] and parsed.readings["source_line"].tolist() == [3, 4, 2]
    assert parsed.counts["out_of_order"] == 1


# --- dialects and encodings -------------------------------------------------------------------------

def test_semicolons_with_decimal_commas():
    parsed = parse("Zeit;SYS;DIA;Puls;Temp\n2026-11-02 09:00;128;82;74;36,8\n")
    r = parsed.readings.iloc[0]
    assert (r.sbp, r.dbp, r.hr, r.temp_c) == (128, 82, 74, 36.8)
    assert parsed.dialect.delimiter == ";" and parsed.counts["decimal_commas"] == 1


def test_tab_separated():
    parsed = parse("time\tHeart Rate\tSpO2 (%)\n2026-11-02 09:00\t72\t98\n")
    assert parsed.dialect.delimiter == "\t" and parsed.readings["spo2"].tolist() == [98]


def test_utf8_with_bom_and_crlf():
    parsed = parse("\ufefftimestamp,hr,note\r\n2026-11-02 09:00,72,café\r\n".encode("utf-8"))
    assert parsed.encoding == "UTF-8 with BOM" and parsed.dialect.line_ends == "CRLF"
    assert parsed.readings["note"].tolist() == ["café"] and parsed.columns[0] == "timestamp"


def test_windows_1252_text():
    parsed = parse("time,hr,note\n2026-11-02 09:00,72,Café – naïve\n".encode("cp1252"))
    assert parsed.encoding == "Windows-1252" and parsed.readings["note"].tolist() == ["Café – naïve"]


def test_quoted_fields_with_separators_and_line_breaks_keep_line_numbers_right():
    text = 'time,hr,note\n2026-11-02 09:00,70,"first line\nsecond, with comma"\n2026-11-02 09:01,500,"x"\n'
    parsed = parse(text)
    assert parsed.readings["note"].tolist() == ["first line\nsecond, with comma"]
    assert parsed.problems[0].line == 4  # the physical line in the file, after the two-line note


def test_trailing_empty_columns_and_lines_of_separators():
    parsed = parse("time,hr,spo2,,,\n2026-11-02 09:00,70,98,,,\n,,,,,\n2026-11-02 09:01,71,97,,,\n")
    assert parsed.rows_read == 2 and parsed.readings["source_line"].tolist() == [2, 4]


def test_metadata_lines_above_the_header_are_skipped_and_line_numbers_stay_physical():
    text = ("Device: Philips IntelliVue MX800\nBed: 4\nExported: 2026-11-02 10:00\n\n"
            "Time,HR,SpO2\n2026-11-02 09:00,70,98\n2026-11-02 09:01,70,20\n")
    parsed = parse(text)
    assert parsed.dialect.header_line == 5 and len(parsed.dialect.metadata) == 3
    assert parsed.problems[0].line == 7 and "SpO2 20 % is outside the possible range" in reasons(parsed)[0]


# --- values ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", ["", "--", "NA", "ERR", "?", "n/a", "  "])
def test_placeholders_are_not_measured(cell):
    parsed = parse(f"time,hr,spo2\n2026-11-02 09:00,70,{cell}\n")
    assert parsed.rows_accepted == 1 and np.isnan(parsed.readings["spo2"].iloc[0])


def test_zero_from_a_device_means_sensor_off_and_is_counted():
    parsed = parse("time,HR,SpO2,RESP\n2026-11-02 09:00,70,0,0\n2026-11-02 09:01,0,0,0\n")
    assert parsed.readings["spo2"].isna().all() and parsed.readings["hr"].tolist() == [70]
    assert parsed.counts["sensor_off_zeros"] == 5 and parsed.rows_accepted == 2  # nothing to store on line 3
    assert any("5 zero value(s) read as sensor off" in n and "SpO2 2" in n for n in parsed.notes)


def test_units_written_in_the_cells():
    r = parse("time,sbp,dbp,spo2,hr,temp\n2026-11-02 09:00,120 mmHg,80mmHg,98%,72 bpm,36.8 °C\n").readings.iloc[0]
    assert (r.sbp, r.dbp, r.spo2, r.hr, r.temp_c) == (120, 80, 98, 72, 36.8)


def test_sample_and_hold_repeats_of_the_cuff_are_dropped_and_counted():
    text = ("time,NBPSys,NBPDias,HR\n2026-11-02 09:00,120,80,70\n2026-11-02 09:01,120,80,71\n"
            "2026-11-02 09:02,120,80,72\n2026-11-02 09:03,124,82,73\n")
    parsed = parse(text)
    cuff = parsed.readings.dropna(subset=["sbp"])
    assert cuff["sbp"].tolist() == [120, 124] and parsed.readings["hr"].tolist() == [70, 71, 72, 73]
    assert parsed.counts["held_repeats"] == 2


def test_a_hand_kept_sheet_with_the_same_bp_twice_keeps_both():
    parsed = parse("time,sbp,dbp\n2026-11-02 09:00,120,80\n2026-11-02 09:10,120,80\n")
    assert parsed.readings["sbp"].tolist() == [120, 120] and parsed.counts["held_repeats"] == 0


def test_rows_repeated_in_the_file_are_kept_once_and_conflicts_are_named():
    text = ("time,hr\n2026-11-02 09:00,70\n2026-11-02 09:00,70\n2026-11-02 09:00,75\n")
    parsed = parse(text)
    assert parsed.readings["hr"].tolist() == [70] and parsed.counts["duplicates_in_file"] == 1
    assert parsed.problems[0].line == 4 and "another line (2) has a different reading" in reasons(parsed)[0]


def test_several_sessions_in_one_file_by_session_column():
    text = ("session_id,timestamp,hr\nS-0001,2026-11-02T09:00:00-05:00,70\nS-0002,2026-11-02T09:00:00-05:00,80\n"
            "S-0001,2026-11-02T09:10:00-05:00,71\n")
    parsed = parse(text, session=None)
    by = parsed.readings.groupby(parsed.readings["session"].astype(str))["hr"].apply(list).to_dict()
    assert by == {"S-0001": [70, 71], "S-0002": [80]}


def test_a_session_column_can_be_named_explicitly():
    text = "case,timestamp,hr\nS-0007,2026-11-02T09:00:00-05:00,70\n"
    assert parse(text, session=None, session_column="case").readings["session"].astype(str).tolist() == ["S-0007"]


def test_same_plausibility_rules_as_manual_entry_named_with_their_line():
    text = ("time,sbp,dbp,hr,spo2\n" + "".join(f"2026-11-02 09:{i:02d},120,80,70,98\n" for i in range(12))
            + "2026-11-02 09:30,120,150,70,98\n")
    parsed = parse(text)
    problem = parsed.problems[0]
    assert (problem.line, problem.column, problem.value) == (14, "dbp", "150")
    assert problem.reason == "diastolic 150 is not below systolic 120"
    assert parsed.rows_read == 13 and parsed.rows_accepted == 13 and accounted(parsed)
    line = parsed.readings[parsed.readings["source_line"] == 14].iloc[0]  # the BP goes; HR and SpO2 are kept
    assert np.isnan(line["sbp"]) and np.isnan(line["dbp"]) and (line["hr"], line["spo2"]) == (70, 98)


def test_all_problems_are_collected_at_once():
    text = ("time,sbp,dbp,hr,spo2\n2026-11-02 09:00,12o,80,400,20\n2026-11-02 09:01,120,,70,98\n"
            "2026-11-02 09:02,120,80,70,98\n")
    parsed = parse(text)
    got = {(p.line, p.column) for p in parsed.problems}
    assert got == {(2, "sbp"), (2, "hr"), (2, "spo2"), (3, "dbp")}
    assert "'12o' is not a number" in reasons(parsed)
    assert parsed.rows_accepted == 2 and parsed.lines[parsed.rejected].tolist() == [2]  # nothing of line 2 is left
    assert parsed.counts["values_rejected"] == 4 and parsed.problems_by_reason == {
        "diastolic_missing": 1, "not_a_number": 1, "outside_possible_range": 2}


def test_rejected_rows_download_with_line_and_reason():
    parsed = parse("time,hr,note\n2026-11-02 09:00,70,ok\n2026-11-02 09:01,400,=HYPERLINK(\"http://x\")\n")
    frame = parsed.rejected_rows()
    assert frame.columns.tolist() == ["line", "time", "hr", "note", "stored", "reason"]
    assert frame["line"].tolist() == [3] and frame["hr"].tolist() == ["400"] and frame["stored"].tolist() == ["nothing"]
    assert "outside the possible range" in frame["reason"].iloc[0]
    assert frame["note"].iloc[0].startswith("'=HYPERLINK")  # never run as a formula when opened
    assert parsed.rejected_csv().splitlines()[0] == "line,time,hr,note,stored,reason"


def test_export_writes_the_template_columns_and_neutralises_formulas():
    parsed = parse(template_csv(), session=None)
    readings = parsed.readings.assign(note=["=HYPERLINK(\"http://evil\")", "+1 dizzy"])
    text = export_csv(readings, session_code="S-0001", tz=TZ)
    lines = text.splitlines()
    assert lines[0] == "session_id,timestamp,sbp,dbp,map,hr,spo2,rr,temp_c,note,bp_method"
    assert lines[1].startswith("S-0001,2026-11-02T09:00:00-05:00,128,82,,74,98,14,,")
    assert "'=HYPERLINK" in lines[1] and ",'+1 dizzy," in lines[2]
    again = parse(text, session=None)
    assert again.readings[["sbp", "dbp", "hr"]].equals(parsed.readings[["sbp", "dbp", "hr"]])


def test_neutralise_leaves_plain_text_alone():
    assert neutralise("baseline") == "baseline" and neutralise("=1+1") == "'=1+1" and neutralise("@SUM(A1)")[0] == "'"


def test_a_preview_reads_only_the_first_lines():
    text = "time,hr\n" + "".join(f"2026-11-02 {9 + i // 60:02d}:{i % 60:02d},70\n" for i in range(600))
    parsed = parse(text, max_lines=100)
    assert parsed.rows_read == 100 and parsed.truncated and "preview" in parsed.notes[0]


def test_a_progress_callback_hears_of_each_stage():
    seen = []
    parse_file(template_csv().encode(), ImportOptions(tz=TZ, now=NOW), progress=lambda f, t: seen.append(f))
    assert seen == sorted(seen) and len(seen) >= 3


def test_unusable_file_errors_are_value_errors_with_one_sentence():
    with pytest.raises(UnusableFile) as error:
        parse("")
    assert isinstance(error.value, ValueError) and "\n" not in str(error.value)
