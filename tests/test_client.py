"""Connecting to Label Studio: where URL and token come from, the errors for an unreachable
server and a refused token (against the real server), and retries of transient failures."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from stancepack.ground.errors import LabelStudioError
from stancepack.ground.labelstudio import server as local
from stancepack.ground.labelstudio.client import (
    Connection,
    backoff_delays,
    connect,
    make_client,
    resolve_connection,
    retrying,
)
from tests.loopback_http import LoopbackHandler, loopback_server

TOKEN = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    monkeypatch.delenv(local.DATA_DIR_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def local_credentials(data_dir, port=8123):
    credentials = local.new_credentials(local.url_for(port))
    data_dir.mkdir(parents=True, exist_ok=True)
    local.write_credentials(data_dir / local.CREDENTIALS_FILE, credentials)
    return credentials


# --- where the URL and token come from ------------------------------------------------------


def test_arguments_win_over_environment(clean_env):
    clean_env.setenv("LABEL_STUDIO_URL", "http://env.example:8080")
    clean_env.setenv("LABEL_STUDIO_API_KEY", "env-token")
    connection = resolve_connection("https://ls.example.org/", "flag-token")
    assert (connection.url, connection.api_key) == ("https://ls.example.org", "flag-token")


def test_environment_wins_over_local_credentials(clean_env, tmp_path):
    local_credentials(tmp_path / "ls")
    clean_env.setenv("LABEL_STUDIO_URL", "http://env.example:8080")
    clean_env.setenv("LABEL_STUDIO_API_KEY", "env-token")
    connection = resolve_connection(data_dir=tmp_path / "ls")
    assert (connection.url, connection.api_key) == ("http://env.example:8080", "env-token")


def test_local_credentials_are_the_fallback(clean_env, tmp_path):
    credentials = local_credentials(tmp_path / ".stancepack" / "label-studio")
    connection = resolve_connection()
    assert (connection.url, connection.api_key) == (credentials.url, credentials.token)
    assert connection.source == str(tmp_path / ".stancepack" / "label-studio" / "credentials.json")


def test_url_of_the_local_server_without_a_key_uses_its_token(clean_env, tmp_path):
    credentials = local_credentials(tmp_path / "ls", port=8123)
    connection = resolve_connection("http://127.0.0.1:8123/", data_dir=tmp_path / "ls")
    assert connection.api_key == credentials.token


def test_other_url_without_a_key_is_refused(clean_env, tmp_path):
    local_credentials(tmp_path / "ls", port=8123)
    with pytest.raises(LabelStudioError) as raised:
        resolve_connection("http://ls.example.org", data_dir=tmp_path / "ls")
    assert str(raised.value) == "no API token for http://ls.example.org: set LABEL_STUDIO_API_KEY"


def test_key_without_url_is_refused(clean_env):
    clean_env.setenv("LABEL_STUDIO_API_KEY", "env-token")
    with pytest.raises(LabelStudioError) as raised:
        resolve_connection()
    assert str(raised.value) == (
        "LABEL_STUDIO_API_KEY is set but no URL is: pass --url or set LABEL_STUDIO_URL"
    )


def test_nothing_to_connect_to_says_how_to_provide_it(clean_env, tmp_path):
    with pytest.raises(LabelStudioError) as raised:
        resolve_connection(data_dir=tmp_path / "empty")
    assert str(raised.value) == (
        "no Label Studio to connect to: start the local one with `stancepack serve "
        f"--background` (no credentials in {tmp_path / 'empty'}), or pass --url and set "
        "LABEL_STUDIO_API_KEY"
    )


@pytest.mark.parametrize("url", ["ftp://host", "localhost:8080", "http://", "not a url"])
def test_invalid_urls_are_refused(clean_env, url):
    with pytest.raises(LabelStudioError) as raised:
        resolve_connection(url, "token")
    assert str(raised.value) == (
        f"invalid Label Studio URL {url!r}: expected http://HOST:PORT or https://HOST"
    )


def test_connection_never_shows_its_token():
    connection = Connection("http://127.0.0.1:1", TOKEN, "test")
    assert TOKEN not in repr(connection) and TOKEN not in str(connection)
    assert repr(connection) == "Connection(url='http://127.0.0.1:1', api_key='***', source='test')"


# --- a real server ----------------------------------------------------------------------------


@pytest.mark.server
def test_connect_checks_the_token_with_whoami(label_studio):
    client = connect(label_studio.connection())
    assert client.users.whoami().email == label_studio.email
    assert label_studio.client().users.whoami().email == label_studio.email


@pytest.mark.server
def test_local_credentials_connect_to_the_fixture_server(clean_env, label_studio):
    client = connect(resolve_connection(data_dir=label_studio.data_dir))
    assert client.users.whoami().email == label_studio.email


@pytest.mark.server
def test_wrong_token_is_refused_without_showing_it(label_studio):
    with pytest.raises(LabelStudioError) as raised:
        connect(Connection(label_studio.url, TOKEN, "test"))
    assert str(raised.value) == (
        f"Label Studio at {label_studio.url} refused the API token (HTTP 401: Invalid token.)"
    )
    assert TOKEN not in str(raised.value)


def test_unreachable_url_names_the_url():
    url = local.url_for(local.free_port())
    with pytest.raises(LabelStudioError) as raised:
        connect(Connection(url, TOKEN, "test"))
    assert str(raised.value) == f"cannot reach Label Studio at {url} (connection refused)"


# --- retries of transient failures ------------------------------------------------------------
# Label Studio cannot be made to fail on demand, so these tests use a small real HTTP server
# of the standard library that answers 503, resets connections or answers too late.


class ScriptedHandler(LoopbackHandler):
    script: list[str] = []
    seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        step = self.script.pop(0) if self.script else "ok"
        self.seen.append(step)
        if step == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
            self.connection.close()
            return
        if step == "slow":
            time.sleep(1.5)
            step = "ok"
        status, body = {
            "ok": (200, b'{"id": 1, "email": "someone@localhost"}'),
            "503": (503, b'{"detail": "Service unavailable"}'),
            "400": (400, b'{"detail": "Validation error"}'),
        }[step]
        self.send_body(body, status)


@contextmanager
def scripted_server(*steps: str) -> Iterator[tuple[str, list[str]]]:
    handler = type("Handler", (ScriptedHandler,), {"script": list(steps), "seen": []})
    with loopback_server(handler) as url:
        yield url, handler.seen


def whoami_with_retries(url: str, attempts: int = 4, timeout: float = 30.0):
    connection = Connection(url, TOKEN, "test")
    client = make_client(connection, timeout=timeout)
    delays: list[float] = []
    notes: list[str] = []
    result = retrying(
        lambda: client.users.whoami(),
        connection,
        "identify the user",
        attempts=attempts,
        sleep=delays.append,
        on_retry=notes.append,
    )
    return result, delays, notes


def test_backoff_is_exponential_and_bounded():
    assert backoff_delays(6, first=1.0, limit=8.0) == [1.0, 2.0, 4.0, 8.0, 8.0]
    assert backoff_delays(1) == []


@pytest.mark.parametrize("failure", ["503", "reset", "slow"])
def test_transient_failures_are_retried(failure):
    with scripted_server(failure, failure, "ok") as (url, seen):
        user, delays, notes = whoami_with_retries(url, timeout=0.5)
    assert user.email == "someone@localhost"
    assert seen[-1] == "ok" and len(seen) == 3
    assert delays == [1.0, 2.0]
    assert len(notes) == 2 and TOKEN not in " ".join(notes)


def test_persistent_server_errors_end_in_a_clear_error():
    failing = scripted_server("503", "503", "503")
    with failing as (url, seen), pytest.raises(LabelStudioError) as raised:
        whoami_with_retries(url, attempts=3)
    assert str(raised.value) == (
        f"Label Studio at {url} could not identify the user (HTTP 503: Service unavailable) "
        "after 3 attempts; it is safe to run the command again"
    )
    assert seen == ["503", "503", "503"]


def test_client_errors_are_not_retried():
    with scripted_server("400") as (url, seen), pytest.raises(LabelStudioError) as raised:
        whoami_with_retries(url)
    assert str(raised.value) == (
        f"Label Studio at {url} could not identify the user (HTTP 400: Validation error)"
    )
    assert seen == ["400"]


def test_errors_that_are_not_from_the_network_pass_through():
    connection = Connection("http://127.0.0.1:1", TOKEN, "test")

    def broken() -> None:
        raise ValueError("a bug")

    with pytest.raises(ValueError, match="a bug"):
        retrying(broken, connection, "do something", sleep=lambda seconds: None)
