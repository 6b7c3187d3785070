"""The local Label Studio server: start, status, stop, and every start-up error, against the
real ``label-studio`` executable."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from stancepack.cli import cli
from stancepack.ground.errors import ServerError
from stancepack.ground.labelstudio import server as local
from stancepack.ground.labelstudio.client import connect, resolve_connection
from tests.conftest import require_label_studio


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def label_studio_pids(data_dir: Path) -> list[int]:
    """Live label-studio processes serving ``data_dir`` (from /proc)."""
    return [
        int(entry.name)
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and local.is_server_process(int(entry.name), data_dir)
    ]


@pytest.fixture
def listening_port():
    """A port on 127.0.0.1 held by a listening socket of ours."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind((local.HOST, 0))
        holder.listen()
        yield holder.getsockname()[1]


# --- where things are, without a server ---------------------------------------------------


def test_data_dir_comes_from_argument_then_environment_then_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(local.DATA_DIR_ENV, raising=False)
    assert local.resolve_data_dir() == tmp_path / ".stancepack" / "label-studio"
    monkeypatch.setenv(local.DATA_DIR_ENV, str(tmp_path / "env"))
    assert local.resolve_data_dir() == tmp_path / "env"
    assert local.resolve_data_dir("flag") == tmp_path / "flag"


def test_missing_executable_names_the_extra_to_install(tmp_path):
    with pytest.raises(ServerError) as raised:
        local.find_label_studio([tmp_path])
    assert str(raised.value) == (
        "label-studio is not installed: install the server extra with "
        "pip install 'stancepack[server]'"
    )


def test_missing_executable_through_the_cli(tmp_path, monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setattr(sys, "executable", str(empty / "python"))
    monkeypatch.setenv("PATH", str(empty))
    result = run("serve", "--background", "--data-dir", str(tmp_path / "ls"), "--port", "9")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: label-studio is not installed: install the server extra with "
        "pip install 'stancepack[server]'\n"
    )


def test_executable_is_found_beside_the_running_python():
    require_label_studio()
    assert local.find_label_studio().name == "label-studio"


def test_data_dir_under_a_regular_file_is_not_writable(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ServerError) as raised:
        local.start_server(blocker / "ls", local.free_port())
    assert str(raised.value) == f"data directory {blocker / 'ls'} is not writable (Not a directory)"
    result = run("serve", "--data-dir", str(blocker / "ls"))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: data directory {blocker / 'ls'} is not writable (Not a directory)\n"
    )


def test_port_in_use_is_refused_before_starting(tmp_path, listening_port):
    require_label_studio()
    with pytest.raises(ServerError) as raised:
        local.start_server(tmp_path / "ls", listening_port)
    message = (
        f"port {listening_port} on 127.0.0.1 is already in use; choose another one with --port"
    )
    assert str(raised.value) == message
    assert not (tmp_path / "ls" / local.PID_FILE).exists()
    result = run(
        "serve", "--background", "--data-dir", str(tmp_path / "ls2"), "--port", str(listening_port)
    )
    assert result.exit_code == 1
    assert result.stderr == f"Error: {message}\n"


def test_port_in_use_detects_listeners_and_free_ports(listening_port):
    assert local.port_in_use(listening_port)
    assert not local.port_in_use(local.free_port())


def test_environment_is_an_allow_list(tmp_path):
    credentials = local.new_credentials("http://127.0.0.1:9")
    caller = {
        "PATH": "/usr/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TZ": "UTC",
        "HOME": "/somewhere/else",
        "USERNAME": "stray",
        "PASSWORD": "stray",
        "PORT": "1",
        "HOST": "http://evil.example",
        "DJANGO_DB": "postgresql",
        "LABEL_STUDIO_PORT": "2",
        "XDG_CONFIG_HOME": "/elsewhere",
        "SENTRY_DSN": "https://leak.example/1",
    }
    environment = local.server_environment(tmp_path, credentials, caller)
    for stray in (
        "USERNAME",
        "PASSWORD",
        "PORT",
        "HOST",
        "DJANGO_DB",
        "LABEL_STUDIO_PORT",
        "XDG_CONFIG_HOME",
    ):
        assert stray not in environment
    assert environment["PATH"] == "/usr/bin" and environment["LC_ALL"] == "C.UTF-8"
    assert environment["HOME"] == str(tmp_path / "home")
    assert environment["SENTRY_DSN"] == "" and environment["FRONTEND_SENTRY_DSN"] == ""
    assert environment["COLLECT_ANALYTICS"] == "false"
    assert environment["LATEST_VERSION_CHECK"] == "false"
    assert environment["LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN"] == "true"
    assert environment["LABEL_STUDIO_USER_TOKEN"] == credentials.token


