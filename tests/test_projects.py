"""Projects from articles: create, sync without duplicates, finish an interrupted import,
taxonomy changes, and ``stancepack up``, against the real Label Studio of the session."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from html import unescape
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from stancepack.annotate import projects
from stancepack.annotate.articles import ingest, write_jsonl
from stancepack.annotate.labeling_config import build_label_config
from stancepack.cli import cli
from stancepack.ground.errors import ArticleError, LabelStudioError
from stancepack.ground.labelstudio.client import Connection, make_client
from stancepack.schema.codebook import render_html
from stancepack.schema.fields import TASK_DATA_KEYS
from stancepack.schema.taxonomy import load_taxonomy
from tests.helpers import REPO, SEED_ARTICLES, default_taxonomy_data, write_taxonomy
from tests.loopback_http import LoopbackHandler, loopback_server

GAZETTEER = REPO / "data" / "actors.yaml"
TAXONOMY = load_taxonomy()
SEEDS = ingest([SEED_ARTICLES]).articles


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


def predictor():
    return projects.make_predictor(GAZETTEER, TAXONOMY)


def all_tasks(client, project_id):
    return list(client.tasks.list(project=project_id, fields="all", page_size=100))


def as_dict(item):
    return item if isinstance(item, dict) else item.model_dump()


def canonical(xml: str) -> str:
    return ET.canonicalize(xml, strip_text=True)


def words(html: str) -> list[str]:
    return unescape(re.sub(r"<[^>]*>", " ", html)).split()


def other_taxonomy(tmp_path, rename_person: bool = False):
    """A taxonomy with another version: one definition changed, or "person" renamed."""
    data = default_taxonomy_data()
    data["stances"][0]["definition"] += " (revised)"
    if rename_person:
        for entry in data["actor_types"]:
            if entry["value"] == "person":
                entry["value"] = "human"
    return load_taxonomy(write_taxonomy(tmp_path / "other.yaml", data))


# --- without a server -----------------------------------------------------------------------


def test_tasks_carry_the_declared_data_keys_in_order():
    task = projects.task_for(SEEDS[0])
    assert list(task) == ["data"]
    assert tuple(task["data"]) == TASK_DATA_KEYS
    assert task["data"]["article_id"] == SEEDS[0].article_id
    with_prediction = projects.task_for(SEEDS[0], [{"result": []}])
    assert with_prediction["predictions"] == [{"result": []}]


def test_description_carries_the_taxonomy_version():
    description = projects.project_description(TAXONOMY)
    assert projects.taxonomy_version_of(description) == TAXONOMY.version
    assert projects.taxonomy_version_of("made by hand") is None
    assert projects.taxonomy_version_of(None) is None


def test_articles_from_folders_and_jsonl_are_read_once(tmp_path):
    manifest = tmp_path / "articles.jsonl"
    write_jsonl(manifest, SEEDS[:2])
    read = projects.read_articles([manifest, SEED_ARTICLES])
    assert [a.article_id for a in read] == [a.article_id for a in SEEDS[:2]] + [
        a.article_id for a in SEEDS[2:]
    ]


def test_one_article_id_for_two_texts_is_refused():
    changed = replace(SEEDS[1], article_id=SEEDS[0].article_id)
    with pytest.raises(ArticleError) as raised:
        projects.unique_articles([SEEDS[0], changed])
    assert str(raised.value) == (
        f"{SEEDS[1].file}: article id {SEEDS[0].article_id} is already used by "
        f"{SEEDS[0].file} (a different text)"
    )


def test_missing_jsonl_is_refused(tmp_path):
    with pytest.raises(ArticleError) as raised:
        projects.read_articles([tmp_path / "missing.jsonl"])
    assert str(raised.value) == f"{tmp_path / 'missing.jsonl'}: no such file"


def test_predictor_gives_one_prediction_per_article_with_results():
    predictions = predictor()(SEEDS[0])
    assert len(predictions) == 1
    assert predictions[0]["model_version"].startswith("stancepack-rules-")
    assert predictions[0]["result"]


# --- a real server --------------------------------------------------------------------------


@pytest.mark.server
def test_create_imports_every_article_with_predictions_and_the_config(label_studio):
    client, connection = label_studio.client(), label_studio.connection()
    predict = predictor()
    report = projects.create_project(
        client, connection, "create test", SEEDS, TAXONOMY, predict=predict, batch_size=2
    )
    assert (report.created, report.added, report.already_there) == (True, len(SEEDS), 0)
    assert report.predictions == len(SEEDS)

    project = client.projects.get(id=report.project_id)
    expected_config = build_label_config(TAXONOMY)
    assert project.label_config.rstrip("\n") == expected_config.rstrip("\n")
    assert canonical(project.label_config) == canonical(expected_config)
    assert project.get_label_interface() is not None
    assert projects.taxonomy_version_of(project.description) == TAXONOMY.version
    # Label Studio sanitises the HTML (adds <tbody>): the words must all be there
    assert words(project.expert_instruction) == words(render_html(TAXONOMY))
    assert project.show_instruction is True

    tasks = all_tasks(client, report.project_id)
    by_article = {task.data["article_id"]: task for task in tasks}
    assert sorted(by_article) == sorted(a.article_id for a in SEEDS)
    for article in SEEDS:
        task = by_article[article.article_id]
        assert task.data == projects.task_data(article)
        (stored,) = [as_dict(p) for p in task.predictions]
        (expected,) = predict(article)
        assert stored["model_version"] == expected["model_version"]
        assert stored["result"] == expected["result"]
        assert stored["score"] == pytest.approx(expected["score"])


@pytest.mark.server
def test_creating_an_existing_project_is_refused(label_studio):
    client, connection = label_studio.client(), label_studio.connection()
    made = projects.create_project(client, connection, "exists test", SEEDS[:1], TAXONOMY)
    with pytest.raises(LabelStudioError) as raised:
        projects.create_project(client, connection, "exists test", SEEDS, TAXONOMY)
    assert str(raised.value) == (
        f"project 'exists test' already exists at {label_studio.url} (id {made.project_id}); "
        "add articles to it with: stancepack project sync"
    )


@pytest.mark.server
def test_sync_twice_never_duplicates_and_finishes_an_interrupted_import(label_studio):
    client, connection = label_studio.client(), label_studio.connection()
    # an import interrupted after two articles: the project has only those
    made = projects.create_project(client, connection, "sync test", SEEDS[:2], TAXONOMY)
    first = projects.sync_project(
        client, connection, "sync test", SEEDS, TAXONOMY, predict=predictor()
    )
    assert (first.created, first.added, first.already_there) == (False, len(SEEDS) - 2, 2)
    assert first.predictions == len(SEEDS) - 2
    second = projects.sync_project(
        client, connection, "sync test", SEEDS, TAXONOMY, predict=predictor()
    )
    assert (second.added, second.already_there, second.predictions) == (0, len(SEEDS), 0)
    assert not second.taxonomy_differs
    tasks = all_tasks(client, made.project_id)
    ids = [task.data["article_id"] for task in tasks]
    assert sorted(ids) == sorted(a.article_id for a in SEEDS)


@pytest.mark.server
def test_sync_of_a_missing_project_is_refused(label_studio):
    with pytest.raises(LabelStudioError) as raised:
        projects.sync_project(
            label_studio.client(), label_studio.connection(), "no such project", SEEDS, TAXONOMY
        )
    assert str(raised.value) == (
        f"no project 'no such project' at {label_studio.url}; make it with: "
        "stancepack project create"
    )


@pytest.mark.server
def test_taxonomy_change_is_reported_and_the_config_kept_unless_asked(label_studio, tmp_path):
    client, connection = label_studio.client(), label_studio.connection()
    old = other_taxonomy(tmp_path)
    made = projects.create_project(client, connection, "taxonomy test", SEEDS[:1], old)
    report = projects.sync_project(
        client, connection, "taxonomy test", SEEDS[:2], TAXONOMY, predict=predictor()
    )
    assert report.taxonomy_differs
    assert (report.project_taxonomy, report.current_taxonomy) == (old.version, TAXONOMY.version)
    assert (report.added, report.predictions) == (1, 0)
    project = client.projects.get(id=made.project_id)
    assert canonical(project.label_config) == canonical(build_label_config(old))

    updated = projects.sync_project(
        client, connection, "taxonomy test", SEEDS[:2], TAXONOMY, update_config=True
    )
    assert updated.config_updated and not updated.taxonomy_differs
    project = client.projects.get(id=made.project_id)
    assert canonical(project.label_config) == canonical(build_label_config(TAXONOMY))
    assert projects.taxonomy_version_of(project.description) == TAXONOMY.version


@pytest.mark.server
def test_label_studio_refusal_to_orphan_annotations_is_shown_plainly(label_studio, tmp_path):
    client, connection = label_studio.client(), label_studio.connection()
    made = projects.create_project(client, connection, "refusal test", SEEDS[:1], TAXONOMY)
    (task,) = all_tasks(client, made.project_id)
    client.annotations.create(
        id=task.id,
        result=[
            {
                "id": "r1",
                "from_name": "actor",
                "to_name": "text",
                "type": "labels",
                "value": {
                    "start": 0,
                    "end": 5,
                    "text": task.data["text"][:5],
                    "labels": ["person"],
                },
            }
        ],
    )
    renamed = other_taxonomy(tmp_path, rename_person=True)
    with pytest.raises(LabelStudioError) as raised:
        projects.sync_project(
            client, connection, "refusal test", SEEDS[:1], renamed, update_config=True
        )
    assert str(raised.value) == (
        f"Label Studio at {label_studio.url} could not accept the new labeling config for "
        f"project {made.project_id} (HTTP 400: Validation error; non_field_errors: These "
        "labels still exist in annotations or drafts: person (1 annotation) Please add "
        'labels to tag with name="actor".)'
    )
    project = client.projects.get(id=made.project_id)
    assert canonical(project.label_config) == canonical(build_label_config(TAXONOMY))


# --- the commands ---------------------------------------------------------------------------


@pytest.mark.server
def test_project_commands_create_then_sync(label_studio, tmp_path):
    env = {"LABEL_STUDIO_URL": label_studio.url, "LABEL_STUDIO_API_KEY": label_studio.token}
    articles = tmp_path / "articles.jsonl"
    write_jsonl(articles, SEEDS[:3])
    gazetteer = ["--gazetteer", str(GAZETTEER)]
    created = run("project", "create", "cli test", str(articles), *gazetteer, env=env)
    assert created.exit_code == 0, created.stderr
    project_id = projects.find_project(
        label_studio.client(), label_studio.connection(), "cli test"
    ).id
    assert created.stdout == (
        f"created project 'cli test' (id {project_id}): 3 tasks, 3 pre-annotations\n"
        f"{label_studio.url}/projects/{project_id}/data\n"
    )
    synced = run("project", "sync", "cli test", str(SEED_ARTICLES), *gazetteer, env=env)
    assert synced.exit_code == 0, synced.stderr
    assert synced.stdout == (
        f"project 'cli test' (id {project_id}): {len(SEEDS) - 3} added, 3 already there, "
        f"{len(SEEDS) - 3} pre-annotations\n"
    )
    again = run("project", "create", "cli test", str(articles), *gazetteer, env=env)
    assert again.exit_code == 1
    assert again.stderr == (
        f"pre-annotating with {GAZETTEER}\n"
        f"Error: project 'cli test' already exists at {label_studio.url} (id {project_id}); "
        "add articles to it with: stancepack project sync\n"
    )
    for result in (created, synced, again):
        assert label_studio.token not in result.stdout + result.stderr


@pytest.mark.server
def test_project_sync_reports_a_taxonomy_change(label_studio, tmp_path):
    env = {"LABEL_STUDIO_URL": label_studio.url, "LABEL_STUDIO_API_KEY": label_studio.token}
    old = other_taxonomy(tmp_path)
    projects.create_project(
        label_studio.client(), label_studio.connection(), "cli taxonomy", SEEDS[:1], old
    )
    result = run(
        "project", "sync", "cli taxonomy", str(SEED_ARTICLES), "--gazetteer", str(GAZETTEER),
        env=env,
    )  # fmt: skip
    assert result.exit_code == 0
    assert result.stderr.splitlines()[-1] == (
        f"project 'cli taxonomy' was made with taxonomy version {old.version}, the current "
        f"one is {TAXONOMY.version}: its labeling config is unchanged and new tasks get no "
        "pre-annotations (pass --update-config to update it)"
    )


def test_project_command_with_an_unreachable_url():
    from stancepack.ground.labelstudio.server import free_port, url_for

    url = url_for(free_port())
    env = {"LABEL_STUDIO_URL": url, "LABEL_STUDIO_API_KEY": "secret-token-123"}
    result = run("project", "sync", "x", str(SEED_ARTICLES), "--no-preannotate", env=env)
    assert result.exit_code == 1
    assert result.stderr == f"Error: cannot reach Label Studio at {url} (connection refused)\n"
    assert "secret-token-123" not in result.stderr


@pytest.mark.server
def test_project_command_with_a_wrong_token(label_studio):
    env = {"LABEL_STUDIO_URL": label_studio.url, "LABEL_STUDIO_API_KEY": "wrong-token-123"}
    result = run("project", "sync", "x", str(SEED_ARTICLES), "--no-preannotate", env=env)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: Label Studio at {label_studio.url} refused the API token "
        "(HTTP 401: Invalid token.)\n"
    )
    assert "wrong-token-123" not in result.stderr


@pytest.mark.server
def test_up_twice_changes_nothing_the_second_time(label_studio, monkeypatch):
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    arguments = [
        "up", "--data-dir", str(label_studio.data_dir),
        "--articles", str(SEED_ARTICLES), "--gazetteer", str(GAZETTEER),
    ]  # fmt: skip
    first = run(*arguments)
    assert first.exit_code == 0, first.stderr
    second = run(*arguments)
    assert second.exit_code == 0, second.stderr
    client, connection = label_studio.client(), label_studio.connection()
    project_id = projects.find_project(client, connection, projects.SEED_PROJECT).id
    login = (
        f"Label Studio: {label_studio.url}\n"
        f"login:        {label_studio.email}\n"
        f"password:     in {label_studio.data_dir / 'credentials.json'} (readable by you only)\n"
        f"project:      {label_studio.url}/projects/{project_id}/data\n"
    )
    added = f"tasks:        {len(SEEDS)} added, 0 already there ('seed articles')\n"
    kept = f"tasks:        0 added, {len(SEEDS)} already there ('seed articles')\n"
    assert first.stdout == login + added
    assert second.stdout == login + kept
    assert f"Label Studio is already running (pid {label_studio.pid})" in second.stderr
    assert len(all_tasks(client, project_id)) == len(SEEDS)
    for result in (first, second):
        assert label_studio.token not in result.stdout + result.stderr
        assert label_studio.password not in result.stdout + result.stderr


class FailingGateway(LoopbackHandler):
    """A reverse proxy in front of the real server that forwards every request, but answers
    502 to the first import after Label Studio has done it (a gateway failing late)."""

    upstream = ""
    failed_imports: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self.forward()

    def do_POST(self) -> None:  # noqa: N802
        self.forward()

    def forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {
            name: value
            for name, value in self.headers.items()
            if name.lower() not in ("host", "content-length", "connection", "accept-encoding")
        }
        answer = httpx.request(
            self.command, self.upstream + self.path, headers=headers, content=body, timeout=120
        )
        status, content = answer.status_code, answer.content
        if self.path.endswith("/import") and not self.failed_imports:
            self.failed_imports.append(self.path)
            status, content = 502, b'{"detail": "Bad gateway"}'
        self.send_body(content, status, answer.headers.get("Content-Type", "application/json"))


@pytest.mark.server
def test_a_retried_import_does_not_duplicate_tasks_the_failed_attempt_made(label_studio):
    handler = type(
        "Gateway", (FailingGateway,), {"upstream": label_studio.url, "failed_imports": []}
    )
    with loopback_server(handler) as url:
        connection = Connection(url, label_studio.token, "gateway")
        client = make_client(connection)
        made = projects.create_project(client, connection, "gateway test", SEEDS[:1], TAXONOMY)
        tasks = [projects.task_for(article) for article in SEEDS[1:]]
        added = projects.import_batch(client, connection, made.project_id, tasks)
    assert handler.failed_imports == [f"/api/projects/{made.project_id}/import"]
    assert added == (len(SEEDS) - 1, 0)
    ids = [task.data["article_id"] for task in all_tasks(label_studio.client(), made.project_id)]
    assert sorted(ids) == sorted(article.article_id for article in SEEDS)


def test_task_data_keeps_the_outlet_out_of_label_studios_source_key():
    undated, dated = projects.read_articles([SEED_ARTICLES])[:2]
    assert "source" not in projects.task_data(dated)
    assert projects.task_data(dated)["outlet"] == "RT"
    assert projects.task_data(dated)["byline"] == "RT · 2024-03-04"
    assert projects.task_data(undated)["byline"] == "ABC News"


# --- which gazetteer pre-annotates --------------------------------------------------------


def test_the_gazetteer_is_the_option_then_the_debate_folder_s_then_the_base_one(
    tmp_path, monkeypatch
):
    debate = tmp_path / "debate"
    debate.mkdir()
    taxonomy_path = write_taxonomy(debate / "taxonomy.yaml", default_taxonomy_data())
    given = tmp_path / "mine.yaml"
    monkeypatch.chdir(tmp_path)
    assert projects.gazetteer_path(given, taxonomy_path) == given
    assert projects.gazetteer_path(None, taxonomy_path) is None  # no actors.yaml there
    (debate / "actors.yaml").write_text(GAZETTEER.read_text(encoding="utf-8"), encoding="utf-8")
    assert projects.gazetteer_path(None, taxonomy_path) == debate / "actors.yaml"
    assert projects.gazetteer_path(given, taxonomy_path) == given
    # the packaged taxonomy: the seed debate folder data/ of a clone, else the base one
    assert projects.gazetteer_path(None, None) is None
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "actors.yaml").write_text("actors: []\n", encoding="utf-8")
    assert projects.gazetteer_path(None, None) == Path("data") / "actors.yaml"


def test_without_a_gazetteer_file_the_packaged_base_gazetteer_pre_annotates():
    article = replace(SEEDS[0], text="Poland and NATO rejected the idea, Moscow said.")
    prediction = projects.make_predictor(None, TAXONOMY)(article)[0]
    names = [i["value"]["text"] for i in prediction["result"] if i["from_name"] == "actor_name"]
    assert names == [["Poland"], ["NATO"]]


def test_project_create_uses_the_actors_yaml_beside_the_taxonomy(tmp_path):
    debate = tmp_path / "debate"
    debate.mkdir()
    taxonomy_path = write_taxonomy(debate / "taxonomy.yaml", default_taxonomy_data())
    (debate / "actors.yaml").write_text("actors: 3\n", encoding="utf-8")
    result = run(
        "project", "create", "debate", str(SEED_ARTICLES), "--taxonomy", str(taxonomy_path),
        "--url", "http://127.0.0.1:9",
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.endswith(
        f"Error: {debate / 'actors.yaml'}: expected a mapping with an 'actors' list at the top "
        "level\n"
    )
    assert f"pre-annotating with {debate / 'actors.yaml'}\n" in result.stderr
