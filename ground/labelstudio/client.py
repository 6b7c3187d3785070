"""Connecting to any Label Studio: the local server, or one given by URL and API token.

The URL and token come from the caller (``--url``), the environment (``LABEL_STUDIO_URL``,
``LABEL_STUDIO_API_KEY``) or the local server's credentials file, in that order. Whitespace
around the token is dropped. The token is never printed or logged: every error message
passes through ``tokens.redact``. Transient failures (5xx,
connection reset, timeout) are retried with bounded exponential backoff by ``retrying``.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from stancepack.ground.errors import LabelStudioError
from stancepack.ground.labelstudio import server as local
from stancepack.ground.labelstudio.tokens import clean_token, redact

if TYPE_CHECKING:
    from label_studio_sdk import LabelStudio

URL_ENV = "LABEL_STUDIO_URL"
API_KEY_ENV = "LABEL_STUDIO_API_KEY"
REQUEST_TIMEOUT = 600.0
CONNECT_TIMEOUT = 30.0
ATTEMPTS = 4
FIRST_DELAY = 1.0
MAX_DELAY = 8.0
MAX_DETAIL_CHARACTERS = 300

T = TypeVar("T")


@dataclass(frozen=True)
class Connection:
    """Where a Label Studio is and the token to use; the token never shows in repr.

    ``data_dir`` is the data directory of the local server when this is it (runs of
    stancepack on one machine coordinate through files there), else None."""

    url: str
    api_key: str
    source: str
    data_dir: Path | None = None

    def __repr__(self) -> str:
        return f"Connection(url={self.url!r}, api_key='***', source={self.source!r})"

    __str__ = __repr__


def normalise_url(url: str) -> str:
    """``url`` without trailing slashes; refuses anything but http(s)://host[:port][/path]."""
    cleaned = url.strip().rstrip("/")
    parts = urlsplit(cleaned)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise LabelStudioError(
            f"invalid Label Studio URL {url!r}: expected http://HOST:PORT or https://HOST"
        )
    return cleaned


def resolve_connection(
    url: str | None = None, api_key: str | None = None, data_dir: str | Path | None = None
) -> Connection:
    """The Label Studio to talk to: arguments, then environment, then local credentials."""
    url_source = "--url" if url else URL_ENV
    url = url or os.environ.get(URL_ENV) or None
    key_source = "argument" if api_key else API_KEY_ENV
    api_key = clean_token(api_key or os.environ.get(API_KEY_ENV), key_source)
    if url is None and api_key is None:
        return local_connection(data_dir)
    if url is None:
        raise LabelStudioError(f"{API_KEY_ENV} is set but no URL is: pass --url or set {URL_ENV}")
    url = normalise_url(url)
    if api_key is not None:
        return Connection(url=url, api_key=api_key, source=f"{url_source} and {key_source}")
    local_match = _local_connection_for(url, data_dir)
    if local_match is None:
        raise LabelStudioError(f"no API token for {url}: set {API_KEY_ENV}")
    return local_match


def local_connection(data_dir: str | Path | None = None) -> Connection:
    """The local server's URL and token, from its credentials file."""
    directory = local.resolve_data_dir(data_dir)
    path = local.credentials_path(directory)
    if not path.exists():
        raise LabelStudioError(
            f"no Label Studio to connect to: start the local one with `stancepack serve "
            f"--background` (no credentials in {directory}), or pass --url and set {API_KEY_ENV}"
        )
    credentials = local.read_credentials(path)
    return Connection(
        url=credentials.url, api_key=credentials.token, source=str(path), data_dir=directory
    )


def _local_connection_for(url: str, data_dir: str | Path | None) -> Connection | None:
    path = local.credentials_path(local.resolve_data_dir(data_dir))
    if not path.exists():
        return None
    connection = local_connection(data_dir)
    return connection if connection.url == url else None


def make_client(connection: Connection, timeout: float = REQUEST_TIMEOUT) -> LabelStudio:
    """An SDK client without its own retries (``retrying`` is the one retry policy)."""
    from label_studio_sdk import LabelStudio

    with translated_errors(connection, "check the API token"):
        client = LabelStudio(
            base_url=connection.url, api_key=connection.api_key, timeout=timeout, max_retries=0
        )
    return client