def test_command_binds_loopback_without_browser(tmp_path):
    command = local.server_command(Path("/x/label-studio"), tmp_path, 8123)
    assert command == [
        "/x/label-studio",
        "start",
        "--no-browser",
        "--internal-host",
        "127.0.0.1",
        "--port",
        "8123",
        "--data-dir",
        str(tmp_path),
    ]


def test_credentials_file_is_created_readable_by_the_user_alone(tmp_path):
    previous = os.umask(0)
    try:
        credentials, first = local.credentials_for_start(tmp_path, 8123)
    finally:
        os.umask(previous)
    path = tmp_path / local.CREDENTIALS_FILE
    assert first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text())
    assert sorted(data) == ["email", "password", "token", "url"]
    assert data["url"] == "http://127.0.0.1:8123" and len(data["token"]) == 40
    assert credentials.token not in repr(credentials)
    assert credentials.password not in repr(credentials)


def test_a_new_port_keeps_the_credentials_and_updates_the_url(tmp_path):
    first, _ = local.credentials_for_start(tmp_path, 8123)
    second, _ = local.credentials_for_start(tmp_path, 8124)
    assert (second.token, second.password) == (first.token, first.password)
    assert local.read_credentials(tmp_path / local.CREDENTIALS_FILE).url == "http://127.0.0.1:8124"


def test_a_database_without_credentials_is_refused(tmp_path):
    (tmp_path / local.DATABASE_FILE).write_bytes(b"")
    with pytest.raises(ServerError) as raised:
        local.credentials_for_start(tmp_path, 8123)
    assert str(raised.value) == (
        f"{tmp_path} holds a Label Studio database but no credentials.json; use an empty "
        "--data-dir, or connect to it with --url and LABEL_STUDIO_API_KEY"
    )


def test_malformed_credentials_name_the_file(tmp_path):
    path = tmp_path / local.CREDENTIALS_FILE
    path.write_text("{not json")
    with pytest.raises(ServerError, match=r"credentials.json: cannot read credentials"):
        local.read_credentials(path)
    path.write_text('{"url": "http://127.0.0.1:1"}')
    with pytest.raises(ServerError) as raised:
        local.read_credentials(path)
    assert str(raised.value) == f"{path}: credentials file needs url, email and token"


def test_stop_never_kills_a_process_that_is_not_our_server(tmp_path):
    other = subprocess.Popen(["sleep", "30"])
    try:
        local.write_pid(tmp_path, other.pid)
        notes: list[str] = []
        assert local.stop_server(tmp_path, on_progress=notes.append) is None
        assert notes == [
            f"removed the stale {tmp_path / 'server.pid'} (process {other.pid} is not a "
            "Label Studio server of this folder)"
        ]
        assert other.poll() is None
        assert not (tmp_path / local.PID_FILE).exists()
    finally:
        other.kill()
        other.wait()


def test_stop_and_status_without_a_server(tmp_path):
    result = run("serve", "--stop", "--data-dir", str(tmp_path))
    assert result.exit_code == 0
    assert result.stdout == f"no Label Studio server is running for {tmp_path}\n"
    result = run("serve", "--status", "--data-dir", str(tmp_path))
    assert result.stdout == f"not running (data in {tmp_path})\n"


