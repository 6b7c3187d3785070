"""The API token: whitespace around it is dropped wherever it is read, a token that cannot
be sent is refused in one line, and no error path shows it, in any form (as it is, escaped,
or cut short by a shortened message)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from stancepack.cli import cli
from stancepack.ground.errors import LabelStudioError
from stancepack.ground.labelstudio import server as local
from stancepack.ground.labelstudio.client import (
    API_KEY_ENV,
    MAX_DETAIL_CHARACTERS,
    URL_ENV,
    Connection,
    connect,
    describe,
    local_connection,
    make_client,
    resolve_connection,
    retrying,
)
from stancepack.ground.labelstudio.tokens import redact
from tests.loopback_http import LoopbackHandler, loopback_server

# Shaped like a Label Studio token (40 hex digits), unlike anything else in a message.
TOKEN = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"
NOT_ASCII_TOKEN = "9f86d081884c7d659a2fé"
MAX_REQUESTS = 10


def token_parts_shown(text: str) -> list[str]:
    """Every piece of TOKEN of 6 characters or more that ``text`` shows."""
    return [
        TOKEN[start : start + 6]
        for start in range(len(TOKEN) - 5)
        if TOKEN[start : start + 6] in text
    ]


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in (URL_ENV, API_KEY_ENV, local.DATA_DIR_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def write_credentials_file(data_dir: Path, token: str, port: int = 8123) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / local.CREDENTIALS_FILE
    credentials = {"email": "a@localhost", "password": "pw", "token": token}
    path.write_text(json.dumps({**credentials, "url": local.url_for(port)}))
    return path


# --- whitespace around the token --------------------------------------------------------------


@pytest.mark.parametrize("stray", ["\r", "\r\n", "\n", " ", "\t"], ids=repr)
def test_whitespace_around_the_environment_token_is_dropped(clean_env, stray):
    clean_env.setenv(URL_ENV, "http://127.0.0.1:9")
    clean_env.setenv(API_KEY_ENV, f"{stray}{TOKEN}{stray}")
    assert resolve_connection().api_key == TOKEN


def test_whitespace_around_the_token_of_a_credentials_file_is_dropped(clean_env, tmp_path):
    write_credentials_file(tmp_path / "ls", f" {TOKEN}\r\n")
    assert local_connection(tmp_path / "ls").api_key == TOKEN


def test_a_blank_environment_token_counts_as_unset(clean_env):
    clean_env.setenv(URL_ENV, "http://ls.example.org")
    clean_env.setenv(API_KEY_ENV, " \r\n")
    with pytest.raises(LabelStudioError) as raised:
        resolve_connection()
    assert str(raised.value) == "no API token for http://ls.example.org: set LABEL_STUDIO_API_KEY"


@pytest.mark.server
def test_a_crlf_token_from_the_environment_is_accepted_by_the_server(label_studio, tmp_path):
    environment = {URL_ENV: label_studio.url, API_KEY_ENV: f"{label_studio.token}\r\n"}
    result = CliRunner(env=environment).invoke(
        cli, ["pull", "--project", "no such project", "-o", str(tmp_path / "x.json")]
    )
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: no project 'no such project' at {label_studio.url} (by id or title)\n"
    )
    assert label_studio.token not in result.output


# --- a token that cannot be sent ----------------------------------------------------------------


def test_a_token_that_is_not_ascii_is_one_line_naming_the_variable(clean_env, tmp_path):
    environment = {URL_ENV: "http://127.0.0.1:9", API_KEY_ENV: NOT_ASCII_TOKEN}
    output = tmp_path / "export.json"
    result = CliRunner(env=environment).invoke(cli, ["pull", "--project", "1", "-o", str(output)])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: the API token in LABEL_STUDIO_API_KEY holds a character that is not printable "
        "ASCII (an API token is letters, digits and punctuation): copy it again\n"
    )
    assert NOT_ASCII_TOKEN[:6] not in result.output
    assert not output.exists()


def test_a_control_character_inside_the_token_is_refused(clean_env):
    clean_env.setenv(URL_ENV, "http://127.0.0.1:9")
    clean_env.setenv(API_KEY_ENV, f"{TOKEN[:20]}\r{TOKEN[20:]}")
    with pytest.raises(LabelStudioError, match="^the API token in LABEL_STUDIO_API_KEY holds"):
        resolve_connection()


def test_a_token_that_is_not_ascii_in_the_credentials_file_names_the_file(clean_env, tmp_path):
    path = write_credentials_file(tmp_path / "ls", NOT_ASCII_TOKEN)
    article = tmp_path / "article.txt"
    article.write_text("A title\n\nA short article about nothing in particular.\n")
    result = CliRunner().invoke(
        cli,
        ["project", "sync", "p", str(article), "--no-preannotate", "--data-dir", str(path.parent)],
    )
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: the API token in {path} holds a character that is not printable ASCII "
        "(an API token is letters, digits and punctuation): copy it again\n"
    )
    assert NOT_ASCII_TOKEN[:6] not in result.output


# --- no error path shows the token -------------------------------------------------------------
# A small HTTP server of the standard library that answers what a test scripts, repeating the
# Authorization header it received inside the error body, as a careless proxy would.


class EchoingHandler(LoopbackHandler):
    status = 400
    padding = 0
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self.requests.append(self.path)
        if len(self.requests) > MAX_REQUESTS:
            self.send_error(599)
            return
        header = self.headers.get("Authorization", "")
        detail = "x" * self.padding + f" refused {header} here"
        self.send_body({"detail": detail}, self.status)


@contextmanager
def echoing_server(status: int, padding: int = 0) -> Iterator[tuple[str, list[str]]]:
    handler = type("Handler", (EchoingHandler,), {"status": status, "padding": padding})
    handler.requests = []
    with loopback_server(handler) as url:
        yield url, handler.requests


def test_an_illegal_header_value_is_reported_without_the_token():
    """The client library refuses a header with a line break and quotes it in its error."""
    with echoing_server(200) as (url, requests), pytest.raises(LabelStudioError) as raised:
        connect(Connection(url, f"{TOKEN}\r", "test"))
    assert str(raised.value) == (
        f"connection to Label Studio at {url} failed to identify the user of the API token "
        "(Illegal header value b'Token ***')"
    )
    assert requests == []


def test_a_token_split_by_a_control_character_is_hidden_in_each_part():
    with echoing_server(200) as (url, _), pytest.raises(LabelStudioError) as raised:
        connect(Connection(url, f"{TOKEN[:20]}\n{TOKEN[20:]}", "test"))
    assert token_parts_shown(str(raised.value)) == []
    assert str(raised.value).endswith("(Illegal header value b'Token ***')")


@pytest.mark.parametrize("status", [400, 401])
def test_an_http_error_that_repeats_the_token_hides_it_even_where_it_is_cut(status):
    """The token starts just before the detail is shortened: no part of it may be left."""
    padding = MAX_DETAIL_CHARACTERS - len(" refused Token ") - 10
    server = echoing_server(status, padding)
    with server as (url, requests), pytest.raises(LabelStudioError) as raised:
        connect(Connection(url, TOKEN, "test"))
    message = str(raised.value)
    assert token_parts_shown(message) == []
    assert message.endswith(" refused Token *** here)")
    assert len(requests) == 1


def test_retries_and_the_final_error_never_show_the_token():
    padding = MAX_DETAIL_CHARACTERS - len(" refused Token ") - 10
    notes: list[str] = []
    with echoing_server(503, padding) as (url, requests):
        connection = Connection(url, TOKEN, "test")
        client = make_client(connection)
        with pytest.raises(LabelStudioError) as raised:
            retrying(
                lambda: client.users.whoami(),
                connection,
                "identify the user",
                attempts=3,
                sleep=lambda seconds: None,
                on_retry=notes.append,
            )
    assert len(requests) == 3 and len(notes) == 2
    for text in [*notes, str(raised.value)]:
        assert token_parts_shown(text) == [], text
        assert "Token ***" in text
    assert str(raised.value).endswith("after 3 attempts; it is safe to run the command again")


def test_a_connection_error_that_quotes_the_token_hides_it():
    connection = Connection("http://127.0.0.1:9", TOKEN, "test")
    error = httpx.ConnectError(f"proxy refused the header Authorization: Token {TOKEN}\r")
    assert str(describe(error, connection, "list projects")) == (
        "cannot reach Label Studio at http://127.0.0.1:9 "
        "(proxy refused the header Authorization: Token ***)"
    )


def test_redact_hides_every_form_of_a_secret():
    text = f"a {TOKEN} b {TOKEN}\\r c b'{TOKEN[:20]}\\n{TOKEN[20:]}'"
    assert redact(text, [f"{TOKEN[:20]}\n{TOKEN[20:]}", TOKEN + "\r"]) == (
        "a *** b ***\\r c b'***'"
    )
    assert redact("nothing to hide", [None, "", "  "]) == "nothing to hide"