def connect(connection: Connection, timeout: float = REQUEST_TIMEOUT) -> LabelStudio:
    """A client of a server that answers and accepts the token (checked with whoami)."""
    client = make_client(connection, timeout)
    retrying(
        lambda: client.users.whoami(request_options={"timeout": CONNECT_TIMEOUT}),
        connection,
        "identify the user of the API token",
    )
    return client


# --- paging -------------------------------------------------------------------------------

# Names of the total count in a page of a listing (projects say ``count``, tasks ``total``).
TOTAL_FIELDS = ("count", "total")


def all_items(first_page: Any, connection: Connection, what: str) -> list[Any]:
    """Every item of a paged listing, from its first page (an SDK pager), each id once.

    Stops when the total the server announces is reached, at an empty page or the end
    (404), and when a page repeats one seen before: a server that ignores paging cannot
    make this page for ever. A repeat before the total is reached is an error naming
    ``what`` (e.g. "projects")."""
    from label_studio_sdk.core.api_error import ApiError

    items: dict[Any, Any] = {}
    seen_pages: set[tuple[Any, ...]] = set()
    pages = first_page.iter_pages()
    total = None
    for number in itertools.count(1):
        try:
            page = next(pages)
        except StopIteration:
            break
        except ApiError as error:
            if error.status_code == 404 and number > 1:
                break
            raise
        total = _announced_total(page.response) if total is None else total
        ids = tuple(getattr(item, "id", None) for item in page.items or [])
        if ids in seen_pages:
            _check_complete(len(items), total, number, connection, what)
            break
        seen_pages.add(ids)
        items.update((item_id, item) for item_id, item in zip(ids, page.items or [], strict=True))
        if total is not None and len(items) >= total:
            break
    return list(items.values())


def _announced_total(response: Any) -> int | None:
    for name in TOTAL_FIELDS:
        value = getattr(response, name, None)
        if isinstance(value, int):
            return value
    return None


def _check_complete(
    received: int, total: int | None, page: int, connection: Connection, what: str
) -> None:
    if total is not None and received < total:
        raise LabelStudioError(
            f"Label Studio at {connection.url} sent page {page} of its {what} as a page it had "
            f"sent before ({received} of {total} {what} received): it ignores paging, so the "
            "listing cannot be complete"
        )


# --- errors -------------------------------------------------------------------------------


def is_transient(error: BaseException) -> bool:
    """5xx answers, connections reset or cut, timeouts: worth another try."""
    import httpx
    from label_studio_sdk.core.api_error import ApiError

    if isinstance(error, ApiError):
        return error.status_code is not None and error.status_code >= 500
    transient = (
        httpx.TimeoutException,
        httpx.RemoteProtocolError,
        httpx.ReadError,
        httpx.WriteError,
        ConnectionResetError,
    )
    return isinstance(error, transient)


def describe(error: BaseException, connection: Connection, action: str) -> LabelStudioError:
    """One line for users naming the URL and what failed, never the token."""
    return LabelStudioError(hide(_description(error, connection, action), connection))


def _description(error: BaseException, connection: Connection, action: str) -> str:
    import httpx
    from label_studio_sdk.core.api_error import ApiError

    url = connection.url
    if isinstance(error, ApiError):
        status = error.status_code
        detail = api_error_detail(error.body, secrets=(connection.api_key,))
        if status in (401, 403):
            return f"Label Studio at {url} refused the API token (HTTP {status}: {detail})"
        return f"Label Studio at {url} could not {action} (HTTP {status}: {detail})"
    if type(error).__name__ == "ParsingError":
        return f"the answer of {url} does not look like Label Studio's (could not {action})"
    reason = _reason(error, connection)
    if isinstance(error, httpx.ConnectError):
        return f"cannot reach Label Studio at {url} ({reason})"
    if isinstance(error, httpx.TimeoutException):
        return f"Label Studio at {url} did not answer in time to {action}"
    if isinstance(error, httpx.HTTPError | OSError):
        return f"connection to Label Studio at {url} failed to {action} ({reason})"
    return f"Label Studio at {url} could not {action} ({type(error).__name__})"


