"""A throwaway PostgreSQL cluster on a free loopback port (or TEST_POSTGRES_URL's server), for tests and benchmarks."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

SETTINGS = ("-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={dir} "
            "-c max_connections=200")
# Throwaway data need not survive a crash; a figure of many writers commits as a clinic's server does (durable=True).
NOT_DURABLE = " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"


class PostgresUnavailable(RuntimeError):
    """PostgreSQL was found but could not be started or reached."""


class PostgresNotFound(PostgresUnavailable):
    """No PostgreSQL server binaries here (or no 'postgres' account to run them as root)."""


def find_bin_dir() -> Path:
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    found = [p for p in found if p.split("/")[4].isdigit()]
    if found:
        return Path(max(found, key=lambda p: int(p.split("/")[4]))).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PostgresNotFound("PostgreSQL server binaries (initdb, pg_ctl) are not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgCluster:
    """Started on creation; stop() ends it and removes its files. Also a context manager.

    With TEST_POSTGRES_URL set (an existing server's superuser URL) nothing is started:
    databases are made there, and stop() drops the ones this object created.
    durable: fsync and synchronous commit on, as a clinic's server runs (a started cluster only).
    """

    def __init__(self, admin_url: str | None = None, *, durable: bool = False) -> None:
        admin_url = admin_url if admin_url is not None else os.environ.get("TEST_POSTGRES_URL") or None
        self._created: list[str] = []
        self._durable = durable
        self._watchdog: subprocess.Popen | None = None
        self.dir: Path | None = None
        if admin_url:
            self._admin = make_url(admin_url)
            self.port = self._admin.port or 5432
            self._wait(self.dsn(self._admin.database or "postgres"), timeout=10)
            return
        self.bin = find_bin_dir()
        self._as_postgres = os.geteuid() == 0  # initdb refuses to run as root
        if self._as_postgres:
            try:
                self._account = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresNotFound("running as root but there is no 'postgres' account to run initdb as") from None
        self.dir = Path(tempfile.mkdtemp(prefix="iv-pg-"))
        try:
            self._start()
        except BaseException:
            try:
                self.stop()
            except PostgresUnavailable:
                pass  # the original error says more
            raise

    def _start(self) -> None:
        if self._as_postgres:
            os.chown(self.dir, self._account.pw_uid, self._account.pw_gid)
        self.data = self.dir / "data"
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        for attempt in range(3):  # the free port may be taken before the server binds it
            self.port = _free_port()
            self._admin = make_url(f"postgresql://postgres@127.0.0.1:{self.port}/postgres")
            try:
                self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "-t", "60", "start",
                          "-o", SETTINGS.format(port=self.port, dir=self.dir) + ("" if self._durable else NOT_DURABLE))
                break
            except PostgresUnavailable:
                if attempt == 2:
                    raise
        self._watchdog = self._start_watchdog()
        self._wait(self.dsn("postgres"), timeout=30)

    def _command(self, tool: str, *args: str) -> list[str]:
        command = [str(self.bin / tool), *args]
        return ["runuser", "-u", "postgres", "--", *command] if self._as_postgres else command

    def _run(self, tool: str, *args: str) -> None:
        # cwd: the postgres account may not be allowed into the caller's working directory
        result = subprocess.run(self._command(tool, *args), capture_output=True, text=True, cwd=self.dir)
        if result.returncode:
            log = self.dir / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise PostgresUnavailable(f"{tool} failed: {result.stderr.strip()}\n{tail}")

    def _start_watchdog(self) -> subprocess.Popen:
        """Stops the server if this process dies without calling stop() (killed run, os._exit on timeout)."""
        stop = " ".join(f"'{part}'" for part in self._command("pg_ctl", "-D", str(self.data), "-m", "immediate",
                                                               "-w", "stop"))
        script = (f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 1; done; "
                  f"{stop} >/dev/null 2>&1; rm -rf '{self.dir}'")
        return subprocess.Popen(["sh", "-c", script], cwd=self.dir, start_new_session=True,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    @staticmethod
    def _wait(dsn: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg.connect(dsn, connect_timeout=2).close()
                return
            except psycopg.OperationalError as error:
                if time.monotonic() > deadline:
                    raise PostgresUnavailable(f"PostgreSQL does not accept connections: {error}") from error
                time.sleep(0.2)

    def dsn(self, dbname: str) -> str:
        """A libpq/psycopg connection string for dbname."""
        return self._admin.set(drivername="postgresql", database=dbname).render_as_string(hide_password=False)

    def url(self, dbname: str) -> str:
        """A SQLAlchemy URL for dbname."""
        return self._admin.set(drivername="postgresql+psycopg", database=dbname).render_as_string(hide_password=False)

    def execute(self, statement: str | sql.Composable) -> None:
        with psycopg.connect(self.dsn(self._admin.database or "postgres"), autocommit=True) as conn:
            conn.execute(statement)

    def create_database(self, name: str, template: str | None = None) -> str:
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        self.execute(statement)
        self._created.append(name)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop name if it exists, closing any connections to it."""
        self.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if name in self._created:
            self._created.remove(name)

    def stop(self) -> None:
        """End the server and remove its files (idempotent); on TEST_POSTGRES_URL, drop what was created."""
        if self.dir is None:
            while self._created:
                self.drop_database(self._created[-1])
            return
        if not self.dir.exists():
            return
        try:
            if (self.dir / "data" / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop")
        finally:
            if self._watchdog is not None:
                self._watchdog.kill()
                self._watchdog.wait()
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> PgCluster:
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()
