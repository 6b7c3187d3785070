"""The embedded default: a local Label Studio server, started and stopped by stancepack.

The server binds to 127.0.0.1 only, keeps SQLite and everything else it writes in one
data directory, and runs with a clean environment (its own HOME, no telemetry, no stray
variables). Instead of SQLite it can run on a PostgreSQL database (``ground.labelstudio.database``):
the data directory then records that database's URL (never its password) and keeps it, so
later starts, status and stop use it and another database is refused.

On the first start of a data directory an admin user is created with a random password and
a random API token, saved in ``credentials.json``. The token is never printed or logged.
The data directory is readable by its owner alone (mode 0700, also when it existed before),
and so are the files in it (0600): the SQLite database holds the token in plain text.

Functions here return data and raise ``ServerError``; ``stancepack serve`` prints.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from stancepack.ground.errors import LabelStudioError, ServerError
from stancepack.ground.labelstudio import database as postgres
from stancepack.ground.labelstudio.database import DatabaseUrl
from stancepack.ground.labelstudio.tokens import clean_token, redact

DATA_DIR_ENV = "STANCEPACK_DATA_DIR"
DEFAULT_DATA_DIR = Path(".stancepack") / "label-studio"
HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_TIMEOUT = 180.0
STOP_GRACE_SECONDS = 10.0
EXECUTABLE = "label-studio"
INSTALL_HINT = "pip install 'stancepack[server]'"
DEFAULT_EMAIL = "stancepack@localhost"

CREDENTIALS_FILE = "credentials.json"
PID_FILE = "server.pid"
LOG_FILE = "server.log"
LOCK_FILE = "server.lock"
HOME_DIR = "home"
DATABASE_FILE = "label_studio.sqlite3"
# Modes of the data directory and of the files in it: its owner's alone.
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
# What the server process creates (its database, exports, uploads) is its owner's alone.
SERVER_UMASK = 0o077
# A process id as the pid file holds it; Linux hands out none above 2**22.
PID_PATTERN = re.compile(r"[0-9]{1,7}")
MAX_PID = 1 << 22

# Variables passed through from the caller's environment; everything else is dropped, so
# that a stray USERNAME, PASSWORD, PORT or HOST cannot reach Label Studio's settings.
PASSED_VARIABLES = ("PATH", "LANG", "LANGUAGE", "TZ", "TMPDIR")
PASSED_PREFIXES = ("LC_",)
# Settings of the server process, whatever the caller's environment says.
FIXED_SETTINGS = {
    "PYTHONUNBUFFERED": "1",
    "SENTRY_DSN": "",
    "FRONTEND_SENTRY_DSN": "",
    "COLLECT_ANALYTICS": "false",
    "LATEST_VERSION_CHECK": "false",
    "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
}
# What Label Studio prints when it falls back to another port instead of failing.
PORT_FALLBACK_MARK = "is in use."
MIGRATION_MARK = "Initializing database"
# What a first start says while Label Studio creates its tables (measured on two cores).
MIGRATION_NOTE = "first start: creating the database (this takes about half a minute)"
MIGRATION_NOTE_POSTGRESQL = (
    "first start: creating the database on PostgreSQL (this takes a minute or two)"
)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Credentials:
    """The admin login and API token of a local server, as kept in credentials.json."""

    url: str
    email: str
    password: str = field(repr=False)
    token: str = field(repr=False)

    def to_json(self) -> str:
        data = {
            "email": self.email,
            "password": self.password,
            "token": self.token,
            "url": self.url,
        }
        return json.dumps(data, indent=2, sort_keys=True) + "\n"


@dataclass(frozen=True)
class ServerInfo:
    """Where a local server runs and how to log in; never holds the password or token."""

    url: str
    email: str
    pid: int
    data_dir: Path
    credentials_path: Path
    log_path: Path
    first_start: bool = False
    already_running: bool = False
    startup_seconds: float = 0.0
    database: DatabaseUrl | None = None


@dataclass(frozen=True)
class ServerStatus:
    """What the pid file of a data directory says, checked against the live system."""

    data_dir: Path
    pid: int | None
    url: str | None
    alive: bool
    answering: bool
    stale_pid: str | None = None
    database: DatabaseUrl | None = None

    @property
    def running(self) -> bool:
        return self.alive and self.answering


# Processes this Python process started, by pid, so they are waited for (no zombies, no
# "still running" warnings) however they are stopped.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


@dataclass
class RunningServer:
    """A server started by this process: its details and its process."""

    info: ServerInfo
    process: subprocess.Popen[bytes] = field(repr=False)

    def wait(self) -> int:
        """Wait until the server exits (or Ctrl-C / SIGTERM), stop it, return its exit code."""
        with sigterm_interrupts():
            try:
                code = self.process.wait()
            except KeyboardInterrupt:
                code = 0
            finally:
                self.stop()
        return code

    def stopped_cleanly(self, code: int) -> bool:
        """True for an exit asked for (Ctrl-C, SIGTERM, ``serve --stop``), not a crash."""
        return code in (0, -signal.SIGTERM, -signal.SIGINT)

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        if self.process.poll() is None:
            _terminate(self.info.pid, grace)
        _CHILDREN.pop(self.info.pid, None)
        _remove_pid_file(self.info.data_dir, self.info.pid)


# --- where things are -------------------------------------------------------------------


def resolve_data_dir(data_dir: str | Path | None = None) -> Path:
    """The data directory: the argument, else $STANCEPACK_DATA_DIR, else the default."""
    chosen = data_dir if data_dir not in (None, "") else os.environ.get(DATA_DIR_ENV) or None
    return Path(chosen or DEFAULT_DATA_DIR).expanduser().absolute()


def credentials_path(data_dir: Path) -> Path:
    return data_dir / CREDENTIALS_FILE


def find_label_studio(directories: Sequence[str | Path] | None = None) -> Path:
    """The ``label-studio`` executable: beside the running Python, else on PATH.

    ``directories`` replaces that search list (an empty folder finds nothing)."""
    if directories is None:
        path_dirs = os.environ.get("PATH", "").split(os.pathsep)
        directories = [Path(sys.executable).parent, *[d for d in path_dirs if d]]
    search = os.pathsep.join(str(directory) for directory in directories)
    found = shutil.which(EXECUTABLE, path=search) if search else None
    if found is None:
        raise ServerError(
            f"{EXECUTABLE} is not installed: install the server extra with {INSTALL_HINT}"
        )
    return Path(found)


# --- checks before starting -------------------------------------------------------------


def prepare_data_dir(data_dir: Path) -> None:
    """Create the data directory, or tighten an existing one, to be its owner's alone
    (0700, the files in it 0600), and check that files can be written in it."""
    try:
        data_dir.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        (data_dir / HOME_DIR).mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
        with tempfile.TemporaryFile(dir=data_dir):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ServerError(f"data directory {data_dir} is not writable ({reason})") from None
    make_private(data_dir)


def make_private(data_dir: Path) -> None:
    """Modes 0700 for the data directory and its home, 0600 for the files directly in it."""
    try:
        for folder in (data_dir, data_dir / HOME_DIR):
            os.chmod(folder, PRIVATE_DIR_MODE)
        for entry in data_dir.iterdir():
            if entry.is_file() and not entry.is_symlink():
                os.chmod(entry, PRIVATE_FILE_MODE)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ServerError(
            f"data directory {data_dir} cannot be made readable by its owner alone ({reason})"
        ) from None


def port_in_use(port: int, host: str = HOST) -> bool:
    """True when something listens on the port, or the port cannot be bound."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        if probe.connect_ex((host, port)) == 0:
            return True
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def check_port_free(port: int) -> None:
    if port_in_use(port):
        raise ServerError(
            f"port {port} on {HOST} is already in use; choose another one with --port"
        )


