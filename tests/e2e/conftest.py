"""Browser-test fixtures: a real `streamlit run` server on a seeded SQLite file, and Debian's chromium."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
NURSE = ("nurse.e2e", "e2e password 123")


expect.set_options(timeout=45_000)  # waits, not limits: a cold server on a busy 2-core machine can take long


def pytest_collection_modifyitems(items):
    for item in items:
        if ROOT / "tests" / "e2e" in item.path.resolve().parents:
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_server(tmp_path_factory):
    """Base URL of the app, with the sample sessions and one nurse account (NURSE)."""
    tmp = tmp_path_factory.mktemp("e2e")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'e2e.db'}", "SIGNIN_FAILURE_DELAY_S": "0"}
    for command in (["seed"], ["users", "add", NURSE[0], "--role", "nurse", "--full-name", "E2E Nurse",
                               "--password-stdin"]):
        done = subprocess.run([sys.executable, "-m", "dashboard", *command], cwd=ROOT, env=env,
                              input=NURSE[1] + "\n", text=True, capture_output=True)
        if done.returncode:
            pytest.fail(f"python -m dashboard {' '.join(command)} failed:\n{done.stdout}{done.stderr}"[-3000:])
    port = _free_port()
    log = open(tmp / "server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).status == 200:
                break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            server.wait()
            log.close()
            pytest.fail("the app did not start:\n" + (tmp / "server.log").read_text()[-3000:])
        time.sleep(0.25)
    yield base
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = "browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(45_000)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, base: str) -> None:
    page.goto(base)
    page.get_by_role("textbox", name="Username", exact=True).fill(NURSE[0])
    page.get_by_role("textbox", name="Password", exact=True).fill(NURSE[1])
    page.get_by_role("button", name="Sign in").click()


def open_new_session(page, patient_code: str) -> None:
    """On the Record page: register a patient by clinic code and open a session for today."""
    expect(page.get_by_role("heading", name="Record vitals")).to_be_visible()
    settle(page)  # a rerun still drawing the page would close the panel and drop what was typed
    heading = page.get_by_role("heading", name=re.compile(re.escape(patient_code)))
    for attempt in range(3):
        if attempt == 0 or not _choose_session(page, patient_code):
            _submit_new_session(page, patient_code)
        try:
            expect(heading).to_be_visible(timeout=15_000)
            return
        except AssertionError:  # a rerun under way dropped the typed code or the choice of the new session
            settle(page)
    expect(heading).to_be_visible()


def _submit_new_session(page, patient_code: str) -> None:
    form = page.get_by_test_id("stForm").filter(has_text="Create session")
    if not form.get_by_role("button", name="Create session").is_visible():
        page.get_by_text("New patient or session").click()
    code = page.get_by_role("textbox", name="…or new patient clinic code", exact=True)
    code.fill(patient_code)
    expect(code).to_have_value(patient_code)
    settle(page)
    page.get_by_role("button", name="Create session").click()


def _choose_session(page, patient_code: str) -> bool:
    """Choose the patient's session if it was created but not chosen; False when there is none yet."""
    page.get_by_role("combobox", name="Session", exact=True).click()
    option = page.get_by_role("option", name=re.compile(re.escape(patient_code)))
    if option.count():
        option.first.click()
        settle(page)
        return True
    page.keyboard.press("Escape")
    return False


# --- accounts, roles and accessibility -------------------------------------------------------------------
ROLE_ACCOUNTS = {role: (f"{role}.e2e", f"e2e {role} password 1") for role in ("nurse", "supervisor", "trainer",
                                                                               "trainee", "admin")}
SETUP_CODE = re.compile(r"first-time set-up code: ([0-9a-f]+)")
PATIENT_MS = 60_000  # waits on a machine shared with other test runs: readiness only, never a measured time


def _wait_healthy(base: str, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).status == 200:
                return
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            server.wait()
            pytest.fail("the app did not start:\n" + log_path.read_text()[-3000:])
        time.sleep(0.25)


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()


@pytest.fixture(scope="module")
def fresh_server(tmp_path_factory):
    """(base URL, console log path) of `python -m dashboard run` on an empty database: no account yet."""
    tmp = tmp_path_factory.mktemp("fresh")
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'fresh.db'}", "SIGNIN_FAILURE_DELAY_S": "0",
           "STREAMLIT_SERVER_ADDRESS": "127.0.0.1", "STREAMLIT_SERVER_HEADLESS": "true"}
    env.pop("IV_SETUP_CODE", None)
    log_path = tmp / "console.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen([sys.executable, "-m", "dashboard", "run", "--no-samples", "--port", str(port)],
                                  cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    _wait_healthy(base, server, log_path)
    yield base, log_path
    _stop(server)


@pytest.fixture(scope="module")
def roles_server(tmp_path_factory):
    """Base URL of the app with the sample sessions and one account of each role (ROLE_ACCOUNTS)."""
    tmp = tmp_path_factory.mktemp("roles")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'roles.db'}", "SIGNIN_FAILURE_DELAY_S": "0"}
    commands = [(["seed"], "")] + [(["users", "add", name, "--role", role, "--full-name", f"E2E {role}",
                                     "--password-stdin"], password + "\n")
                                    for role, (name, password) in ROLE_ACCOUNTS.items()]
    for command, given in commands:
        done = subprocess.run([sys.executable, "-m", "dashboard", *command], cwd=ROOT, env=env, input=given,
                              text=True, capture_output=True)
        if done.returncode:
            pytest.fail(f"python -m dashboard {' '.join(command)} failed:\n{done.stdout}{done.stderr}"[-3000:])
    port = _free_port()
    log_path = tmp / "server.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    _wait_healthy(base, server, log_path)
    yield base
    _stop(server)


def printed_setup_code(log_path: Path) -> str:
    """The set-up code as the server printed it on its console (waits for the line to appear)."""
    deadline = time.monotonic() + 30
    while not (found := SETUP_CODE.search(log_path.read_text())):
        if time.monotonic() > deadline:
            pytest.fail("no set-up code on the console:\n" + log_path.read_text()[-3000:])
        time.sleep(0.2)
    return found.group(1)


def sign_in_as(page, base: str, role: str, path: str = "") -> None:
    """Sign in with ROLE_ACCOUNTS[role], starting from base/path; waits until the signed-in sidebar shows."""
    username, password = ROLE_ACCOUNTS[role]
    page.goto(f"{base}/{path}")
    page.get_by_role("textbox", name="Username", exact=True).fill(username)
    page.get_by_role("textbox", name="Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"E2E {role}").first).to_be_visible(timeout=PATIENT_MS)


def settle(page) -> None:
    """Wait until the app has finished its rerun (Streamlit's status widget says nothing is running)."""
    page.wait_for_function("() => !Array.from(document.querySelectorAll('[data-testid=stStatusWidget]'))"
                           ".some(e => /Running/.test(e.innerText || ''))", timeout=PATIENT_MS)


def sidebar_pages(page) -> list[str]:
    links = page.locator("[data-testid='stSidebarNav'] a")
    expect(links.first).to_be_visible(timeout=PATIENT_MS)
    return [name.strip().splitlines()[-1] for name in links.all_inner_texts()]
