"""``stancepack pull`` writes its output as every command does: claimed first, streamed into
a staging file, renamed into place only when the download is a readable export, never over
an existing file without --force nor over a non-regular one, and nothing left behind when
it fails or is interrupted. The snapshot it makes on the server is deleted afterwards.

Against the real Label Studio of the session, with real ``stancepack`` processes for the
signals; the broken download comes from a small HTTP server of the standard library that
plays Label Studio's export endpoints."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from stancepack.annotate.articles import ingest
from stancepack.annotate.projects import task_data
from stancepack.cli import cli
from stancepack.ground.labelstudio.client import API_KEY_ENV, URL_ENV
from tests.helpers import SEED_ARTICLES
from tests.loopback_http import LoopbackHandler, loopback_server

STANCEPACK = Path(sys.executable).with_name("stancepack")
TITLE = "pull safety"
EARLIER = b'["an earlier export the user keeps"]\n'
TOKEN = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"


@pytest.fixture(scope="module")
def project_id(label_studio) -> int:
    client = label_studio.client()
    project = client.projects.create(title=TITLE)
    articles = ingest([SEED_ARTICLES]).articles[:3]
    client.projects.import_tasks(id=project.id, request=[{"data": task_data(a)} for a in articles])
    return int(project.id)


def pull(label_studio, *args: str):
    environment = {URL_ENV: label_studio.url, API_KEY_ENV: label_studio.token}
    return CliRunner(env=environment).invoke(cli, ["pull", "--project", TITLE, *args])


def snapshots(label_studio, project_id: int) -> list:
    return list(label_studio.client().projects.exports.list(project_id))


def debris(output: Path) -> list[str]:
    return sorted(entry.name for entry in output.parent.glob(f".{output.name}.*"))


@pytest.mark.server
def test_pull_deletes_the_snapshot_it_made(label_studio, project_id, tmp_path):
    assert snapshots(label_studio, project_id) == []
    output = tmp_path / "export.json"
    result = pull(label_studio, "-o", str(output))
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"wrote {output}: project {project_id} ({TITLE}), 3 tasks, {output.stat().st_size} bytes\n"
    )
    assert len(json.loads(output.read_bytes())) == 3
    assert snapshots(label_studio, project_id) == []
    assert debris(output) == []


@pytest.mark.server
def test_an_existing_output_is_replaced_only_with_force(label_studio, project_id, tmp_path):
    output = tmp_path / "export.json"
    output.write_bytes(EARLIER)
    refused = pull(label_studio, "-o", str(output))
    assert refused.exit_code == 1
    assert refused.stderr == f"Error: {output}: exists (pass --force to replace it)\n"
    assert output.read_bytes() == EARLIER
    assert snapshots(label_studio, project_id) == []
    forced = pull(label_studio, "-o", str(output), "--force")
    assert forced.exit_code == 0, forced.output
    assert len(json.loads(output.read_bytes())) == 3
    assert debris(output) == []


@pytest.mark.server
def test_a_fifo_is_never_replaced(label_studio, project_id, tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    result = pull(label_studio, "-o", str(fifo), "--force")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {fifo}: not a regular file (a device, FIFO or socket)\n"
    assert fifo.is_fifo()
    assert snapshots(label_studio, project_id) == []


@pytest.mark.server
def test_pull_finds_the_local_server_by_its_data_dir(label_studio, project_id, tmp_path):
    output = tmp_path / "export.json"
    result = CliRunner(env={URL_ENV: None, API_KEY_ENV: None}).invoke(
        cli,
        ["pull", "--project", str(project_id), "-o", str(output)]
        + ["--data-dir", str(label_studio.data_dir)],
    )
    assert result.exit_code == 0, result.output
    assert len(json.loads(output.read_bytes())) == 3


def test_the_output_is_claimed_before_the_server_is_asked(tmp_path):
    output = tmp_path / "export.json"
    output.write_bytes(EARLIER)
    environment = {URL_ENV: "http://127.0.0.1:9", API_KEY_ENV: TOKEN}
    result = CliRunner(env=environment).invoke(cli, ["pull", "--project", "1", "-o", str(output)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {output}: exists (pass --force to replace it)\n"
    assert output.read_bytes() == EARLIER


# --- interrupted by a signal ---------------------------------------------------------------


def wait_for_staging(output: Path, process: subprocess.Popen, seconds: float = 120.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        if any(name.startswith(f".{output.name}.stancepack-") for name in debris(output)):
            return True
        time.sleep(0.005)
    return False


@pytest.mark.server
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "sigint"])
def test_a_signal_mid_pull_leaves_no_debris_and_the_earlier_output(
    label_studio, project_id, tmp_path, signum
):
    output = tmp_path / "export.json"
    output.write_bytes(EARLIER)
    environment = {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8", "HOME": str(tmp_path)}
    process = subprocess.Popen(
        [str(STANCEPACK), "pull", "--project", TITLE, "-o", str(output), "--force"]
        + ["--data-dir", str(label_studio.data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        cwd=tmp_path,
    )
    try:
        assert wait_for_staging(output, process), process.communicate()
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode != 0, stderr
    assert "Traceback" not in stderr
    assert debris(output) == []
    assert output.read_bytes() == EARLIER


# --- a download that is not an export ------------------------------------------------------


class BrokenExport(LoopbackHandler):
    """Label Studio's export endpoints, sending a download cut short."""

    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        route = self.route()
        if route == "/api/current-user/whoami":
            self.answer({"id": 1, "email": "someone@localhost", "username": "someone"})
        elif route == "/api/projects":
            self.answer({"count": 1, "results": [{"id": 1, "title": "p"}]})
        elif route == "/api/projects/1/exports/5":
            self.answer({"id": 5, "status": "completed"})
        elif route == "/api/projects/1/exports/5/download":
            self.answer(b'[{"id": 1, "data": {"text": "cut sh')
        else:
            self.answer({"detail": "Not found."}, status=404)

    def do_POST(self) -> None:  # noqa: N802
        self.route()
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.answer({"id": 5, "status": "in_progress"}, status=201)

    def do_DELETE(self) -> None:  # noqa: N802
        self.route()
        self.answer(b"", status=204)

    def route(self) -> str:
        self.requests.append(f"{self.command} {self.path.split('?')[0].rstrip('/')}")
        return self.path.split("?")[0].rstrip("/")

    def answer(self, data: dict | bytes, status: int = 200) -> None:
        self.send_body(data, status)


@contextmanager
def broken_export_server() -> Iterator[tuple[str, list[str]]]:
    handler = type("Handler", (BrokenExport,), {"requests": []})
    with loopback_server(handler) as url:
        yield url, handler.requests


def test_a_download_that_is_not_an_export_writes_nothing_and_deletes_the_snapshot(tmp_path):
    output = tmp_path / "export.json"
    output.write_bytes(EARLIER)
    with broken_export_server() as (url, requests):
        environment = {URL_ENV: url, API_KEY_ENV: TOKEN}
        result = CliRunner(env=environment).invoke(
            cli, ["pull", "--project", "p", "-o", str(output), "--force"]
        )
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "Error: the export of project 1: invalid JSON at line 1, column 29: "
        "Unterminated string starting at"
    )
    assert output.read_bytes() == EARLIER
    assert debris(output) == []
    assert requests[-1] == "DELETE /api/projects/1/exports/5"
