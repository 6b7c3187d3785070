"""Two runs that add to one project at once, against the real Label Studio of the session:
real ``stancepack`` processes started together must add every article exactly once (the
project's lock in the local server's data directory), and on a server without that lock
the listing before each batch skips what another run added meanwhile."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from stancepack.annotate import projects
from stancepack.annotate.articles import ingest
from stancepack.schema.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy()
ARTICLES = 60
BATCH = "5"
STANCEPACK = Path(sys.executable).with_name("stancepack")


def write_articles(folder: Path, count: int = ARTICLES) -> Path:
    folder.mkdir()
    for number in range(count):
        (folder / f"article-{number:03d}.txt").write_text(
            f"Article number {number}\n\nThe ministers of country {number} met on day "
            f"{number} and spoke about peacekeeping troops for {number} hours.\n"
        )
    return folder


def article_ids_of(label_studio, title: str) -> Counter[str]:
    client, connection = label_studio.client(), label_studio.connection()
    project = projects.find_project(client, connection, title)
    assert project is not None
    tasks = client.tasks.list(project=project.id, fields="all", page_size=1000)
    return Counter(str(task.data["article_id"]) for task in tasks)


def start_together(label_studio, tmp_path: Path, *arguments: str) -> list[subprocess.Popen]:
    """Two ``stancepack`` processes with the same arguments, talking to the local server of
    the session through its data directory (no URL or token in their environment)."""
    environment = {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8", "HOME": str(tmp_path)}
    command = [str(STANCEPACK), *arguments, "--data-dir", str(label_studio.data_dir)]
    return [
        subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
            cwd=tmp_path,
        )
        for _ in range(2)
    ]


def finish(processes: list[subprocess.Popen]) -> list[tuple[int, str, str]]:
    outcomes = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=600)
        outcomes.append((process.returncode, stdout, stderr))
    return outcomes


@pytest.mark.server
def test_two_syncs_at_once_add_every_article_exactly_once(label_studio, tmp_path):
    folder = write_articles(tmp_path / "articles")
    expected = {article.article_id for article in ingest([folder]).articles}
    client, connection = label_studio.client(), label_studio.connection()
    projects.create_project(client, connection, "race sync", [], TAXONOMY)
    arguments = ("project", "sync", "race sync", str(folder), "--no-preannotate")
    outcomes = finish(start_together(label_studio, tmp_path, *arguments, "--batch-size", BATCH))
    assert [code for code, _, _ in outcomes] == [0, 0], outcomes
    counted = article_ids_of(label_studio, "race sync")
    assert set(counted) == expected
    assert set(counted.values()) == {1}
    reports = sorted(stdout for _, stdout, _ in outcomes)
    assert reports[0].endswith(f": 0 added, {ARTICLES} already there, 0 pre-annotations\n")
    assert reports[1].endswith(f": {ARTICLES} added, 0 already there, 0 pre-annotations\n")
    lock = projects.lock_path(label_studio.data_dir, "race sync")
    assert lock.exists() and lock.stat().st_mode & 0o777 == 0o600


@pytest.mark.server
def test_without_the_lock_each_batch_skips_what_another_run_added(label_studio, tmp_path):
    """The predictor of the first batch plays another run: it imports the second batch's
    articles itself, before that batch is listed and sent."""
    articles = ingest([write_articles(tmp_path / "articles", 10)]).articles
    client, connection = label_studio.client(), label_studio.connection()
    assert connection.data_dir is None
    made = projects.create_project(client, connection, "race recheck", [], TAXONOMY)
    second_batch = articles[5:]
    other_run_done: list[bool] = []

    def predict_and_race(article):
        if not other_run_done:
            tasks = [projects.task_for(other) for other in second_batch]
            client.projects.import_tasks(id=made.project_id, request=tasks)
            other_run_done.append(True)
        return []

    report = projects.sync_project(
        client, connection, "race recheck", articles, TAXONOMY,
        predict=predict_and_race, batch_size=5,
    )  # fmt: skip
    assert (report.added, report.already_there) == (5, 5)
    counted = article_ids_of(label_studio, "race recheck")
    assert len(counted) == 10 and set(counted.values()) == {1}