def free_port(host: str = HOST) -> int:
    """A port nothing listens on right now (the system picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def url_for(port: int) -> str:
    return f"http://{HOST}:{port}"


# --- credentials ------------------------------------------------------------------------


def new_credentials(url: str, email: str = DEFAULT_EMAIL) -> Credentials:
    """A random password and a random 40-hex-digit API token."""
    return Credentials(
        url=url, email=email, password=secrets.token_urlsafe(18), token=secrets.token_hex(20)
    )


def read_credentials(path: Path) -> Credentials:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ServerError(f"{path}: no credentials file (start the server first)") from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ServerError(f"{path}: cannot read credentials ({type(error).__name__})") from None
    fields_present = isinstance(data, dict) and all(
        isinstance(data.get(key), str) and data.get(key) for key in ("url", "email", "token")
    )
    try:
        token = clean_token(data["token"], str(path)) if fields_present else None
    except LabelStudioError as error:
        raise ServerError(str(error)) from None
    if not fields_present or token is None:
        raise ServerError(f"{path}: credentials file needs url, email and token")
    return Credentials(
        url=data["url"].strip(),
        email=data["email"],
        password=str(data.get("password", "")),
        token=token,
    )


def write_credentials(path: Path, credentials: Credentials) -> None:
    """Write the credentials atomically into a file readable by the user alone."""
    write_private(path, credentials.to_json())


def write_private(path: Path, text: str) -> None:
    """Write ``text`` atomically into a file created readable by its owner alone (0600)."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def credentials_for_start(
    data_dir: Path, port: int, database: DatabaseUrl | None = None, database_used: bool = False
) -> tuple[Credentials, bool]:
    """The credentials to start with, and whether this is the first start of the folder.

    ``database_used`` says whether the PostgreSQL ``database`` already holds a Label Studio;
    without ``database``, the folder's SQLite file tells."""
    path = credentials_path(data_dir)
    url = url_for(port)
    if database is None:
        database_used = (data_dir / DATABASE_FILE).exists()
    if path.exists():
        credentials = read_credentials(path)
        if credentials.url != url:
            credentials = dataclasses.replace(credentials, url=url)
            write_credentials(path, credentials)
        return credentials, not database_used
    if database_used and database is None:
        raise ServerError(
            f"{data_dir} holds a Label Studio database but no {CREDENTIALS_FILE}; use an empty "
            "--data-dir, or connect to it with --url and LABEL_STUDIO_API_KEY"
        )
    if database_used:
        raise ServerError(
            f"{database} already holds a Label Studio that {data_dir} did not start (no "
            f"{CREDENTIALS_FILE}); use an empty database, or connect to its server with --url "
            "and LABEL_STUDIO_API_KEY"
        )
    credentials = new_credentials(url)
    write_credentials(path, credentials)
    return credentials, True


