"""Two app servers on one PostgreSQL, as a clinic runs them: a reading typed through one appears on the other's
Board by itself (the tiles refresh every few seconds), and a tile opens its session."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from dashboard.core.clock import today_in
from dashboard.store.db import dispose
from tests.e2e.conftest import NURSE, PATIENT_MS, ROOT, _free_port, _stop, _wait_healthy, settle


@pytest.fixture(scope="module")
def two_servers(pg_cluster, tmp_path_factory):
    """Base URLs of two `streamlit run` servers on one PostgreSQL database holding one nurse, three chairs and
    S-0001 infusing in Chair 2 with no reading yet."""
    tmp = tmp_path_factory.mktemp("two")
    url = pg_cluster.create_database("e2e_board")
    env = {**os.environ, "DATABASE_URL": url, "SIGNIN_FAILURE_DELAY_S": "0", "CLINIC_TZ": "America/New_York"}
    steps = [(["users", "add", NURSE[0], "--role", "nurse", "--full-name", "E2E Nurse", "--password-stdin"],
              NURSE[1] + "\n")]
    steps += [(["chairs", "add", name], "") for name in ("Chair 1", "Chair 2", "Chair 3")]
    steps += [(["sessions", "open", "S-0001", "--patient", "P-BOARD", "--new-patient", "--date",
                today_in("America/New_York").isoformat()], ""),
              (["sessions", "start", "S-0001", "--chair", "Chair 2"], "")]
    for command, given in steps:
        done = subprocess.run([sys.executable, "-m", "dashboard", *command], cwd=ROOT, env=env, input=given,
                              text=True, capture_output=True)
        if done.returncode:
            pytest.fail(f"python -m dashboard {' '.join(command)} failed:\n{done.stdout}{done.stderr}"[-3000:])
    servers, bases = [], []
    for name in ("a", "b"):
        port, log_path = _free_port(), tmp / f"server_{name}.log"
        with open(log_path, "w") as log:
            servers.append(subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.headless", "true",
                 "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
        bases.append(f"http://127.0.0.1:{port}")
        _wait_healthy(bases[-1], servers[-1], log_path)
    yield bases
    for server in servers:
        _stop(server)
    dispose(url)
    pg_cluster.drop_database("e2e_board")


def signed_in(browser, base: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(PATIENT_MS)
    page = context.new_page()
    page.goto(base)
    page.get_by_role("textbox", name="Username", exact=True).fill(NURSE[0])
    page.get_by_role("textbox", name="Password", exact=True).fill(NURSE[1])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Record vitals")).to_be_visible()
    return context, page


def open_board(page) -> None:
    page.locator("[data-testid='stSidebarNav'] a").filter(has=page.get_by_text("Board", exact=True)).click()
    expect(page.get_by_role("heading", name="Board")).to_be_visible()
    settle(page)


def test_an_entry_through_one_server_appears_on_the_other_servers_board_by_itself(two_servers, browser):
    base_a, base_b = two_servers
    watch_context, watcher = signed_in(browser, base_b)  # the charge nurse's screen, on server B
    open_board(watcher)
    tile = watcher.locator(".st-key-tile_1")
    expect(tile.get_by_text("Chair 2", exact=False).first).to_be_visible()
    expect(tile.get_by_text("no readings yet")).to_be_visible()
    watcher.evaluate("() => { window.__notReloaded = true }")

    entry_context, nurse = signed_in(browser, base_a)  # a nurse at the chair, on server A
    open_board(nurse)
    nurse.get_by_role("button", name="Open S-0001").click()  # a tile opens its session
    expect(nurse.get_by_role("heading", name=re.compile("S-0001"))).to_be_visible()
    settle(nurse)
    nurse.get_by_role("textbox", name="Systolic (mmHg)", exact=True).fill("187")
    nurse.get_by_role("textbox", name="Diastolic (mmHg)", exact=True).fill("96")
    nurse.get_by_role("textbox", name="Heart rate (/min)", exact=True).fill("101")
    nurse.get_by_role("button", name="Save reading").click()
    expect(nurse.get_by_text(re.compile(r"Reading at \d\d:\d\d:\d\d saved"))).to_be_visible()

    # Nobody touches the watching screen: its tiles refresh by themselves (every 5 s) from the database.
    expect(tile.get_by_text(re.compile(r"BP 187/96 · HR 101"))).to_be_visible()
    expect(tile.get_by_text("High alert")).to_be_visible()
    expect(tile.get_by_text("1 alert waiting for acknowledgement")).to_be_visible()
    assert watcher.evaluate("() => window.__notReloaded === true")  # the same page, never reloaded
    watch_context.close()
    entry_context.close()
