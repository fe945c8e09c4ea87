"""The Import page under AppTest: upload, preview with mapping and problems, settings asked for, commit."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.core.clock import utcnow
from dashboard.core.roles import Actor
from dashboard.store import audit
from dashboard.store import readings as store_readings
from dashboard.store import sessions as store_sessions
from tests.ui.helpers import VIEWS, button, errors, open_app


@pytest.fixture
def app_database(database_url):
    """This page's tests run on SQLite and on PostgreSQL."""
    return database_url


PAGE = str(VIEWS / "import_vitals.py")


def ago(minutes: int) -> str:
    return (utcnow() - timedelta(minutes=minutes)).replace(microsecond=0).isoformat()


def template(*rows: str) -> bytes:
    return ("session_id,timestamp,sbp,dbp,map,hr,spo2,rr,temp_c,note\n" + "".join(r + "\n" for r in rows)).encode()


def import_page(role: str = "nurse") -> AppTest:
    at = open_app(role=role, user="ana" if role == "nurse" else f"{role}1")
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.get("file_uploader")[0].set_value((name, data, "text/csv"))
    return at.run()


def table(at: AppTest, column: str):
    """The table on the page that has this column (mapping, problems or readings)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def texts(at: AppTest) -> str:
    return " ".join(str(e.value) for kind in ("markdown", "caption", "warning", "success", "info", "error")
                    for e in at.get(kind)).replace("\\", "")


def test_a_nurse_uploads_previews_and_commits(app_env, today_session):
    at = import_page()
    assert any(b.label == "Download the template CSV" for b in at.get("download_button"))
    upload(at, "chair 3.csv", template(f"S-0001,{ago(30)},128,82,,74,98,14,,baseline",
                                       f"S-0001,{ago(20)},141,88,,81,97,15,,infusion start",
                                       f"S-0001,{ago(10)},120,150,,,,,,typo"))
    assert not at.exception
    assert metrics(at) == {"Rows read": "3", "Accepted": "2", "Rejected": "1", "Readings to store": "2",
                           "Already stored": "0"}
    problems = table(at, "Reason")
    assert problems.iloc[0]["Line"] == 4 and problems.iloc[0]["Reason"] == "diastolic 150 is not below systolic 120"
    assert any(b.label.startswith("Download the rejected rows") for b in at.get("download_button"))
    readings = table(at, "SBP")
    assert readings["SBP"].tolist() == ["128", "141"] and readings["MAP"].iloc[0] == "97.3 (calc.)"
    assert store_readings.session_readings(app_env, today_session).empty  # nothing before Commit

    button(at, "Commit: store 2 readings").click().run()
    assert not at.exception
    assert any("2 readings stored" in s.value for s in at.success)
    stored = store_readings.session_readings(app_env, today_session)
    assert stored["sbp"].tolist() == [128, 141] and set(stored["source_file"]) == {"chair 3.csv"}
    assert stored["source_line"].tolist() == [2, 3] and set(stored["entered_by"]) == {"ana"}
    assert json.loads(audit.entries(app_env, action="import.commit")["after"].iloc[0])["readings_stored"] == 2
    assert metrics(at)["Already stored"] == "2" and metrics(at)["Readings to store"] == "0"  # a re-import adds nothing


def test_a_file_without_session_column_asks_for_the_session(app_env, today_session):
    at = import_page()
    upload(at, "monitor.csv", f"time,HR,SpO2\n{ago(15)},72,98\n{ago(14)},0,97\n".encode())
    assert any("One more setting is needed" in w.value and "choose the session" in w.value for w in at.warning)
    assert not [b for b in at.button if b.label.startswith("Commit")]
    at.selectbox(key="imp_session").set_value("S-0001").run()
    assert metrics(at)["Readings to store"] == "2"
    assert "1 zero value(s) read as sensor off" in texts(at)
    button(at, "Commit: store 2 readings").click().run()
    stored = store_readings.session_readings(app_env, today_session)
    assert stored["spo2"].tolist() == [98, 97] and stored["hr"].tolist()[0] == 72 and stored["hr"].isna().tolist()[1]


def test_the_day_month_order_is_asked_for_when_dates_cannot_tell(app_env, today_session):
    days = (utcnow().date() - timedelta(days=k) for k in range(1, 60))
    day = next(d for d in days if d.day <= 12 and d.day != d.month)  # 05/03 could be either
    patient = store_sessions.find_patient(app_env, "P-2001")
    store_sessions.create_session(app_env, patient, day, by="setup", protocol="test", code="S-DM")
    at = import_page()
    upload(at, "sheet.csv", f"Date,Time,BP,Pulse\n{day:%d/%m/%Y},09:10,128/82,70\n".encode())
    at.selectbox(key="imp_session").set_value("S-DM").run()
    assert any("set the day/month order" in w.value for w in at.warning)
    at.radio(key="imp_order").set_value("dayfirst").run()
    assert metrics(at)["Readings to store"] == "1"
    assert table(at, "SBP")["Time"].tolist() == [f"{day:%Y-%m-%d} 09:10:00"]


def test_changing_the_mapping_changes_the_preview(app_env, today_session):
    at = import_page()
    upload(at, "monitor.csv", f"time,PULSE,HR\n{ago(15)},88,70\n".encode())
    at.selectbox(key="imp_session").set_value("S-0001").run()
    assert table(at, "SBP")["HR"].tolist() == ["70"]
    at.selectbox(key="imp_map_hr").set_value("PULSE").run()
    assert table(at, "SBP")["HR"].tolist() == ["88"]
    columns = dict(table(at, "Column in the file").values)
    assert columns["PULSE"] == "Heart rate" and columns["HR"].startswith("not imported")


def test_an_unusable_file_is_named_and_nothing_can_be_committed(app_env, today_session):
    at = import_page()
    upload(at, "photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert any("cannot be imported: this is not a text file" in e for e in errors(at))
    assert not [b for b in at.button if b.label.startswith("Commit")]


def test_text_from_the_file_is_never_run_as_markdown(app_env, today_session):
    at = import_page()
    name = "**bold** [click](evil).csv"
    upload(at, name, template(f"S-0001,{ago(5)},128,82,,74,98,14,,**loud** <b>x</b> [y](http://evil)"))
    assert not at.exception
    caption = next(c.value for c in at.caption if "bold" in c.value)
    assert "\\*\\*bold\\*\\*" in caption and "\\[click\\]" in caption
    assert table(at, "SBP")["Note"].iloc[0] == "**loud** <b>x</b> [y](http://evil)"


@pytest.mark.parametrize("role", ["admin", "trainer"])
def test_roles_that_may_not_write_readings_cannot_open_it(app_env, role):
    at = open_app(role=role, user=f"{role}1")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)
    direct = AppTest.from_file(PAGE, default_timeout=60)
    direct.session_state["actor"] = Actor(f"{role}1", role)
    direct.run()
    assert any("does not give access" in e for e in errors(direct)) and not direct.get("file_uploader")


def test_a_long_file_is_previewed_by_its_first_1000_lines_and_committed_whole(app_env, today_session):
    at = import_page()
    rows = [f"S-0001,{(utcnow() - timedelta(minutes=90) + timedelta(seconds=4 * i)).replace(microsecond=0).isoformat()},"
            f"{'400' if i == 1_100 else '120'},80,,72,98,14,," for i in range(1_200)]
    upload(at, "long.csv", template(*rows))
    assert metrics(at)["Rows read"] == "1,000" and "preview: only the first 1,000 lines were read" in texts(at)
    assert store_readings.session_readings(app_env, today_session).empty
    button(at, "Commit: read the whole file and store its readings").click().run()
    assert not at.exception
    assert any("1,200 readings stored" in s.value for s in at.success)
    stored = store_readings.session_readings(app_env, today_session)
    assert len(stored) == 1_200 and stored["sbp"].isna().sum() == 1  # line 1,102's BP rejected, its HR kept