# --- the database -----------------------------------------------------------------------


def database_for_start(data_dir: Path, asked: DatabaseUrl | None) -> DatabaseUrl | None:
    """The PostgreSQL database the server of ``data_dir`` runs on (None: SQLite): the one
    recorded in the folder, else the one asked for. Refuses another database than the
    recorded one, and PostgreSQL for a folder that already runs on SQLite."""
    recorded = postgres.read_record(data_dir)
    if asked is None or asked == recorded:
        return recorded
    if recorded is not None:
        raise ServerError(
            f"{data_dir} runs on the database {recorded}, not {asked}: a data folder keeps "
            "the database of its first start (use another --data-dir for another database)"
        )
    if (data_dir / DATABASE_FILE).exists():
        raise ServerError(
            f"{data_dir} runs on SQLite ({DATABASE_FILE}), not {asked}: a data folder keeps "
            "the database of its first start (use another --data-dir for PostgreSQL)"
        )
    return asked


def record_database(data_dir: Path, database: DatabaseUrl) -> None:
    """Record the database in the data directory (its URL, which holds no password)."""
    path = postgres.record_path(data_dir)
    if postgres.read_record(data_dir) != database:
        write_private(path, postgres.record_text(database))


# --- the process ------------------------------------------------------------------------


def server_environment(
    data_dir: Path,
    credentials: Credentials,
    source: dict[str, str] | None = None,
    database: DatabaseUrl | None = None,
) -> dict[str, str]:
    """The server's whole environment: an allow-list of the caller's, plus fixed settings;
    on PostgreSQL, its settings and the caller's libpq variables for logging in."""
    source = dict(os.environ) if source is None else source
    passed = {
        name: value
        for name, value in source.items()
        if name in PASSED_VARIABLES or name.startswith(PASSED_PREFIXES)
    }
    if database is not None:
        passed.update(postgres.libpq_environment(source))
        passed.update(database.label_studio_settings())
    return {
        **passed,
        **FIXED_SETTINGS,
        "HOME": str(data_dir / HOME_DIR),
        "LABEL_STUDIO_BASE_DATA_DIR": str(data_dir),
        "LABEL_STUDIO_USERNAME": credentials.email,
        "LABEL_STUDIO_PASSWORD": credentials.password,
        "LABEL_STUDIO_USER_TOKEN": credentials.token,
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
    }