@pytest.fixture
def open_umask():
    """A umask that lets every user read new files, as many accounts have."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


PRIVATE_FILES = (
    local.DATABASE_FILE,
    local.LOG_FILE,
    local.CREDENTIALS_FILE,
    local.PID_FILE,
    local.LOCK_FILE,
)


def test_an_existing_open_data_dir_and_its_files_are_made_private(tmp_path, open_umask):
    data_dir = tmp_path / "ls"
    data_dir.mkdir(mode=0o755)
    for name in PRIVATE_FILES:
        (data_dir / name).write_text("x")
        (data_dir / name).chmod(0o644)
    (data_dir / local.HOME_DIR).mkdir(mode=0o755)
    assert mode(data_dir) == 0o755
    local.prepare_data_dir(data_dir)
    assert mode(data_dir) == 0o700
    assert mode(data_dir / local.HOME_DIR) == 0o700
    assert {name: mode(data_dir / name) for name in PRIVATE_FILES} == dict.fromkeys(
        PRIVATE_FILES, 0o600
    )


def test_pid_and_log_files_are_created_private(tmp_path, open_umask):
    local.prepare_data_dir(tmp_path)
    local.write_pid(tmp_path, 12345)
    process = local.spawn(["true"], {"HOME": str(tmp_path)}, tmp_path / local.LOG_FILE)
    process.wait()
    assert mode(tmp_path / local.PID_FILE) == 0o600
    assert mode(tmp_path / local.LOG_FILE) == 0o600


def test_what_the_server_process_creates_is_private(tmp_path, open_umask):
    process = local.spawn(
        ["sh", "-c", "echo data > made-by-the-server"],
        {"HOME": str(tmp_path), "PATH": os.environ["PATH"]},
        tmp_path / local.LOG_FILE,
    )
    assert process.wait() == 0
    assert mode(tmp_path / "made-by-the-server") == 0o600


@pytest.mark.parametrize("content", ["99999999999999999999999999\n", "4194305", "0", "-1", "abc"])
def test_a_pid_file_without_a_process_id_is_stale_and_said_so(tmp_path, content):
    (tmp_path / local.PID_FILE).write_text(content)
    status = run("serve", "--status", "--data-dir", str(tmp_path))
    assert status.exit_code == 0, status.output
    assert status.stdout == (
        f"not running (data in {tmp_path}; its server.pid is stale: it holds no process id)\n"
    )
    stopped = run("serve", "--stop", "--data-dir", str(tmp_path))
    assert stopped.exit_code == 0, stopped.output
    assert stopped.stderr == (
        f"removed the stale {tmp_path / 'server.pid'} (it holds no process id)\n"
    )
    assert stopped.stdout == f"no Label Studio server is running for {tmp_path}\n"
    assert not (tmp_path / local.PID_FILE).exists()


def test_a_huge_pid_before_a_start_is_removed_and_said_so(tmp_path, monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setattr(sys, "executable", str(empty / "python"))
    monkeypatch.setenv("PATH", str(empty))
    data_dir = tmp_path / "ls"
    data_dir.mkdir()
    (data_dir / local.PID_FILE).write_text("9" * 40)
    result = run("serve", "--background", "--data-dir", str(data_dir), "--port", "9")
    assert result.exit_code == 1
    assert result.stderr == (
        f"removed the stale {data_dir / 'server.pid'} (it holds no process id)\n"
        "Error: label-studio is not installed: install the server extra with "
        "pip install 'stancepack[server]'\n"
    )


def test_the_stop_hint_names_a_data_dir_that_is_not_the_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert local.stop_hint(local.resolve_data_dir(None)) == "stancepack serve --stop"
    assert local.stop_hint(tmp_path / "my data") == (
        f"stancepack serve --stop --data-dir '{tmp_path / 'my data'}'"
    )


def test_stop_and_background_together_is_a_usage_error(tmp_path):
    result = run("serve", "--stop", "--background", "--data-dir", str(tmp_path))
    assert result.exit_code == 2
    assert "use only one of --background, --stop and --status" in result.stderr


def test_serve_module_does_not_import_heavy_libraries():
    code = (
        "import sys, stancepack.commands.server, stancepack.ground.labelstudio.client\n"
        "print([m for m in ('label_studio_sdk', 'httpx', 'pandas') if m in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]"


# --- real servers of their own ------------------------------------------------------------


@pytest.fixture(scope="module")
def initialised_dir(tmp_path_factory):
    """A data directory whose first start is done (then stopped): later starts are quick."""
    require_label_studio()
    data_dir = tmp_path_factory.mktemp("initialised")
    info = local.ensure_running(data_dir, local.free_port(), timeout=600)
    local.stop_server(data_dir)
    assert info.first_start
    return data_dir


@pytest.mark.server
@pytest.mark.own_server
def test_background_start_status_reuse_and_stop_through_the_cli(tmp_path, open_umask):
    require_label_studio()
    data_dir = tmp_path / "ls"
    data_dir.mkdir(mode=0o755)
    port = local.free_port()
    started = time.monotonic()
    result = run(
        "serve",
        "--background",
        "--data-dir",
        str(data_dir),
        "--port",
        str(port),
        "--timeout",
        "600",
    )
    first_start = time.monotonic() - started
    assert result.exit_code == 0, result.stderr
    try:
        url = f"http://127.0.0.1:{port}"
        credentials = local.read_credentials(data_dir / local.CREDENTIALS_FILE)
        assert result.stdout == (
            f"Label Studio: {url}\n"
            "login:        stancepack@localhost\n"
            f"password:     in {data_dir / 'credentials.json'} (readable by you only)\n"
        )
        assert "first start: creating the database" in result.stderr
        assert f"; stop it with: stancepack serve --stop --data-dir {data_dir}\n" in result.stderr
        for secret in (credentials.token, credentials.password):
            assert secret not in result.stdout + result.stderr
        assert mode(data_dir) == 0o700
        for name in (local.DATABASE_FILE, local.LOG_FILE, local.CREDENTIALS_FILE, local.PID_FILE):
            assert mode(data_dir / name) == 0o600, name
        pid = local.read_pid(data_dir)
        assert label_studio_pids(data_dir) == [pid]

        # the token of the credentials file is accepted: the legacy token switch worked
        client = connect(resolve_connection(data_dir=data_dir))
        assert client.users.whoami().email == "stancepack@localhost"

        again = run("serve", "--background", "--data-dir", str(data_dir), "--port", str(port))
        assert again.exit_code == 0
        assert again.stderr == f"already running (pid {pid})\n"
        assert again.stdout == result.stdout
        other_port = local.free_port()
        moved = run("serve", "--background", "--data-dir", str(data_dir), "--port", str(other_port))
        assert moved.exit_code == 1
        assert moved.stderr == (
            f"Error: Label Studio is already running for {data_dir} at {url} (pid {pid}), "
            f"not on port {other_port}; stop it first with: stancepack serve --stop "
            f"--data-dir {data_dir}\n"
        )
        assert not local.port_in_use(other_port)
        status = run("serve", "--status", "--data-dir", str(data_dir))
        assert status.stdout == f"running: {url} (pid {pid}, data in {data_dir})\n"
        log = (data_dir / local.LOG_FILE).read_text()
        assert credentials.token not in log and credentials.password not in log
    finally:
        stopped = run("serve", "--stop", "--data-dir", str(data_dir))
    assert stopped.exit_code == 0
    assert stopped.stdout == f"stopped Label Studio (pid {pid})\n"
    assert label_studio_pids(data_dir) == []
    assert not (data_dir / local.PID_FILE).exists()
    assert not local.port_in_use(port)
    print(f"first start: {first_start:.1f} s")


@pytest.mark.server
@pytest.mark.own_server
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_foreground_server_stops_cleanly_on_a_signal(initialised_dir, signum):
    port = local.free_port()
    stancepack = Path(sys.executable).with_name("stancepack")
    environment = {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8"}
    started = time.monotonic()
    process = subprocess.Popen(
        [str(stancepack), "serve", "--data-dir", str(initialised_dir), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        start_new_session=True,
    )
    try:
        seen = []
        for line in process.stderr:
            seen.append(line)
            if line.startswith("ready in"):
                break
        second_start = time.monotonic() - started
        assert any(line.startswith("ready in") for line in seen), "".join(seen)
        assert local.health_answers(f"http://127.0.0.1:{port}")
        server_pid = local.read_pid(initialised_dir)
        assert label_studio_pids(initialised_dir) == [server_pid]
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        local.stop_server(initialised_dir)
    assert process.returncode == 0, stderr
    assert stdout.startswith(f"Label Studio: http://127.0.0.1:{port}\n")
    assert stderr.endswith("stopped\n")
    assert label_studio_pids(initialised_dir) == []
    assert not (initialised_dir / local.PID_FILE).exists()
    print(f"second start: {second_start:.1f} s")


@pytest.mark.server
@pytest.mark.own_server
def test_start_up_timeout_stops_the_server(initialised_dir):
    port = local.free_port()
    with pytest.raises(ServerError) as raised:
        local.start_server(initialised_dir, port, timeout=0.2)
    assert str(raised.value) == (
        f"Label Studio did not answer http://127.0.0.1:{port}/health within 0.2 s "
        f"(see {initialised_dir / 'server.log'}; allow more time with --timeout)"
    )
    assert label_studio_pids(initialised_dir) == []
    assert not (initialised_dir / local.PID_FILE).exists()


@pytest.mark.server
@pytest.mark.own_server
def test_server_exiting_during_start_up_shows_its_log(tmp_path):
    """A corrupt database makes the real server exit during its migrations check."""
    require_label_studio()
    data_dir = tmp_path / "corrupt"
    data_dir.mkdir()
    credentials, _ = local.credentials_for_start(data_dir, 9)
    (data_dir / local.DATABASE_FILE).write_text("this is not an SQLite database " * 10)
    result = run(
        "serve", "--background", "--data-dir", str(data_dir), "--port", str(local.free_port())
    )
    assert result.exit_code == 1
    error_line = result.stderr.splitlines()[-1]
    assert error_line == (
        "Error: Label Studio exited during start-up with code 1: "
        "django.db.utils.DatabaseError: file is not a database "
        f"(full log: {data_dir / 'server.log'})"
    )
    tail = [line for line in result.stderr.splitlines() if line.startswith("  | ")]
    assert 1 < len(tail) <= 20
    assert tail[-1] == "  | django.db.utils.DatabaseError: file is not a database"
    assert credentials.token not in result.stderr + result.stdout
    assert label_studio_pids(data_dir) == []
    assert not (data_dir / local.PID_FILE).exists()


@pytest.mark.server
@pytest.mark.own_server
def test_port_taken_while_starting_is_an_error_not_a_silent_move(initialised_dir, tmp_path):
    """Label Studio moves to the next free port when its port is taken; we refuse that.

    The port is taken by a real listening socket handed to the real server (a wrapper
    script binds it, then execs label-studio keeping the socket open)."""
    real = local.find_label_studio()
    port = local.free_port()
    wrapper_dir = tmp_path / "bin"
    wrapper_dir.mkdir()
    wrapper = wrapper_dir / "label-studio"
    wrapper.write_text(
        f"#!{sys.executable}\n"
        "import os, socket, sys\n"
        "holder = socket.socket()\n"
        f"holder.bind(('127.0.0.1', {port}))\n"
        "holder.listen()\n"
        "os.set_inheritable(holder.fileno(), True)\n"
        f"os.execv({str(real)!r}, [{str(real)!r}, *sys.argv[1:]])\n"
    )
    wrapper.chmod(0o755)
    with pytest.raises(ServerError) as raised:
        local.start_server(initialised_dir, port, timeout=120, executable_dirs=[wrapper_dir])
    assert str(raised.value) == (
        f"port {port} on 127.0.0.1 was taken while Label Studio started; "
        "choose another one with --port"
    )
    assert label_studio_pids(initialised_dir) == []
    assert not local.port_in_use(port)
