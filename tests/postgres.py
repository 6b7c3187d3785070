"""A real PostgreSQL 15 cluster (Debian's binaries) for tests, removed without a trace.

``postgres_cluster()`` runs ``initdb`` and ``pg_ctl`` on a fresh temporary folder, listening
on a free loopback port (password logins, SCRAM) and on a Unix socket inside that folder
(logins without password, for the superuser's set-up work). PostgreSQL refuses to run as
root: under root the cluster runs as Debian's ``postgres`` user (through ``runuser``), which
owns the folder. On exit, also after a failure, the cluster is stopped (killed when it does
not stop) and the folder removed.

``cluster.create_database(role, name)`` makes a login role with a random password and a
database it owns, and returns a ``PostgresDatabase``: its URL without password (what
``stancepack serve --database`` takes) and the environment that gives the password
(``PGPASSWORD``), or a ``~/.pgpass`` line for it. ``postgres_database()`` is both at once,
for a module fixture::

    @pytest.fixture(scope="module")
    def database():
        require_postgres()
        with postgres_database() as created:
            yield created
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")
LOOPBACK = "127.0.0.1"
# The unprivileged account the cluster runs as when the tests run as root.
CLUSTER_USER = "postgres"
SUPERUSER = "postgres"
START_TIMEOUT = 60
# Test clusters trade durability for speed: nothing in them must survive a crash.
TEST_SETTINGS = {
    "listen_addresses": f"'{LOOPBACK}'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "50",
}


def postgres_missing_reason() -> str | None:
    """Why a cluster cannot be started here, or None when it can."""
    for program in ("initdb", "pg_ctl", "psql"):
        if not (POSTGRES_BIN / program).exists():
            return f"PostgreSQL 15 is not installed ({POSTGRES_BIN / program} is missing)"
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "runuser is missing: the cluster cannot run as an unprivileged user"
        try:
            pwd.getpwnam(CLUSTER_USER)
        except KeyError:
            return f"no {CLUSTER_USER!r} user to run the cluster as (tests run as root)"
    return None


def require_postgres() -> None:
    """Skip the calling test when no cluster can be started."""
    reason = postgres_missing_reason()
    if reason is not None:
        pytest.skip(reason)


@dataclass(frozen=True)
class PostgresDatabase:
    """A database of a test cluster and its login role."""

    host: str
    port: int
    role: str
    name: str
    password: str = field(repr=False)

    @property
    def url(self) -> str:
        """The database's URL without password."""
        return f"postgresql://{self.role}@{self.host}:{self.port}/{self.name}"

    def environment(self) -> dict[str, str]:
        """Variables that give libpq the password."""
        return {"PGPASSWORD": self.password}

    def pgpass_line(self) -> str:
        """The ``~/.pgpass`` line of this database (host:port:database:user:password)."""
        return f"{self.host}:{self.port}:{self.name}:{self.role}:{self.password}\n"

    def psql(self, sql: str) -> str:
        """Run ``sql`` as the role, over TCP with its password; unaligned rows, one a line."""
        result = subprocess.run(
            [str(POSTGRES_BIN / "psql"), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1",
             "-h", self.host, "-p", str(self.port), "-U", self.role, "-d", self.name,
             "-c", sql],
            env={"PATH": os.environ.get("PATH", ""), "PGPASSWORD": self.password},
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise AssertionError(f"psql as {self.role} failed: {result.stderr.strip()}")
        return result.stdout


@dataclass
class PostgresCluster:
    """A running test cluster: its folder, socket and port."""

    folder: Path
    port: int
    run_as: list[str]

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def socket_dir(self) -> Path:
        return self.folder / "socket"

    @property
    def log(self) -> Path:
        return self.folder / "postgres.log"

    def superuser_sql(self, sql: str) -> str:
        """Run ``sql`` as the superuser through the cluster's socket (read from stdin, so
        that no password in it shows in the process list)."""
        result = subprocess.run(
            [str(POSTGRES_BIN / "psql"), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1",
             "-h", str(self.socket_dir), "-p", str(self.port), "-U", SUPERUSER,
             "-d", "postgres"],
            input=sql, env={"PATH": os.environ.get("PATH", "")},
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise AssertionError(f"psql as {SUPERUSER} failed: {result.stderr.strip()}")
        return result.stdout

    def create_database(self, role: str, name: str) -> PostgresDatabase:
        """A new login role with a random password, and a new database it owns."""
        password = secrets.token_urlsafe(18)
        self.superuser_sql(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}';\n")
        self.superuser_sql(f'CREATE DATABASE "{name}" OWNER "{role}";\n')
        return PostgresDatabase(
            host=LOOPBACK, port=self.port, role=role, name=name, password=password
        )

    def run_as_owner(self, program: str, *arguments: str, timeout: float) -> None:
        """Run one of PostgreSQL's programs as the cluster's user, in the cluster's folder;
        a failure raises with the program's output."""
        result = subprocess.run(
            [*self.run_as, str(POSTGRES_BIN / program), *arguments],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout,
            cwd=self.folder, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            output = (result.stderr or result.stdout).strip()
            raise subprocess.CalledProcessError(result.returncode, program, output=output)

    def pg_ctl(self, *arguments: str, timeout: float = START_TIMEOUT) -> None:
        self.run_as_owner("pg_ctl", "-D", str(self.data), *arguments, timeout=timeout)


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def cluster_owner() -> tuple[list[str], int | None, int | None]:
    """The command prefix that runs a program as the cluster's user, and that user's ids
    (None when the tests already run as an unprivileged user)."""
    if os.geteuid() != 0:
        return [], None, None
    account = pwd.getpwnam(CLUSTER_USER)
    return ["runuser", "-u", CLUSTER_USER, "--"], account.pw_uid, account.pw_gid


def initialise(cluster: PostgresCluster) -> None:
    """initdb: a superuser reached through the socket without password; TCP with passwords."""
    cluster.run_as_owner(
        "initdb", "-D", str(cluster.data), "-U", SUPERUSER, "--auth-local=trust",
        "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
        timeout=120,
    )  # fmt: skip
    settings = {
        **TEST_SETTINGS,
        "port": str(cluster.port),
        "unix_socket_directories": f"'{cluster.socket_dir}'",
    }
    with (cluster.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
        conf.writelines(f"{name} = {value}\n" for name, value in settings.items())


def postmaster_pid(cluster: PostgresCluster) -> int | None:
    """The cluster's postmaster, from postmaster.pid; None when it is not running."""
    try:
        return int((cluster.data / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None


def wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def stop(cluster: PostgresCluster) -> None:
    """Stop the cluster (fast shutdown) and wait until its postmaster is gone; kill it when
    it does not stop (its other processes end with it)."""
    pid = postmaster_pid(cluster)
    if pid is None:
        return
    with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
        cluster.pg_ctl("stop", "-m", "fast", "-w", "-t", "30", timeout=40)
    if not wait_gone(pid, 10.0):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        wait_gone(pid, 10.0)


@contextlib.contextmanager
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A running PostgreSQL 15 cluster on a loopback port, stopped and removed on exit."""
    run_as, uid, gid = cluster_owner()
    folder = Path(tempfile.mkdtemp(prefix="stancepack-pg-"))
    cluster = PostgresCluster(folder=folder, port=free_loopback_port(), run_as=run_as)
    try:
        cluster.socket_dir.mkdir(mode=0o700)
        if uid is not None and gid is not None:
            for path in (folder, cluster.socket_dir):
                os.chown(path, uid, gid)
        initialise(cluster)
        cluster.pg_ctl("start", "-w", "-t", str(START_TIMEOUT), "-l", str(cluster.log))
        yield cluster
    finally:
        try:
            stop(cluster)
        finally:
            shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def postgres_database(role: str = "stance", name: str = "stance") -> Iterator[PostgresDatabase]:
    """A database of its own test cluster: pass ``database.url`` to ``--database`` and
    ``database.environment()`` to the run; the cluster is removed on exit."""
    with postgres_cluster() as cluster:
        yield cluster.create_database(role, name)