def server_command(executable: Path, data_dir: Path, port: int) -> list[str]:
    return [
        str(executable),
        "start",
        "--no-browser",
        "--internal-host",
        HOST,
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
    ]


def spawn(
    command: list[str], environment: dict[str, str], log_path: Path
) -> subprocess.Popen[bytes]:
    """Start the server in its own session (so Ctrl-C reaches us, and we stop it); what it
    creates is its owner's alone."""
    handle = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE_MODE)
    with os.fdopen(handle, "ab") as log:
        log.write(f"--- stancepack: {time.strftime('%Y-%m-%d %H:%M:%S')} starting\n".encode())
        log.flush()
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=environment,
            cwd=environment["HOME"],
            start_new_session=True,
            umask=SERVER_UMASK,
        )
    _CHILDREN[process.pid] = process
    return process


def health_answers(url: str, timeout: float = 2.0) -> bool:
    """True when ``GET URL/health`` answers ``{"status": "UP"}``."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as response:
            return bool(json.loads(response.read().decode("utf-8")).get("status") == "UP")
    except (OSError, ValueError, AttributeError):
        return False


def log_tail(
    log_path: Path, start: int = 0, lines: int = 20, hide: Sequence[str] = ()
) -> list[str]:
    """The last lines written to the log since byte ``start``, secrets replaced by ***."""
    try:
        with log_path.open("rb") as log:
            log.seek(start)
            text = log.read().decode("utf-8", errors="replace")
    except OSError:
        return []
    text = redact(text, hide)
    return [line for line in text.splitlines() if line.strip()][-lines:]


@dataclass
class _Startup:
    """What ``wait_until_ready`` watches."""

    process: subprocess.Popen[bytes]
    url: str
    log_path: Path
    log_start: int
    secrets: tuple[str, ...]
    migration_note: str = MIGRATION_NOTE


def wait_until_ready(startup: _Startup, timeout: float, on_progress: Progress) -> float:
    """Poll /health until it answers; raise if the process exits, moves port, or times out."""
    started = time.monotonic()
    migrating_reported = False
    next_report = started + 5.0
    while True:
        elapsed = time.monotonic() - started
        code = startup.process.poll()
        if code is not None:
            raise _early_exit_error(startup, code)
        text = "\n".join(log_tail(startup.log_path, startup.log_start, lines=200))
        if PORT_FALLBACK_MARK in text:
            raise ServerError(
                f"port {startup.url.rsplit(':', 1)[1]} on {HOST} was taken while Label Studio "
                "started; choose another one with --port"
            )
        if health_answers(startup.url):
            return elapsed
        if elapsed >= timeout:
            raise ServerError(
                f"Label Studio did not answer {startup.url}/health within {timeout:g} s "
                f"(see {startup.log_path}; allow more time with --timeout)"
            )
        if MIGRATION_MARK in text and not migrating_reported:
            on_progress(startup.migration_note)
            migrating_reported = True
        if time.monotonic() >= next_report:
            on_progress(f"still starting ({elapsed:.0f} s)")
            next_report += 5.0
        time.sleep(min(0.25, max(timeout - elapsed, 0.01)))


def _early_exit_error(startup: _Startup, code: int) -> ServerError:
    tail = log_tail(startup.log_path, startup.log_start, hide=startup.secrets)
    last = tail[-1].strip() if tail else "(no output)"
    error = ServerError(
        f"Label Studio exited during start-up with code {code}: {last} "
        f"(full log: {startup.log_path})"
    )
    error.log_tail = tail
    return error


# --- pid file and liveness ----------------------------------------------------------------


def read_pid(data_dir: Path) -> int | None:
    """The process id in the pid file; None when there is no file or it holds no process id
    (garbage, or a number no process can have)."""
    try:
        text = (data_dir / PID_FILE).read_bytes()[:64].decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not PID_PATTERN.fullmatch(text) or not 0 < int(text) <= MAX_PID:
        return None
    return int(text)


def write_pid(data_dir: Path, pid: int) -> None:
    write_private(data_dir / PID_FILE, f"{pid}\n")


def stale_pid_reason(data_dir: Path) -> str | None:
    """Why the pid file names no live server of ``data_dir``; None when there is no pid
    file or its server lives."""
    if not (data_dir / PID_FILE).exists():
        return None
    pid = read_pid(data_dir)
    if pid is None:
        return "it holds no process id"
    if not is_server_process(pid, data_dir):
        return f"process {pid} is not a Label Studio server of this folder"
    return None


def remove_stale_pid_file(data_dir: Path) -> str | None:
    """Remove a pid file that names no live server of ``data_dir``; say so, or None when
    there was none to remove."""
    reason = stale_pid_reason(data_dir)
    if reason is None:
        return None
    (data_dir / PID_FILE).unlink(missing_ok=True)
    return f"removed the stale {data_dir / PID_FILE} ({reason})"


def stop_hint(data_dir: Path) -> str:
    """The command that stops the server of ``data_dir``, naming the folder unless it is the
    default one."""
    command = "stancepack serve --stop"
    if data_dir != DEFAULT_DATA_DIR.absolute():
        command += f" --data-dir {shlex.quote(str(data_dir))}"
    return command


def _remove_pid_file(data_dir: Path, pid: int) -> None:
    if read_pid(data_dir) == pid:
        (data_dir / PID_FILE).unlink(missing_ok=True)


def is_server_process(pid: int, data_dir: Path) -> bool:
    """True when ``pid`` is alive and is a label-studio server of ``data_dir``.

    Where /proc exists, the command line must name label-studio and the data directory
    (a pid reused by another program is not ours); zombies count as dead."""
    child = _CHILDREN.get(pid)
    if child is not None and child.poll() is not None:
        _CHILDREN.pop(pid, None)
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    proc = Path("/proc") / str(pid)
    if not Path("/proc/self").exists():
        return True
    try:
        stat = (proc / "stat").read_text()
        arguments = (proc / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    if stat.rsplit(")", 1)[-1].split()[0] == "Z":
        return False
    words = [argument.decode("utf-8", errors="replace") for argument in arguments]
    return any(word.endswith(EXECUTABLE) for word in words) and str(data_dir) in words


def server_status(data_dir: str | Path | None = None) -> ServerStatus:
    """Whether the server recorded in the data directory's pid file is alive and answering."""
    directory = resolve_data_dir(data_dir)
    pid = read_pid(directory)
    url = None
    with contextlib.suppress(ServerError):
        url = read_credentials(credentials_path(directory)).url
    alive = pid is not None and is_server_process(pid, directory)
    answering = alive and url is not None and health_answers(url)
    stale = None if alive else stale_pid_reason(directory)
    return ServerStatus(
        data_dir=directory,
        pid=pid,
        url=url,
        alive=alive,
        answering=answering,
        stale_pid=stale,
        database=postgres.read_record(directory),
    )


