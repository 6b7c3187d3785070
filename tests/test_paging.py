"""Listings of projects and tasks against a server that ignores paging: ``project sync`` and
``pull`` stop when the announced total is reached or a page repeats, and never page for
ever. Label Studio itself pages correctly, so a small HTTP server of the standard library
plays the misbehaving one; it counts the requests and refuses any beyond a bound."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from stancepack.cli import cli
from stancepack.ground.labelstudio.client import API_KEY_ENV, URL_ENV
from tests.loopback_http import LoopbackHandler, loopback_server

TOKEN = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"
REQUEST_BOUND = 40
PAGE_OF_PROJECTS = 100


@dataclass
class Script:
    """What the server answers: the same page of projects and of tasks for every page."""

    projects: list[dict]
    project_count: int
    tasks: list[dict] = field(default_factory=list)
    task_total: int = 0
    requests: list[str] = field(default_factory=list)


class IgnoresPaging(LoopbackHandler):
    script: Script

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        route = self.path.split("?")[0].rstrip("/")
        if route == "/api/current-user/whoami":
            self.answer(200, {"id": 1, "email": "someone@localhost", "username": "someone"})
        elif route == "/api/projects":
            self.answer(200, {"count": self.script.project_count, "results": self.script.projects})
        elif route == "/api/tasks":
            self.answer(
                200,
                {
                    "total": self.script.task_total,
                    "total_annotations": 0,
                    "total_predictions": 0,
                    "tasks": self.script.tasks,
                },
            )
        else:
            self.answer(404, {"detail": "Not found."})

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        sent = json.loads(self.rfile.read(length) or b"[]")
        if self.path.split("?")[0].rstrip("/") == "/api/projects/1/import":
            self.answer(201, {"task_count": len(sent), "prediction_count": 0})
        else:
            self.answer(404, {"detail": "Not found."})

    def answer(self, status: int, data: dict) -> None:
        self.script.requests.append(f"{self.command} {self.path}")
        if len(self.script.requests) > REQUEST_BOUND:
            status, data = 400, {"detail": "request bound of the test passed"}
        self.send_body(data, status)


@contextmanager
def ignoring_server(script: Script) -> Iterator[str]:
    handler = type("Handler", (IgnoresPaging,), {"script": script})
    with loopback_server(handler) as url:
        yield url


def project(project_id: int, title: str) -> dict:
    return {"id": project_id, "title": title, "description": ""}


def task(task_id: int, article_id: str) -> dict:
    return {"id": task_id, "data": {"article_id": article_id}}


@pytest.fixture
def article(tmp_path) -> Path:
    path = tmp_path / "article.txt"
    path.write_text("A title\n\nA short article about nothing in particular.\n")
    return path


def invoke(url: str, *args: str):
    return CliRunner(env={URL_ENV: url, API_KEY_ENV: TOKEN}).invoke(cli, list(args))


def page_requests(script: Script, route: str) -> int:
    return sum(1 for request in script.requests if request.startswith(f"GET {route}"))


FULL_PAGE = [project(1, "wanted")] + [project(i, f"other {i}") for i in range(2, 101)]


def test_sync_refuses_a_project_listing_that_repeats_before_its_count(article):
    script = Script(projects=FULL_PAGE, project_count=250)
    with ignoring_server(script) as url:
        result = invoke(url, "project", "sync", "wanted", str(article), "--no-preannotate")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: Label Studio at {url} sent page 2 of its projects as a page it had sent before "
        "(100 of 250 projects received): it ignores paging, so the listing cannot be complete\n"
    )
    assert page_requests(script, "/api/projects") == 2


def test_pull_refuses_a_project_listing_that_repeats_before_its_count(tmp_path):
    script = Script(projects=FULL_PAGE, project_count=250)
    output = tmp_path / "export.json"
    with ignoring_server(script) as url:
        result = invoke(url, "pull", "--project", "wanted", "-o", str(output))
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"Error: Label Studio at {url} sent page 2 of its projects as a page it had sent before"
    )
    assert page_requests(script, "/api/projects") == 2
    assert not output.exists()


def test_sync_stops_at_the_announced_totals_and_gives_the_right_result(article):
    """Every page is the whole listing: one request each, and the sync is correct."""
    tasks = [task(1, "elsewhere-1"), task(2, "elsewhere-2")]
    script = Script(projects=[project(1, "wanted")], project_count=1, tasks=tasks, task_total=2)
    with ignoring_server(script) as url:
        result = invoke(url, "project", "sync", "wanted", str(article), "--no-preannotate")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("'wanted' (id 1): 1 added, 0 already there, 0 pre-annotations\n")
    assert page_requests(script, "/api/projects") == 1
    assert page_requests(script, "/api/tasks") == 1
    assert len(script.requests) <= 5


def test_sync_refuses_a_task_listing_that_repeats_before_its_total(article):
    tasks = [task(i, f"elsewhere-{i}") for i in range(1, 1001)]
    script = Script(projects=[project(1, "wanted")], project_count=1, tasks=tasks, task_total=2500)
    with ignoring_server(script) as url:
        result = invoke(url, "project", "sync", "wanted", str(article), "--no-preannotate")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: Label Studio at {url} sent page 2 of its tasks of project 1 as a page it had "
        "sent before (1000 of 2500 tasks of project 1 received): it ignores paging, so the "
        "listing cannot be complete\n"
    )
    assert page_requests(script, "/api/tasks") == 2
    assert not any(request.startswith("POST") for request in script.requests)


def test_pull_stops_at_the_announced_count(tmp_path):
    """The project is found on the first page; the server then fails the export itself."""
    script = Script(projects=[project(7, "wanted")], project_count=1)
    with ignoring_server(script) as url:
        result = invoke(url, "pull", "--project", "wanted", "-o", str(tmp_path / "e.json"))
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"Error: Label Studio at {url} could not export project 7 (HTTP 404"
    )
    assert page_requests(script, "/api/projects") == 1