def _reason(error: BaseException, connection: Connection) -> str:
    text = hide(str(error), connection).strip() or type(error).__name__
    if "Connection refused" in text:
        return "connection refused"
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "unknown host"
    return _shortened(text.splitlines()[0])


def _shortened(line: str) -> str:
    if len(line) > MAX_DETAIL_CHARACTERS:
        return line[: MAX_DETAIL_CHARACTERS - 3] + "..."
    return line


def api_error_detail(body: Any, secrets: tuple[str, ...] = ()) -> str:
    """The useful part of a Label Studio error body, as one short line, ``secrets`` hidden
    (before it is shortened, so that no part of a secret is left)."""
    if isinstance(body, dict):
        parts = []
        if body.get("detail"):
            parts.append(str(body["detail"]))
        errors = body.get("validation_errors")
        if isinstance(errors, dict):
            for field_name, messages in sorted(errors.items()):
                listed = messages if isinstance(messages, list) else [messages]
                parts.append(f"{field_name}: {' '.join(str(m) for m in listed)}")
        elif errors:
            parts.append(str(errors))
        text = "; ".join(parts) or str(body)
    elif str(body).lstrip().startswith("<"):
        text = "an HTML page, not an API answer: is this the Label Studio URL?"
    else:
        text = str(body or "no detail")
    return _shortened(" ".join(redact(text, secrets).split()))


def hide(text: str, connection: Connection) -> str:
    """``text`` with the connection's token, in any form it may show in, replaced by ***."""
    return redact(text, (connection.api_key,))


@contextmanager
def translated_errors(connection: Connection, action: str) -> Iterator[None]:
    """Turn SDK and network errors inside the block into one-line ``LabelStudioError``."""
    try:
        yield
    except LabelStudioError:
        raise
    except Exception as error:
        if not _is_network(error):
            raise
        raise describe(error, connection, action) from None


def _is_network(error: BaseException) -> bool:
    import httpx
    from label_studio_sdk.core.api_error import ApiError
    from label_studio_sdk.core.parse_error import ParsingError

    return isinstance(error, ApiError | ParsingError | httpx.HTTPError | ConnectionError)


# --- retries ------------------------------------------------------------------------------


def backoff_delays(
    attempts: int, first: float = FIRST_DELAY, limit: float = MAX_DELAY
) -> list[float]:
    """Seconds to wait before each retry: first, 2*first, 4*first ... capped at ``limit``."""
    return [min(first * 2**index, limit) for index in range(max(attempts - 1, 0))]


def retrying(
    call: Callable[[], T],
    connection: Connection,
    action: str,
    *,
    attempts: int = ATTEMPTS,
    first_delay: float = FIRST_DELAY,
    max_delay: float = MAX_DELAY,
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[str], None] | None = None,
) -> T:
    """``call()``, retried on transient failures with bounded exponential backoff.

    Other failures, and the last transient one, become a one-line ``LabelStudioError``
    naming the URL and ``action`` (e.g. "import tasks into project 3")."""
    delays = backoff_delays(attempts, first_delay, max_delay)
    for attempt in range(attempts):
        try:
            return call()
        except LabelStudioError:
            raise
        except Exception as error:
            if not _is_network(error):
                raise
            if not is_transient(error) or attempt == attempts - 1:
                raise _final_error(error, connection, action, attempt + 1) from None
            if on_retry is not None:
                on_retry(
                    f"{describe(error, connection, action)}; retry {attempt + 1} of "
                    f"{attempts - 1} in {delays[attempt]:g} s"
                )
            sleep(delays[attempt])
    raise AssertionError("unreachable")  # pragma: no cover


def _final_error(
    error: BaseException, connection: Connection, action: str, tries: int
) -> LabelStudioError:
    described = describe(error, connection, action)
    if not is_transient(error):
        return described
    return LabelStudioError(
        f"{described} after {tries} attempts; it is safe to run the command again"
    )
