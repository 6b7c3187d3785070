"""Round trip through a real Label Studio: annotations created through the SDK come back,
pulled with `stancepack pull`, as exactly the same rows of the flattened tables."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from stancepack.annotate.articles import ingest
from stancepack.annotate.labeling_config import build_label_config
from stancepack.annotate.projects import task_data
from stancepack.cli import cli
from stancepack.export.read.reader import load_export
from stancepack.export.validate.flatten import flatten_export
from stancepack.ground.labelstudio.client import API_KEY_ENV, URL_ENV
from stancepack.schema import fields
from stancepack.schema.taxonomy import load_taxonomy
from tests.helpers import SEED_ARTICLES

pytestmark = pytest.mark.server

TAXONOMY = load_taxonomy()
TITLE = "export round trip"
SECOND_ANNOTATOR = "second.annotator@example.org"


@dataclass(frozen=True)
class Created:
    """What the test put into Label Studio, and the export pulled back."""

    project_id: int
    task_ids: list[int]
    texts: list[str]
    article_ids: list[str]
    annotation_ids: dict[str, int]
    prediction_id: int
    admin: str
    admin_id: int
    second_id: int
    export: Path
    pull_output: str


def span(region_id: str, text: str, phrase: str, actor_type: str) -> dict[str, Any]:
    start = text.index(phrase)
    return {
        "id": region_id,
        "from_name": fields.ACTOR,
        "to_name": fields.TEXT,
        "type": "labels",
        "value": {
            "start": start,
            "end": start + len(phrase),
            "text": phrase,
            "labels": [actor_type],
        },
    }


def per_region(of: dict[str, Any], tag: str, kind: str, **value: Any) -> dict[str, Any]:
    where = {key: of["value"][key] for key in ("start", "end", "text")}
    return {
        "id": of["id"],
        "from_name": tag,
        "to_name": fields.TEXT,
        "type": kind,
        "value": {**where, **value},
    }


def relation(source: str, target: str, label: str, direction: str) -> dict[str, Any]:
    return {
        "type": "relation",
        "from_id": source,
        "to_id": target,
        "direction": direction,
        "labels": [label],
    }


def first_annotation(text: str) -> list[dict[str, Any]]:
    macron = span("r1", text, "French President Emmanuel Macron", "person")
    nato = span("r2", text, "NATO", "organization")
    minister = span("r3", text, "Foreign Minister Stéphane Sejourne", "person")
    return [
        macron,
        per_region(macron, fields.STANCE, "choices", choices=["support"]),
        per_region(macron, fields.ROLES, "choices", choices=["training", "demining"]),
        nato,
        per_region(nato, fields.STANCE, "choices", choices=["open"]),
        per_region(
            nato, fields.ACTOR_NAME, "textarea", text=["North Atlantic Treaty Organization"]
        ),
        minister,
        per_region(minister, fields.STANCE, "choices", choices=["conditional"]),
        per_region(
            minister, fields.ROLES, "choices", choices=["demining", "cyber", "weapons_production"]
        ),
        relation("r3", "r1", "responds_to", "right"),
        relation("r1", "r2", "same_as", "bi"),
    ]


def second_annotation(text: str) -> list[dict[str, Any]]:
    macron = span("r1", text, "French President Emmanuel Macron", "person")
    return [macron, per_region(macron, fields.STANCE, "choices", choices=["conditional"])]


def prediction(text: str) -> list[dict[str, Any]]:
    nato = span("p1", text, "NATO", "organization")
    return [nato, per_region(nato, fields.STANCE, "choices", choices=["neutral"])]


def other_article_annotation(text: str) -> list[dict[str, Any]]:
    first = span("a1", text, text.split()[0], "country")
    return [first, per_region(first, fields.STANCE, "choices", choices=["oppose"])]


def pull(label_studio, project: str, export: Path, token: str | None = None) -> Result:
    """``stancepack pull --project PROJECT -o EXPORT`` against the test server."""
    environment = {URL_ENV: label_studio.url, API_KEY_ENV: token or label_studio.token}
    return CliRunner(env=environment).invoke(cli, ["pull", "--project", project, "-o", str(export)])


@pytest.fixture(scope="module")
def created(label_studio, tmp_path_factory) -> Created:
    client = label_studio.client()
    articles = ingest([SEED_ARTICLES]).articles[:2]
    project = client.projects.create(title=TITLE, label_config=build_label_config(TAXONOMY))
    client.projects.import_tasks(id=project.id, request=[{"data": task_data(a)} for a in articles])
    tasks = sorted(client.tasks.list(project=project.id), key=lambda task: task.id)
    task_ids = [task.id for task in tasks]
    texts = [task.data[fields.TEXT] for task in tasks]
    second = client.users.create(
        username="roundtrip-second-annotator", email=SECOND_ANNOTATOR, password="second-annotator-1"
    )
    admin = client.users.whoami()
    made = {
        "first": client.annotations.create(
            id=task_ids[0], result=first_annotation(texts[0]), lead_time=120.5
        ),
        "second": client.annotations.create(
            id=task_ids[0],
            result=second_annotation(texts[0]),
            completed_by=second.id,
            ground_truth=True,
            lead_time=30.0,
        ),
        "cancelled": client.annotations.create(id=task_ids[1], result=[], was_cancelled=True),
        "other": client.annotations.create(
            id=task_ids[1], result=other_article_annotation(texts[1])
        ),
    }
    predicted = client.predictions.create(
        task=task_ids[0], result=prediction(texts[0]), model_version="rules-v1", score=0.5
    )
    export = tmp_path_factory.mktemp("pulled") / "export.json"
    result = pull(label_studio, TITLE, export)
    assert result.exit_code == 0, result.output
    return Created(
        project_id=project.id,
        task_ids=task_ids,
        texts=texts,
        article_ids=[a.article_id for a in articles],
        annotation_ids={name: annotation.id for name, annotation in made.items()},
        prediction_id=predicted.id,
        admin=admin.email,
        admin_id=admin.id,
        second_id=second.id,
        export=export,
        pull_output=result.stdout,
    )


def tables_of(created: Created):
    return flatten_export(load_export(created.export).tasks, TAXONOMY)


def test_pull_says_what_it_wrote(created):
    size = created.export.stat().st_size
    assert created.pull_output == (
        f"wrote {created.export}: project {created.project_id} ({TITLE}), 2 tasks, {size} bytes\n"
    )


def test_the_pulled_export_validates(created):
    result = CliRunner().invoke(cli, ["validate", str(created.export)])
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines()[1:] == [
        "summary: tasks 2, annotations 4, predictions 1, cancelled 1, empty 0, spans 6, "
        "relations 2, errors 0, warnings 0: valid"
    ]


def test_articles_come_back_as_imported(created):
    articles = tables_of(created).articles
    assert articles["task_id"].tolist() == [str(task_id) for task_id in created.task_ids]
    assert articles["article_id"].tolist() == created.article_ids
    assert articles["text"].tolist() == created.texts


def test_annotations_come_back_with_annotators_flags_and_predictions(created):
    annotations = tables_of(created).annotations
    ids = created.annotation_ids
    rows = annotations[
        ["annotation_id", "task_id", "kind", "annotator", "annotator_id", "model_version"]
        + ["was_cancelled", "ground_truth", "n_results"]
    ].values.tolist()
    first, second = (str(task_id) for task_id in created.task_ids)
    admin, admin_id = created.admin, str(created.admin_id)
    assert sorted(rows) == sorted(
        [
            [str(ids["first"]), first, "annotation", admin, admin_id, "", False, False, 11],
            [str(ids["second"]), first, "annotation", SECOND_ANNOTATOR, str(created.second_id)]
            + ["", False, True, 2],
            [f"prediction-{created.prediction_id}", first, "prediction", "", "", "rules-v1"]
            + [False, False, 2],
            [str(ids["cancelled"]), second, "annotation", admin, admin_id, "", True, False, 0],
            [str(ids["other"]), second, "annotation", admin, admin_id, "", False, False, 2],
        ]
    )
    lead_times = dict(zip(annotations["annotation_id"], annotations["lead_time"], strict=True))
    assert lead_times[str(ids["first"])] == 120.5
    assert lead_times[str(ids["second"])] == 30.0
    assert all(created_at for created_at in annotations["created_at"])


def mention(annotation_id, region_id, text, phrase, actor_type, stance, roles=(), name=""):
    start = text.index(phrase)
    place = [start, start + len(phrase), phrase]
    return [annotation_id, region_id, *place, actor_type, stance, list(roles), name]


def test_mentions_come_back_exactly(created):
    mentions = tables_of(created).mentions
    text, other = created.texts
    ids = {name: str(number) for name, number in created.annotation_ids.items()}
    columns = ["annotation_id", "region_id", "start", "end", "text", "actor_type", "stance"]
    got = mentions[[*columns, "roles", "actor_name"]].values.tolist()
    macron, minister = "French President Emmanuel Macron", "Foreign Minister Stéphane Sejourne"
    expected = [
        mention(ids["first"], "r1", text, macron, "person", "support", ["demining", "training"]),
        mention(ids["first"], "r2", text, "NATO", "organization", "open", (),
                "North Atlantic Treaty Organization"),
        mention(ids["first"], "r3", text, minister, "person", "conditional",
                ["demining", "cyber", "weapons_production"]),
        mention(ids["second"], "r1", text, macron, "person", "conditional"),
        mention(f"prediction-{created.prediction_id}", "p1", text, "NATO", "organization",
                "neutral"),
        mention(ids["other"], "a1", other, other.split()[0], "country", "oppose"),
    ]  # fmt: skip
    assert sorted(got, key=str) == sorted(expected, key=str)


def test_relations_come_back_exactly(created):
    relations = tables_of(created).relations
    first = str(created.annotation_ids["first"])
    assert relations[
        ["annotation_id", "from_region", "to_region", "label", "direction"]
    ].values.tolist() == [
        [first, "r3", "r1", "responds_to", "right"],
        [first, "r1", "r2", "same_as", "bi"],
    ]


def test_pull_by_project_id(created, label_studio, tmp_path):
    export = tmp_path / "by-id.json"
    result = pull(label_studio, str(created.project_id), export)
    assert result.exit_code == 0, result.output
    assert len(load_export(export).tasks) == 2


def test_pull_refuses_a_title_shared_by_two_projects(created, label_studio, tmp_path):
    client = label_studio.client()
    config = build_label_config(TAXONOMY)
    twins = sorted(client.projects.create(title="twin title", label_config=config).id for _ in "ab")
    export = tmp_path / "twins.json"
    result = pull(label_studio, "twin title", export)
    assert result.exit_code == 1
    assert result.stderr.endswith(
        f"Error: 2 projects at {label_studio.url} are titled 'twin title' "
        f"(ids {twins[0]}, {twins[1]}); pass --project with the id\n"
    )
    assert not export.exists() and list(tmp_path.iterdir()) == []


def test_pull_of_an_unknown_project_writes_nothing(created, label_studio, tmp_path):
    export = tmp_path / "none.json"
    result = pull(label_studio, "no such project", export)
    assert result.exit_code == 1
    assert result.stderr.endswith(
        f"Error: no project 'no such project' at {label_studio.url} (by id or title)\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_pull_with_a_wrong_token_is_one_line(created, label_studio, tmp_path):
    result = pull(label_studio, TITLE, tmp_path / "x.json", token="not-a-token")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"Error: Label Studio at {label_studio.url} refused the API token"
    )
    assert "not-a-token" not in result.stderr
    assert list(tmp_path.iterdir()) == []
