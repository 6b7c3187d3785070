"""Shared fixtures: one real Label Studio server for the whole test session.

``label_studio`` starts a real local server (loopback only, its own temporary data
directory and HOME, clean environment) with stancepack's own server library, on a free
port, in the background; it is stopped at the end of the session, leaving no process.

Tests that start servers of their own are marked ``own_server`` and run first, before the
shared server starts, so that never more than one Label Studio runs at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from stancepack.ground.errors import ServerError
from stancepack.ground.labelstudio import server as local
from stancepack.ground.labelstudio.client import Connection, make_client

if TYPE_CHECKING:
    from label_studio_sdk import LabelStudio

SESSION_START_TIMEOUT = 600.0


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "own_server: starts Label Studio servers of its own; runs before the shared server",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run ``own_server`` tests first (stable order otherwise)."""
    items.sort(key=lambda item: item.get_closest_marker("own_server") is None)


@dataclass(frozen=True)
class LabelStudioServer:
    """A running local Label Studio and how to use it."""

    url: str
    token: str
    email: str
    password: str
    data_dir: Path
    port: int
    pid: int
    startup_seconds: float

    @classmethod
    def started(cls, info: local.ServerInfo, data_dir: Path, port: int) -> LabelStudioServer:
        """The server ``ensure_running`` started in ``data_dir``, with its credentials."""
        credentials = local.read_credentials(info.credentials_path)
        return cls(
            url=info.url,
            token=credentials.token,
            email=credentials.email,
            password=credentials.password,
            data_dir=data_dir,
            port=port,
            pid=info.pid,
            startup_seconds=info.startup_seconds,
        )

    def connection(self) -> Connection:
        return Connection(url=self.url, api_key=self.token, source="test fixture")

    def client(self) -> LabelStudio:
        """An SDK client with the admin's API token."""
        return make_client(self.connection())


def require_label_studio() -> None:
    try:
        local.find_label_studio()
    except ServerError as error:
        pytest.skip(str(error))


@pytest.fixture(scope="session")
def label_studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabelStudioServer]:
    require_label_studio()
    data_dir = tmp_path_factory.mktemp("label-studio")
    port = local.free_port()
    info = local.ensure_running(data_dir, port, timeout=SESSION_START_TIMEOUT)
    try:
        yield LabelStudioServer.started(info, data_dir, port)
    finally:
        local.stop_server(data_dir)
