"""Hostile and broken files: each is refused with one plain sentence, or read with every line accounted for."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pytest

from dashboard.core.csvfile import ImportOptions, UnusableFile, parse_file, safe_file_name
from dashboard.core.csvfile.decode import MAX_BYTES

TZ = "America/New_York"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
GOOD = "time,hr\n2026-11-02 09:00,70\n"


def parse(data: str | bytes, name: str = "vitals.csv", **options):
    options.setdefault("tz", TZ)
    options.setdefault("session", "S-0001")
    options.setdefault("now", NOW)
    return parse_file(data.encode("utf-8") if isinstance(data, str) else data, ImportOptions(**options),
                      file_name=name)


def refused(data, words: str, **options) -> None:
    with pytest.raises(UnusableFile) as error:
        parse(data, **options)
    message = str(error.value)
    assert words in message, message
    assert "\n" not in message and "Traceback" not in message


def accounted(parsed) -> None:
    """Every line read is accepted or rejected; a rejected line has a problem and nothing of it is stored."""
    assert parsed.rows_accepted + parsed.rows_rejected == parsed.rows_read
    rejected = set(parsed.lines[parsed.rejected].tolist())
    listed = {p.line for p in parsed.problems}
    assert listed <= set(parsed.lines.tolist())
    if parsed.problems_total == len(parsed.problems):  # every problem listed
        assert rejected <= listed
        assert listed - rejected <= set(parsed.readings["source_line"])  # a line with a problem, partly kept
    assert not set(parsed.readings["source_line"]) & rejected


@pytest.mark.parametrize("data, words", [
    (b"", "the file is empty"),
    (b"   \n\r\n\t\n", "the file is empty"),
    (b"\xef\xbb\xbf", "the file is empty"),  # a BOM and nothing else
    ("time,hr\n", "header but no rows"),
    ("time,hr\n\n\n,\n", "header but no rows"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not a text file"),
    (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 4, "not a text file"),  # an .xlsx is a zip
    (b"time,hr\n2026-11-02 09:00,7\x000\n", "not a text file"),  # one NUL is enough
    ("just a sentence of words\nand another one\n", "not a table"),
    ('{"time": "2026-11-02T09:00", "hr": 70}\n', "no vital-sign column"),
    ("<html><body><table><tr><td>hr</td></tr></table></body></html>\n", "not a table"),
    ("hr,spo2\n70,98\n", "no time column"),
    ("time,note\n2026-11-02 09:00,hello\n", "no vital-sign column"),
    ("date,hr\n2026-11-02,70\n", "no time column"),
    ("time,hr\n09:10,70\n", "have no date"),
])
def test_files_that_cannot_be_used_are_refused_with_one_sentence(data, words):
    refused(data, words)


def test_random_bytes_are_refused():
    rng = np.random.default_rng(7)
    refused(rng.integers(1, 256, 20_000, dtype=np.uint8).tobytes(), "not a text file")


def test_a_file_over_60_mb_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "huge.csv"
    with big.open("wb") as handle:  # sparse: no time spent writing 61 MB
        handle.write(GOOD.encode())
        handle.truncate(MAX_BYTES + 1)
    with pytest.raises(UnusableFile) as error:
        parse_file(big, ImportOptions(tz=TZ, session="S-0001"))
    assert "the limit is 60 MB" in str(error.value)  # refused for its size, not for the NUL bytes read


def test_a_50_mb_file_is_read_with_every_line_counted(tmp_path):
    rows = 1_150_000
    stamps = np.datetime64("2026-11-02T09:00") + np.arange(rows).astype("timedelta64[s]")
    path = tmp_path / "big.csv"
    with path.open("w") as handle:
        handle.write("session_id,timestamp,sbp,dbp,map,hr,spo2,rr,temp_c,note\n")
        handle.write("\n".join(f"S-0001,{t},128,82,,74,98,14,," for t in np.datetime_as_string(stamps)) + "\n")
    size = path.stat().st_size
    assert 50 * 10**6 < size < MAX_BYTES, size
    parsed = parse_file(path, ImportOptions(tz=TZ, now=NOW))
    assert parsed.rows_read == rows and parsed.rows_accepted == rows and len(parsed.readings) == rows
    assert parsed.readings["measured_at"].is_monotonic_increasing


def test_a_line_with_10000_columns_is_rejected_and_the_others_kept():
    text = "time,hr\n2026-11-02 09:00,70\n2026-11-02 09:01," + ",".join(["1"] * 10_000) + "\n2026-11-02 09:02,72\n"
    parsed = parse(text)
    accounted(parsed)
    assert parsed.readings["hr"].tolist() == [70, 72] and parsed.rows_rejected == 1
    assert "this line has 10001 values but the header has 2 columns" in parsed.problems[0].reason


def test_a_header_with_10000_columns_still_finds_its_vitals():
    names = [f"x{i}" for i in range(10_000)]
    text = ",".join(names + ["time", "hr"]) + "\n" + ",".join(["1"] * 10_000 + ["2026-11-02 09:00", "70"]) + "\n"
    parsed = parse(text)
    assert parsed.readings["hr"].tolist() == [70]


def test_formula_text_in_a_note_is_kept_as_text_and_neutralised_in_downloads():
    parsed = parse('time,hr,note\n2026-11-02 09:00,70,"=HYPERLINK(""http://evil.example"",""click"")"\n'
                   '2026-11-02 09:01,999,@SUM(A1:A9)\n')
    assert parsed.readings["note"].tolist() == ['=HYPERLINK("http://evil.example","click")']
    assert parsed.rejected_rows()["note"].tolist() == ["'@SUM(A1:A9)"]


@pytest.mark.parametrize("name, safe", [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\Windows\\system32\\vitals.csv", "vitals.csv"),
    ("C:\\Users\\nurse\\Desktop\\chair 3.csv", "chair 3.csv"),
    ("/dev/null", "null"),
    ("vitals\n\r\x1b[31m.csv", "vitals[31m.csv"),
    ("..", "upload.csv"),
    ("", "upload.csv"),
    ("a" * 400 + ".csv", "a" * 255),
])
def test_path_like_file_names_keep_only_a_harmless_last_part(name, safe):
    assert safe_file_name(name) == safe
    assert parse(GOOD, name=name).file_name == safe


def test_mixed_encodings_in_one_file_are_each_read():
    data = "time,hr,note\n2026-11-02 09:00,70,Café\n".encode("utf-8") + "2026-11-02 09:01,71,naïve\n".encode("cp1252")
    parsed = parse(data)
    assert parsed.readings["note"].tolist() == ["Café", "naïve"] and parsed.encoding.startswith("mixed")


def test_utf16_spreadsheet_text_is_read():
    parsed = parse("time\thr\n2026-11-02 09:00\t70\n".encode("utf-16"))
    assert parsed.readings["hr"].tolist() == [70] and parsed.encoding.startswith("UTF-16")


def test_duplicate_headers_use_the_first_and_say_so():
    parsed = parse("time,hr,hr\n2026-11-02 09:00,70,80\n")
    assert parsed.readings["hr"].tolist() == [70]
    assert [what for column, what in parsed.mapping.describe()][2].startswith("not imported: also looks like")


def test_an_unclosed_quote_is_named_on_its_line():
    parsed = parse('time,hr,note\n2026-11-02 09:00,70,ok\n2026-11-02 09:01,71,"never closed\n2026-11-02 09:02,72,x\n')
    accounted(parsed)
    assert parsed.readings["hr"].tolist() == [70]
    assert parsed.problems[0].line == 3 and "never closed" in parsed.problems[0].reason


def test_a_huge_note_is_rejected_not_stored():
    parsed = parse("time,hr,note\n2026-11-02 09:00,70," + "x" * 100_000 + "\n")
    assert parsed.rows_rejected == 1 and "100,000 characters long" in parsed.problems[0].reason


def test_numbers_that_are_not_plausible_readings():
    parsed = parse("time,hr\n2026-11-02 09:00,1e308\n2026-11-02 09:01,inf\n2026-11-02 09:02,-70\n"
                   "2026-11-02 09:03,0x46\n2026-11-02 09:04,7O\n")
    accounted(parsed)
    assert parsed.rows_accepted == 0 and len(parsed.problems) == 5


def test_a_five_digit_year_is_not_a_time():
    parsed = parse("time,hr\n20266-11-02 09:00,70\n2026-11-02 09:00,71\n")
    assert parsed.rows_rejected == 1 and "is not a date and time" in parsed.problems[0].reason


def test_short_lines_are_padded_and_lines_of_only_separators_skipped():
    parsed = parse("time,hr,spo2\n2026-11-02 09:00,70\n,,\n2026-11-02 09:01,71,97\n")
    accounted(parsed)
    assert parsed.rows_read == 2 and parsed.readings["spo2"].isna().tolist() == [True, False]


def test_a_formula_as_session_code_is_only_data():
    parsed = parse("session_id,time,hr\n=cmd|' /C calc'!A0,2026-11-02 09:00,70\n", session=None)
    assert parsed.readings["session"].astype(str).tolist() == ["=cmd|' /C calc'!A0"]


def test_control_characters_in_a_note_do_not_make_it_binary():
    parsed = parse("time,hr,note\n2026-11-02 09:00,70,\x1b[31mred\x1b[0m\n")
    assert parsed.readings["note"].tolist() == ["\x1b[31mred\x1b[0m"]


def test_a_mapping_naming_a_missing_column_or_field_is_refused():
    refused(GOOD, "'nope' that is not in the file", mapping={"hr": "nope"})
    refused(GOOD, "unknown field 'pulse_ox'", mapping={"pulse_ox": "hr"})


def test_old_mac_line_ends():
    parsed = parse("time,hr\r2026-11-02 09:00,70\r2026-11-02 09:01,71\r")
    assert parsed.readings["hr"].tolist() == [70, 71] and parsed.dialect.line_ends == "CR"


def test_a_device_export_with_bom_semicolons_crlf_metadata_and_decimal_commas():
    text = ("\ufeffMonitor;Philips\r\nBed;4\r\n\r\nZeit;NBP-S;NBP-D;HF;SpO2;Temp\r\n"
            "02.11.2026 09:00;128;82;74;98;36,8\r\n02.11.2026 09:05;128;82;75;97;36,9\r\n")
    parsed = parse(text, dayfirst=True)
    accounted(parsed)
    assert parsed.dialect.header_line == 4 and parsed.readings["temp_c"].tolist() == [36.8, 36.9]
    assert parsed.counts["held_repeats"] == 1  # the cuff held from 09:00
    assert parsed.readings["source_line"].tolist() == [5, 6]


def test_thousands_of_problems_are_all_counted_but_the_list_is_bounded():
    text = "time,hr\n" + "".join(f"2026-11-02 {9 + i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d},999\n"
                                 for i in range(5_000))
    parsed = parse(text)
    accounted(parsed)
    assert parsed.rows_rejected == 5_000 and parsed.problems_total == 5_000
    assert len(parsed.problems) == 1_000 and [p.line for p in parsed.problems] == list(range(2, 1_002))
    assert parsed.problems_by_reason == {"outside_possible_range": 5_000}
    assert parsed.rejected_csv().count("\n") == 5_001  # every rejected line is in the file, with its reason


def test_blank_lines_between_rows_keep_physical_line_numbers():
    parsed = parse("time,hr\n\n2026-11-02 09:00,70\n\n\n2026-11-02 09:01,400\n")
    assert parsed.problems[0].line == 6 and parsed.readings["source_line"].tolist() == [3]


def test_garbage_in_every_column_is_named_line_by_line():
    parsed = parse("time,sbp,dbp,hr\nyesterday,high,low,fast\n2026-11-02 09:00,120,80,70\n")
    accounted(parsed)
    assert {p.column for p in parsed.problems} == {"time", "sbp", "dbp", "hr"}
    assert parsed.rows_accepted == 1


def test_a_stream_over_the_limit_is_refused():
    class Endless:
        name = "stream.csv"

        def read(self, size=-1):
            return b"x" * size

    with pytest.raises(UnusableFile, match="the limit is 60 MB"):
        parse_file(Endless(), ImportOptions(tz=TZ, session="S-0001"))