def _terminate(pid: int, grace: float) -> None:
    """SIGTERM to the server's process group, then SIGKILL after ``grace`` seconds."""
    _signal_group(pid, signal.SIGTERM)
    if not _wait_gone(pid, grace):
        _signal_group(pid, signal.SIGKILL)
        _wait_gone(pid, 5.0)
    _CHILDREN.pop(pid, None)


def _signal_group(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if os.getpgid(pid) == pid:
            os.killpg(pid, signum)
        else:
            os.kill(pid, signum)


def _wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return not _alive(pid)


def _alive(pid: int) -> bool:
    child = _CHILDREN.get(pid)
    if child is not None:
        return child.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = (Path("/proc") / str(pid) / "stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


@contextlib.contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt while waiting, so both stop the server cleanly."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _start_lock(data_dir: Path) -> Iterator[None]:
    """Serialise starts of one data directory (two servers must never share a database)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    with (data_dir / LOCK_FILE).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# --- the public operations ----------------------------------------------------------------


def _quiet(message: str) -> None:
    """The default progress callback: say nothing."""


def start_server(
    data_dir: str | Path | None = None,
    port: int | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    on_progress: Progress = _quiet,
    executable_dirs: Sequence[str | Path] | None = None,
    database: DatabaseUrl | None = None,
) -> RunningServer:
    """Start a new server and wait until /health answers; it keeps running when we return.

    Runs on the PostgreSQL ``database`` (else the one recorded in the folder, else SQLite).
    Refuses when a server of this data directory is already running."""
    directory = resolve_data_dir(data_dir)
    prepare_data_dir(directory)
    with _start_lock(directory):
        database = database_for_start(directory, database)
        _report_stale_pid_file(directory, on_progress)
        status = server_status(directory)
        if status.alive:
            raise ServerError(
                f"Label Studio is already running for {directory} at {status.url} "
                f"(pid {status.pid}); stop it with: {stop_hint(directory)}"
            )
        return _start_unlocked(directory, port, timeout, on_progress, executable_dirs, database)


def ensure_running(
    data_dir: str | Path | None = None,
    port: int | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    on_progress: Progress = _quiet,
    executable_dirs: Sequence[str | Path] | None = None,
    database: DatabaseUrl | None = None,
) -> ServerInfo:
    """Start the server in the background unless it already runs (then say so).

    Runs on the PostgreSQL ``database`` (else the one recorded in the folder, else SQLite).
    A server already running on another port than ``port`` is refused (it is not moved),
    and so is another database than the folder's."""
    directory = resolve_data_dir(data_dir)
    prepare_data_dir(directory)
    with _start_lock(directory):
        database = database_for_start(directory, database)
        _report_stale_pid_file(directory, on_progress)
        status = server_status(directory)
        if status.alive and status.pid is not None:
            _refuse_another_port(status, port)
            return _running_info(directory, status.pid, timeout, on_progress)
        return _start_unlocked(
            directory, port, timeout, on_progress, executable_dirs, database
        ).info


def _report_stale_pid_file(directory: Path, on_progress: Progress) -> None:
    note = remove_stale_pid_file(directory)
    if note is not None:
        on_progress(note)


def _refuse_another_port(status: ServerStatus, port: int | None) -> None:
    if port is None or status.url is None or status.url == url_for(port):
        return
    raise ServerError(
        f"Label Studio is already running for {status.data_dir} at {status.url} "
        f"(pid {status.pid}), not on port {port}; stop it first with: "
        f"{stop_hint(status.data_dir)}"
    )


def stop_server(
    data_dir: str | Path | None = None,
    grace: float = STOP_GRACE_SECONDS,
    *,
    on_progress: Progress = _quiet,
) -> int | None:
    """Stop the server recorded in the pid file; its pid, or None when none was running
    (a stale pid file is removed, and ``on_progress`` told why)."""
    directory = resolve_data_dir(data_dir)
    _report_stale_pid_file(directory, on_progress)
    pid = read_pid(directory)
    if pid is None:
        return None
    _terminate(pid, grace)
    _remove_pid_file(directory, pid)
    return pid


def _running_info(directory: Path, pid: int, timeout: float, on_progress: Progress) -> ServerInfo:
    """Details of a server already running; waits for it to answer if it is still starting."""
    credentials = read_credentials(credentials_path(directory))
    started = time.monotonic()
    while not health_answers(credentials.url):
        if not is_server_process(pid, directory):
            raise ServerError(f"Label Studio (pid {pid}) for {directory} exited while starting")
        if time.monotonic() - started >= timeout:
            raise ServerError(
                f"Label Studio (pid {pid}) for {directory} runs but does not answer "
                f"{credentials.url}/health; stop it with: {stop_hint(directory)}"
            )
        on_progress(f"waiting for the server already starting (pid {pid})")
        time.sleep(1.0)
    return ServerInfo(
        url=credentials.url,
        email=credentials.email,
        pid=pid,
        data_dir=directory,
        credentials_path=credentials_path(directory),
        log_path=directory / LOG_FILE,
        already_running=True,
        database=postgres.read_record(directory),
    )


def _port_to_use(directory: Path, port: int | None) -> int:
    """The port asked for, else the one used last time, else the default."""
    if port is not None:
        return port
    with contextlib.suppress(ServerError, ValueError):
        return int(read_credentials(credentials_path(directory)).url.rsplit(":", 1)[1])
    return DEFAULT_PORT


def _credentials_on(
    directory: Path, port: int, database: DatabaseUrl | None
) -> tuple[Credentials, bool]:
    """The credentials and first-start flag, after logging in to the PostgreSQL database
    (then recorded in the folder)."""
    if database is None:
        return credentials_for_start(directory, port)
    used = postgres.holds_label_studio(database, postgres.libpq_environment(os.environ))
    credentials, first_start = credentials_for_start(directory, port, database, used)
    record_database(directory, database)
    return credentials, first_start


def _start_unlocked(
    directory: Path,
    port: int | None,
    timeout: float,
    on_progress: Progress,
    executable_dirs: Sequence[str | Path] | None,
    database: DatabaseUrl | None = None,
) -> RunningServer:
    executable = find_label_studio(executable_dirs)
    chosen_port = _port_to_use(directory, port)
    check_port_free(chosen_port)
    credentials, first_start = _credentials_on(directory, chosen_port, database)
    log_path = directory / LOG_FILE
    log_start = log_path.stat().st_size if log_path.exists() else 0
    stored = "" if database is None else f", database {database}"
    on_progress(f"starting Label Studio at {credentials.url} (data in {directory}{stored})")
    process = spawn(
        server_command(executable, directory, chosen_port),
        server_environment(directory, credentials, database=database),
        log_path,
    )
    write_pid(directory, process.pid)
    hidden = (credentials.password, credentials.token, os.environ.get("PGPASSWORD", ""))
    note = MIGRATION_NOTE if database is None else MIGRATION_NOTE_POSTGRESQL
    startup = _Startup(process, credentials.url, log_path, log_start, hidden, note)
    try:
        seconds = wait_until_ready(startup, timeout, on_progress)
    except BaseException:
        _terminate(process.pid, STOP_GRACE_SECONDS)
        _remove_pid_file(directory, process.pid)
        raise
    info = ServerInfo(
        url=credentials.url,
        email=credentials.email,
        pid=process.pid,
        data_dir=directory,
        credentials_path=credentials_path(directory),
        log_path=log_path,
        first_start=first_start,
        startup_seconds=round(seconds, 1),
        database=database,
    )
    return RunningServer(info=info, process=process)
