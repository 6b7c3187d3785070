"""``stancepack preannotate``: a Label Studio import file of tasks with pre-annotations,
written atomically, that the real server imports with its predictions."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from stancepack.annotate import projects
from stancepack.annotate.articles import ingest
from stancepack.cli import cli
from stancepack.schema.fields import ACTOR, TASK_DATA_KEYS
from stancepack.schema.taxonomy import load_taxonomy
from tests.helpers import REPO, SEED_ARTICLES

GAZETTEER = REPO / "data" / "actors.yaml"


def run(*args: str):
    return CliRunner().invoke(cli, ["preannotate", *args])


def test_the_import_file_holds_each_article_as_a_task_with_its_predictions(tmp_path):
    output = tmp_path / "tasks.json"
    result = run(str(SEED_ARTICLES), "-o", str(output), "--gazetteer", str(GAZETTEER))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote 5 tasks (5 with pre-annotations) to {output}\n"
    assert "pre-annotating" in result.stderr
    tasks = json.loads(output.read_text(encoding="utf-8"))
    predict = projects.make_predictor(GAZETTEER, load_taxonomy())
    articles = ingest([SEED_ARTICLES]).articles
    assert tasks == [projects.task_for(article, predict(article)) for article in articles]
    assert all(list(task["data"]) == sorted(TASK_DATA_KEYS) for task in tasks)
    again = tmp_path / "again.json"
    run(str(SEED_ARTICLES), "-o", str(again), "--gazetteer", str(GAZETTEER))
    assert again.read_bytes() == output.read_bytes()


def test_without_a_gazetteer_the_base_gazetteer_pre_annotates(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no data/actors.yaml here
    article = tmp_path / "a.txt"
    article.write_text("Poland rejected the plan, NATO said.\n", encoding="utf-8")
    result = run(str(article), "-o", "tasks.json")
    assert result.exit_code == 0, result.output
    assert "pre-annotating with the packaged base gazetteer" in result.stderr
    (task,) = json.loads((tmp_path / "tasks.json").read_text(encoding="utf-8"))
    spans = [
        i["value"]["text"] for i in task["predictions"][0]["result"] if i["from_name"] == ACTOR
    ]
    assert spans == ["Poland", "NATO"]


def test_an_existing_output_is_kept_without_force(tmp_path):
    output = tmp_path / "tasks.json"
    output.write_text("earlier\n", encoding="utf-8")
    result = run(str(SEED_ARTICLES), "-o", str(output), "--gazetteer", str(GAZETTEER))
    assert result.exit_code == 1
    assert result.stderr == f"Error: {output}: exists (pass --force to replace it)\n"
    assert output.read_text(encoding="utf-8") == "earlier\n"
    forced = run(str(SEED_ARTICLES), "-o", str(output), "--gazetteer", str(GAZETTEER), "--force")
    assert forced.exit_code == 0 and output.read_text(encoding="utf-8").startswith("[")


def test_a_bad_gazetteer_writes_nothing(tmp_path):
    gazetteer = tmp_path / "actors.yaml"
    gazetteer.write_text("actors: []\n", encoding="utf-8")
    output = tmp_path / "tasks.json"
    result = run(str(SEED_ARTICLES), "-o", str(output), "--gazetteer", str(gazetteer))
    assert result.exit_code == 1
    assert result.stderr.endswith(f"Error: {gazetteer}: actors: must list at least one actor\n")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["actors.yaml"]


def test_an_output_inside_the_articles_is_refused(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("Poland said no.\n", encoding="utf-8")
    result = run(str(folder), "-o", str(folder / "tasks.json"))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {folder / 'tasks.json'}: ")
    assert sorted(path.name for path in folder.iterdir()) == ["a.txt"]


@pytest.mark.server
def test_label_studio_imports_the_file_with_its_predictions(tmp_path, label_studio):
    output = tmp_path / "tasks.json"
    assert run(str(SEED_ARTICLES), "-o", str(output), "--gazetteer", str(GAZETTEER)).exit_code == 0
    client = label_studio.client()
    project = client.projects.create(
        title="preannotate import", **projects.project_settings(load_taxonomy())
    )
    tasks = json.loads(output.read_text(encoding="utf-8"))
    answer = client.projects.import_tasks(id=project.id, request=tasks)
    assert answer.task_count == 5 and projects.imported_predictions(answer) == 5
    imported = client.tasks.list(project=project.id, fields="all", page_size=100)
    by_article = {task.data["article_id"]: task for task in imported}
    assert sorted(by_article) == sorted(task["data"]["article_id"] for task in tasks)
    for task in tasks:
        stored = by_article[task["data"]["article_id"]]
        assert stored.data == task["data"]
        (prediction,) = [p if isinstance(p, dict) else p.model_dump() for p in stored.predictions]
        (expected,) = task["predictions"]
        assert prediction["result"] == expected["result"]
        assert prediction["model_version"] == expected["model_version"]
        assert prediction["score"] == pytest.approx(expected["score"])
